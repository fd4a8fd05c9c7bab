import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli, shutdown } from '../src/cli.js'
import { BUNDLED_FIXTURES, SETTINGS } from '../src/config.js'
import { CLOCK_START_S, DEMO_AUTH, authorizeBody } from './helpers/app.js'
import { listeningUrl, spawnMain } from './helpers/process.js'

function io () {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } }
}

const authorize = (url: string) => fetch(`${url}/api/v1/oauth/authorize`, {
  method: 'POST',
  headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
  body: JSON.stringify(authorizeBody)
})

t.test('--help lists every setting', async (t) => {
  const { out, io: cliIo } = io()
  t.same(await runCli(['--help'], {}, cliIo), { code: 0 })
  for (const setting of Object.values(SETTINGS)) {
    t.match(out[0], `--${setting.flag} <value>`)
    t.match(out[0], setting.env)
  }
})

t.test('bad settings: one message naming each, exit code 1, nothing started', async (t) => {
  const { err, io: cliIo } = io()
  t.same(await runCli(['--code-ttl', 'soon'], { PORT: 'abc', TRACK_TTL: '-1' }, cliIo), { code: 1 })
  t.same(err, ['freedom-id-sandbox: invalid settings, nothing was started:\n' +
    '  PORT (--port): expected an integer from 0 to 65535, got "abc"\n' +
    '  TRACK_TTL (--track-ttl): expected a whole number of seconds, at least 1, got "-1"\n' +
    '  CODE_TTL (--code-ttl): expected a whole number of seconds, at least 1, got "soon"'])
})

t.test('unknown flags and bad fixtures stop the start', async (t) => {
  const unknown = io()
  t.same(await runCli(['--prot', '1'], {}, unknown.io), { code: 1 })
  t.match(unknown.err[0], /^freedom-id-sandbox: Unknown option '--prot'.*\nRun freedom-id-sandbox --help for the options\.$/s)

  const dir = await mkdtemp(join(tmpdir(), 'fid-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'clients.json'), '[]')
  await writeFile(join(dir, 'users.json'), '[{"id": 1}]')
  const fixtures = io()
  t.same(await runCli(['--fixtures', dir, '--port', '0'], {}, fixtures.io), { code: 1 })
  t.match(fixtures.err[0], /^freedom-id-sandbox: invalid fixtures, nothing was started:\n/)
  t.match(fixtures.err[0], `\n  ${dir}/users.json: record 0: field id: Expected string`)
  t.match(fixtures.err[0], `\n  ${dir}/users.json: record 0: field phone: Expected required property`)
})

t.test('a port in use: exit code 1 with the reason', async (t) => {
  const first = await runCli(['--port', '0', '--log-level', 'silent'], {}, io().io)
  t.teardown(() => first.close?.())
  const second = io()
  t.same(await runCli(['--port', String(first.sandbox!.port)], { LOG_LEVEL: 'silent' }, second.io), { code: 1 })
  t.match(second.err[0], /already in use/)
})

t.test('starts with flags over env, prints its URL, serves, closes', async (t) => {
  const { out, io: cliIo } = io()
  const result = await runCli(['--port', '0', '--track-ttl', '45', '--public-url', 'https://qa.example', '--max-records', '5000'], {
    PORT: '1', TRACK_TTL: '9', CLOCK: '2030-01-01T00:00:00Z', LOG_LEVEL: 'silent', MAX_RECORDS: '70000'
  }, cliIo)
  t.equal(result.code, 0)
  const url = result.sandbox!.url
  t.same(out, [
    `Freedom ID sandbox listening on ${url}`,
    '  login links point at https://qa.example',
    `  fixtures: ${BUNDLED_FIXTURES} (3 clients, 6 users)`,
    '  store: memory (this process only), at most 5,000 records per kind'
  ])
  const link = new URL((await (await authorize(url)).json() as { redirect_uri: string }).redirect_uri)
  t.equal(link.origin, 'https://qa.example')
  t.equal(link.searchParams.get('expire_at'), String(CLOCK_START_S + 45))
  await result.close!()
  await t.rejects(fetch(`${url}/health`))
})

t.test('shutdown logs why, then closes the sandbox', async (t) => {
  for (const [event, expected] of [
    [{ signal: 'SIGTERM' }, { level: 30, signal: 'SIGTERM', msg: 'shutting down' }],
    [{ err: new Error('boom') }, { level: 50, err: { message: 'boom' }, msg: 'shutting down after an uncaught error' }]
  ] as const) {
    const logged: unknown[] = []
    let closed = 0
    const sandbox = { app: { log: { info: (o: object, msg: string) => logged.push({ level: 30, ...o, msg }), error: (o: object, msg: string) => logged.push({ level: 50, ...o, msg }) } }, close: async () => { closed++ } }
    await shutdown(sandbox as never)(event)
    t.match(logged, [expected])
    t.equal(closed, 1)
  }
})

t.test('the built command: bad settings exit 1 before listening', async (t) => {
  const run = spawnMain([], { PORT: 'abc', TRACK_TTL: '-1' })
  t.equal(await run.exited, 1)
  t.equal(run.stdout(), '')
  t.equal(run.stderr(), 'freedom-id-sandbox: invalid settings, nothing was started:\n' +
    '  PORT (--port): expected an integer from 0 to 65535, got "abc"\n' +
    '  TRACK_TTL (--track-ttl): expected a whole number of seconds, at least 1, got "-1"\n')
})

t.test('the built command: SEED and CLOCK make two processes answer byte for byte alike', async (t) => {
  const bodies: string[][] = []
  for (let i = 0; i < 2; i++) {
    const run = spawnMain(['--port', '0'], { SEED: '42', CLOCK: '2030-01-01T00:00:00Z', LOG_LEVEL: 'silent' })
    t.teardown(() => run.child.kill('SIGKILL'))
    const url = await listeningUrl(run)
    const port = new URL(url).port
    const out = []
    for (let n = 0; n < 3; n++) out.push((await (await authorize(url)).text()).replace(`localhost:${port}`, 'localhost:PORT'))
    bodies.push(out)
    run.child.kill('SIGTERM')
    t.equal(await run.exited, 0)
  }
  t.same(bodies[0], bodies[1])
  t.match(bodies[0]![0], new RegExp(`"http://localhost:PORT/login\\?track_id=[0-9a-f-]{36}&expire_at=${CLOCK_START_S + 600}"`))
})

t.test('the built command: SIGTERM lets an in-flight request finish, then exits 0', async (t) => {
  const run = spawnMain([], { PORT: '0', LOG_LEVEL: 'info' })
  t.teardown(() => run.child.kill('SIGKILL'))
  const url = await listeningUrl(run)
  t.equal((await authorize(url)).status, 200)
  run.child.kill('SIGTERM')
  t.equal(await run.exited, 0)
  t.match(run.stdout(), /"msg":"shutting down"/)
  t.match(run.stdout(), /"signal":"SIGTERM"/)
})

t.test('the built CLI warns at start, on stdout, when it listens beyond loopback with open doors; never on loopback', async (t) => {
  const warnings = async (env: Record<string, string>) => {
    const run = spawnMain(['--port', '0'], env)
    t.teardown(() => { run.child.kill('SIGKILL') })
    await listeningUrl(run)
    run.child.kill('SIGTERM')
    await run.exited
    return run.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
      .filter((line) => line.level === 40).map((line) => line.msg)
  }
  t.same(await warnings({ HOST: '0.0.0.0' }), [
    'listening on 0.0.0.0, beyond this machine: "Demo Shop", "Demo Shop (revoke_uri)" accept any redirect URI, so a login link with their client id can send a user anywhere (give every client redirect_uris); and the control API (/__sandbox) needs no token (set SANDBOX_TOKEN). See docs/shared-qa.md.'
  ])
  t.same(await warnings({}), [], 'the default host, 127.0.0.1')
})
