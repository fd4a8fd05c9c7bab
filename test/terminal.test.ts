import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import t from 'tap'
import { DEMO_AUTH, authorizeBody } from './helpers/app.js'
import { MAIN, childEnv, listeningUrl, printed, spawnMain, type Spawned } from './helpers/process.js'

/**
 * The built CLI as a person runs it: on a real terminal (a pseudo-terminal from util-linux's
 * `script`, as `npm start` in a shell would have), and with its output piped (CI, a container).
 */
function onTerminal (env: Record<string, string>): Spawned {
  const child = spawn('script', ['--quiet', '--return', '--command', `exec '${process.execPath}' '${MAIN}' --port 0`, '/dev/null'],
    { env: childEnv({ TERM: 'xterm-256color', ...env }), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  child.stdout!.on('data', (d) => { out += String(d).replaceAll('\r\n', '\n') })
  child.stderr!.on('data', (d) => { out += String(d) })
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  return { child, stdout: () => out, stderr: () => '', exited }
}

/** The escape character that starts a terminal's colour codes. */
const ESC = '\u001b'

/** The processes `script` started: the CLI runs in a session of its own on the pseudo-terminal. */
const childrenOf = (pid: number): number[] => {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter((n) => n !== '').map(Number))
  } catch {
    return []
  }
}
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Closes the terminal as a person closing the window would (its `script` is killed, the
 * pseudo-terminal hangs up) and answers whether the CLI then went away by itself; it is killed if not.
 */
const stop = async (run: Spawned): Promise<boolean> => {
  const cli = childrenOf(run.child.pid!)
  try {
    process.kill(-run.child.pid!, 'SIGKILL')
  } catch {}
  await run.exited
  const deadline = Date.now() + 15_000
  while (cli.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  const gone = !cli.some(alive)
  for (const pid of cli.filter(alive)) process.kill(pid, 'SIGKILL')
  return gone
}

/** Three requests: a good one, a 401 and a 422; resolves once their three lines are out. */
async function traffic (run: Spawned): Promise<string[]> {
  const url = await listeningUrl(run)
  await fetch(`${url}/api/v1/oauth/authorize`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(authorizeBody) })
  await fetch(`${url}/api/v1/oauth/token`, { method: 'POST', headers: { authorization: 'Basic bm9wZTpub3Bl', 'content-type': 'application/json' }, body: '{}' })
  await fetch(`${url}/api/v1/oauth/token`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: '{}' })
  await printed(run, /oauth\/token.*\n.*oauth\/token.*\n/)
  return run.stdout().split('\n').filter((line) => line !== '')
}

/** The bundled clients, as many as the banner counts. */
const CLIENTS = (JSON.parse(readFileSync(new URL('../fixtures/clients.json', import.meta.url), 'utf8')) as unknown[]).length

const BANNER = [
  /^Freedom ID sandbox listening on http:\/\/127\.0\.0\.1:\d+$/,
  /^ {2}login links point at http:\/\/localhost:\d+$/,
  new RegExp(String.raw`^ {2}fixtures: .+ \(${CLIENTS} clients, \d+ users\)$`),
  /^ {2}store: memory /
]

const TIME = String.raw`\[\d\d:\d\d:\d\d\]`
const MS = String.raw`\d+(\.\d)? ms`

t.test('on a terminal: the banner once, then one readable line per request, the status in colour', async (t) => {
  const run = onTerminal({})
  t.teardown(() => stop(run))
  const lines = await traffic(run)
  t.equal(lines.length, 7, lines.join('\n'))
  BANNER.forEach((pattern, i) => t.match(lines[i], pattern))
  const plain = lines.map((line) => line.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), ''))
  t.match(plain[4], new RegExp(`^${TIME} INFO: POST /api/v1/oauth/authorize 200 \\(${MS}, Demo Shop\\)$`))
  t.match(plain[5], new RegExp(`^${TIME} INFO: POST /api/v1/oauth/token 401 \\(${MS}\\): Unauthenticated\\.$`))
  t.match(plain[6], new RegExp(`^${TIME} INFO: POST /api/v1/oauth/token 422 \\(${MS}, Demo Shop\\): The Authorization code field is required\\.$`))
  t.ok(lines[5]!.includes(`${ESC}[33m401${ESC}[`), 'a 4xx in yellow')
  t.notMatch(run.stdout(), /listening at|\{"level"/, 'no JSON, and no second start-up line')
  t.ok(await stop(run), 'the CLI ends when its terminal hangs up (it once spun at full CPU, deaf to SIGTERM)')
})

t.test('on a terminal: NO_COLOR keeps the lines, drops the colour; LOG_FORMAT=json keeps JSON', async (t) => {
  const plain = onTerminal({ NO_COLOR: '1' })
  t.teardown(() => stop(plain))
  const lines = await traffic(plain)
  t.match(lines[5], new RegExp(`^${TIME} INFO: POST /api/v1/oauth/token 401 \\(${MS}\\): Unauthenticated\\.$`))
  t.notOk(plain.stdout().includes(ESC))

  const json = onTerminal({ LOG_FORMAT: 'json' })
  t.teardown(() => stop(json))
  const logged = (await traffic(json)).slice(4).map((line) => JSON.parse(line))
  t.match(logged, [
    { msg: 'request', method: 'POST', url: '/api/v1/oauth/authorize', status: 200, client: 'Demo Shop' },
    { msg: 'request', status: 401, reason: 'Unauthenticated.' },
    { msg: 'request', status: 422, reason: 'The Authorization code field is required.' }
  ])
})

t.test('piped (CI, a container): JSON lines after the banner, no second start-up line; LOG_FORMAT=pretty on request', async (t) => {
  const piped = spawnMain(['--port', '0'], {})
  t.teardown(() => { piped.child.kill('SIGKILL') })
  const lines = await traffic(piped)
  t.equal(lines.length, 7, lines.join('\n'))
  BANNER.forEach((pattern, i) => t.match(lines[i], pattern))
  t.match(lines.slice(4).map((line) => JSON.parse(line)), [
    { level: 30, msg: 'request', method: 'POST', url: '/api/v1/oauth/authorize', status: 200, client: 'Demo Shop', ms: Number },
    { level: 30, msg: 'request', status: 401, reason: 'Unauthenticated.' },
    { level: 30, msg: 'request', status: 422, client: 'Demo Shop', reason: 'The Authorization code field is required.' }
  ])
  t.notMatch(piped.stdout(), /listening at/)

  const pretty = spawnMain(['--port', '0', '--log-format', 'pretty'], {})
  t.teardown(() => { pretty.child.kill('SIGKILL') })
  const prettyLines = await traffic(pretty)
  t.match(prettyLines[5], new RegExp(`^${TIME} INFO: POST /api/v1/oauth/token 401 \\(${MS}\\): Unauthenticated\\.$`))
  t.notOk(pretty.stdout().includes(ESC), 'no colour into a pipe')
})
