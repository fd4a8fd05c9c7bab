import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../src/cli.js'
import { REPORT_HELP } from '../src/report-command.js'
import { startSandbox, type Sandbox } from '../src/index.js'
import { DEMO_AUTH, authorizeBody } from './helpers/app.js'
import { freePort } from './helpers/redis.js'
import { AIGERIM } from './helpers/flow.js'

function io () {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } }
}

async function sandboxWith (t: { teardown(fn: () => unknown): void }, findings: 'error' | 'warning' | 'none', sandboxToken?: string): Promise<Sandbox> {
  const sandbox = await startSandbox({ logLevel: 'silent', clock: '2030-01-01T00:00:00Z', sandboxToken })
  t.teardown(() => sandbox.close())
  if (findings === 'none') return sandbox
  const link = await (await fetch(`${sandbox.url}/api/v1/oauth/authorize`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(authorizeBody) })).json() as { redirect_uri: string }
  const { redirect_uri: back } = await sandbox.approve(new URL(link.redirect_uri).searchParams.get('track_id')!, { user: AIGERIM })
  const exchange = () => fetch(`${sandbox.url}/api/v1/oauth/token`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ authorization_code: new URL(back).searchParams.get('authorization_code') }) })
  await exchange()
  if (findings === 'error') await exchange()
  return sandbox
}

t.test('report --help says what fails the exit status', async (t) => {
  const { out, io: cliIo } = io()
  t.same(await runCli(['report', '--help'], {}, cliIo), { code: 0 })
  t.same(out, [REPORT_HELP])
  t.match(REPORT_HELP, 'Exit status: 0 when no finding has severity error (warnings and notices do not fail);\n1 when any finding has severity error; 2 when the report could not be fetched')
})

t.test('bad options: exit 2, every problem named', async (t) => {
  for (const [argv, message] of [
    [[], 'freedom-id-sandbox report: --sandbox <url> is required'],
    [['--sandbox', 'nope', '--format', 'xml'], 'freedom-id-sandbox report: --sandbox nope is not a URL; --format must be json, junit or html, not xml'],
    [['--sandbox'], "freedom-id-sandbox report: Option '--sandbox <value>' argument missing"],
    [['--colour'], "freedom-id-sandbox report: Unknown option '--colour'"]
  ] as const) {
    const { err, io: cliIo } = io()
    t.same(await runCli(['report', ...argv], {}, cliIo), { code: 2 }, argv.join(' '))
    t.match(err[0], message)
    t.match(err[0], 'Run freedom-id-sandbox report --help for the options.')
  }
})

t.test('JSON to stdout, the counts to stderr: exit 1 with an error finding, 0 with only warnings', async (t) => {
  const failing = await sandboxWith(t, 'error')
  const run = io()
  t.same(await runCli(['report', '--sandbox', `${failing.url}/`], {}, run.io), { code: 1 })
  t.same(JSON.parse(run.out.join('\n')).summary, { error: 1, warning: 1, notice: 0 })
  t.same(run.err, ['freedom-id-sandbox report: 1 error(s), 1 warning(s), 0 notice(s)'])

  const passing = await sandboxWith(t, 'warning')
  const ok = io()
  t.same(await runCli(['report', '--sandbox', passing.url, '--format', 'junit'], {}, ok.io), { code: 0 })
  t.match(ok.out[0], /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites [^]*<failure type="warning"/)
  t.same(ok.err, ['freedom-id-sandbox report: 0 error(s), 1 warning(s), 0 notice(s)'])

  const expecting = io()
  t.same(await runCli(['report', '--sandbox', passing.url, '--expect', 'firstname'], {}, expecting.io), { code: 1 }, '--expect: an expected field not granted is an error')
})

t.test('--output writes the file; --token or SANDBOX_TOKEN reaches a guarded sandbox', async (t) => {
  const sandbox = await sandboxWith(t, 'none', 's3cret')
  const dir = await mkdtemp(join(tmpdir(), 'report-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'report.html')
  const run = io()
  t.same(await runCli(['report', '--sandbox', sandbox.url, '--format', 'html', '--output', file], { SANDBOX_TOKEN: 's3cret' }, run.io), { code: 0 })
  t.same(run.out, [`freedom-id-sandbox report: 0 error(s), 0 warning(s), 0 notice(s); written to ${file}`])
  t.match(await readFile(file, 'utf8'), /^<!doctype html>/)
  const flag = io()
  t.same(await runCli(['report', '--sandbox', sandbox.url, '--token', 's3cret'], {}, flag.io), { code: 0 })

  const refused = io()
  t.same(await runCli(['report', '--sandbox', sandbox.url], {}, refused.io), { code: 2 })
  t.match(refused.err[0], `freedom-id-sandbox report: ${sandbox.url} answered 401: {"error":{"message":"Unauthenticated: the control API needs`)
  const unwritable = io()
  t.same(await runCli(['report', '--sandbox', sandbox.url, '--token', 's3cret', '--output', join(dir, 'missing', 'r.json')], {}, unwritable.io), { code: 2 })
  t.match(unwritable.err[0], `freedom-id-sandbox report: cannot write ${join(dir, 'missing', 'r.json')}: ENOENT`)
})

t.test('a sandbox that is not there, or a server that is no sandbox: exit 2', async (t) => {
  const port = await freePort()
  const gone = io()
  t.same(await runCli(['report', '--sandbox', `http://127.0.0.1:${port}`], {}, gone.io), { code: 2 })
  t.same(gone.err, [`freedom-id-sandbox report: cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`])
  const sandbox = await sandboxWith(t, 'none')
  const other = io()
  t.same(await runCli(['report', '--sandbox', `${sandbox.url}/behind/a/proxy`], {}, other.io), { code: 2 }, 'a path is kept (a sandbox behind a proxy): here a 404, no report')
  t.match(other.err[0], 'answered 404')
})
