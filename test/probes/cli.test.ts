import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli.js'
import { PROBE_HELP } from '../../src/probe-cli.js'
import { probeJunit, xml } from '../../src/probes/junit.js'
import type { ProbeReport } from '../../src/probes/report.js'
import { startSandbox } from '../../src/index.js'
import { startCarelessMerchant } from '../helpers/careless-merchant.js'
import { freePort } from '../helpers/redis.js'
import { DEMO_SHOP, startStack } from '../e2e/stack.js'

// `freedom-id-sandbox probe` against real listening servers: its exit status, its text, --json
// and --junit; and the JUnit XML itself, escaped.

function io () {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } }
}

t.test('the example merchant: exit 0, one line per probe; --junit writes one test case per probe', async (t) => {
  const stack = await startStack(t, { sandboxToken: 'ci-secret' })
  const dir = await mkdtemp(join(tmpdir(), 'probe-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'probes.xml')
  const { out, err, io: cliIo } = io()
  const args = ['probe', '--sandbox', `${stack.sandbox.url}/`, '--start', `${stack.merchantUrl}/login`, '--signed-in', `${stack.merchantUrl}/profile`, '--junit', file]
  t.same(await runCli(args, { SANDBOX_TOKEN: 'ci-secret' }, cliIo), { code: 0 })
  t.same(err, [])
  t.equal(out[0], `OAuth2 sign-in of client ${DEMO_SHOP.clientId}:`)
  t.equal(out[1], '  ok   server error  code-replay: a replayed authorization code')
  t.equal(out[3], '  ok   refused       oauth2.login-csrf: login CSRF: a code from a sign-in started in another browser')
  t.equal(out[6], '  ok   n/a           oidc.state-missing: a callback without state')
  t.equal(out.at(-1), '17 probes: 2 refused, 0 let in, 3 server errors, 0 errors, 12 not applicable. Passed.')
  const junit = await readFile(file, 'utf8')
  t.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="freedom-id-sandbox probes" tests="17" failures="0" errors="0" skipped="12">\n/)
  t.equal(junit.match(/<testcase /g)?.length, 17)
  t.equal(junit.match(/<skipped /g)?.length, 12)

  const oidc = io()
  t.same(await runCli(['probe', '--sandbox', stack.sandbox.url, '--start', `${stack.merchantUrl}/oidc/login`, '--signed-in', `${stack.merchantUrl}/profile`, '--only', 'oidc.pkce'], { SANDBOX_TOKEN: 'ci-secret' }, oidc.io), { code: 0 })
  t.same(oidc.out, [`OIDC sign-in of client ${DEMO_SHOP.clientId}:`, '  ok   server error  oidc.pkce: a code not bound to this browser\'s PKCE verifier', '1 probes: 0 refused, 0 let in, 1 server errors, 0 errors, 0 not applicable. Passed.'])

  const unauthorized = io()
  t.same(await runCli(args, {}, unauthorized.io), { code: 2 })
  t.same(unauthorized.err, ['freedom-id-sandbox probe: the sandbox answered 401: Unauthenticated: the control API needs "Authorization: Bearer <SANDBOX_TOKEN>".'])
})

t.test('a careless merchant: exit 1, and each failure with what happened and the fix; --json prints the report', async (t) => {
  const sandbox = await startSandbox({ port: 0, logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const shop = await startCarelessMerchant(t, sandbox.url, DEMO_SHOP)
  const { out, io: cliIo } = io()
  const args = ['probe', '--sandbox', sandbox.url, '--start', `${shop.url}/login`, '--signed-in', shop.signedIn, '--only', 'oauth2.login-csrf', '--only', 'code-replay', '--timeout', '4000']
  t.same(await runCli(args, {}, cliIo), { code: 1 })
  t.same(out, [
    `OAuth2 sign-in of client ${DEMO_SHOP.clientId}:`,
    '  ok   server error  code-replay: a replayed authorization code',
    '  FAIL LET IN        oauth2.login-csrf: login CSRF: a code from a sign-in started in another browser',
    '         The merchant let this browser in: after the callback (HTTP 200), --signed-in answered 200.',
    '         Fix: Freedom ID\'s callback carries no state: put a nonce of your own in the redirect_uri\'s query, keep it in a cookie when the sign-in starts, and refuse a callback whose nonce is not that cookie\'s.',
    '2 probes: 0 refused, 1 let in, 1 server errors, 0 errors, 0 not applicable. FAILED.'
  ])
  const json = io()
  t.same(await runCli([...args, '--json'], {}, json.io), { code: 1 })
  const report = JSON.parse(json.out.join('\n')) as ProbeReport
  t.same(report.probes.map((probe) => [probe.id, probe.seen]), [['code-replay', 'server_error'], ['oauth2.login-csrf', 'let_in']])

  const problem = io()
  t.same(await runCli(['probe', '--sandbox', sandbox.url, '--start', `${shop.url}/me`, '--signed-in', shop.signedIn], {}, problem.io), { code: 2 })
  t.same(problem.out, [`The probes could not run: an honest sign-in could not be carried out: --start did not lead to the sandbox's login page: GET ${shop.url}/ answered 404`])
})

t.test('usage: --help, missing or bad flags, a sandbox that is not there or refuses the call: exit 2', async (t) => {
  const help = io()
  t.same(await runCli(['probe', '--help'], {}, help.io), { code: 0 })
  t.same(help.out, [PROBE_HELP])
  const port = await freePort()
  const cases: Array<[string[], string]> = [
    [['--sandbox', 'http://127.0.0.1:1'], 'freedom-id-sandbox probe: missing --start, --signed-in\nRun freedom-id-sandbox probe --help for the options.'],
    [['--sandbox', 'x', '--start', 'x', '--signed-in', 'x', '--timeout', 'soon'], 'freedom-id-sandbox probe: --timeout must be a whole number of milliseconds\nRun freedom-id-sandbox probe --help for the options.'],
    [['--sandbox'], 'freedom-id-sandbox probe: Option \'--sandbox <value>\' argument missing\nRun freedom-id-sandbox probe --help for the options.'],
    [['--sandbox', `http://127.0.0.1:${port}`, '--start', 'x', '--signed-in', 'x'], `freedom-id-sandbox probe: no report from http://127.0.0.1:${port}/__sandbox/probes: connect ECONNREFUSED 127.0.0.1:${port}`]
  ]
  for (const [args, message] of cases) {
    const run = io()
    t.same(await runCli(['probe', ...args], {}, run.io), { code: 2 })
    t.same(run.err, [message])
  }
  const sandbox = await startSandbox({ port: 0, logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const refused = io()
  t.same(await runCli(['probe', '--sandbox', sandbox.url, '--start', 'x', '--signed-in', 'http://shop.example/me'], {}, refused.io), { code: 2 })
  t.same(refused.err, ['freedom-id-sandbox probe: the sandbox answered 422: Error validating transmitted data. The start field must be an absolute http(s) URL.'])
  // Something else at --sandbox: whatever JSON it answers, the status is said.
  const elsewhere = await startCarelessMerchant(t, sandbox.url, DEMO_SHOP, (path, _n, res) => path === '/__sandbox/probes' && res.writeHead(404, { 'content-type': 'application/json' }).end('{}') !== undefined)
  const wrong = io()
  t.same(await runCli(['probe', '--sandbox', elsewhere.url, '--start', 'http://shop.example/login', '--signed-in', 'http://shop.example/me'], {}, wrong.io), { code: 2 })
  t.same(wrong.err, ['freedom-id-sandbox probe: the sandbox answered 404 (not the sandbox\'s envelope: is --sandbox the sandbox?)'])
  const html = await startCarelessMerchant(t, sandbox.url, DEMO_SHOP, (path, _n, res) => path === '/__sandbox/probes' && res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Hi</h1>') !== undefined)
  const notJson = io()
  t.same(await runCli(['probe', '--sandbox', html.url, '--start', 'http://shop.example/login', '--signed-in', 'http://shop.example/me'], {}, notJson.io), { code: 2 })
  t.match(notJson.err, [`freedom-id-sandbox probe: no report from ${html.url}/__sandbox/probes: Unexpected token`])
})

t.test('JUnit XML: escaped, without the characters XML cannot carry; failures, errors and skips counted; a run that could not start is one failing case', async (t) => {
  t.equal(xml('<a href="x">&\'\u0000\u001F\uD800ok\u{1F600}</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;\uFFFD\uFFFD\uFFFDok\u{1F600}&lt;/a&gt;')
  const probe = { title: 'a <title>', flows: ['oauth2' as const], does: 'did "this"', expected: 'refused' as const, fix: 'fix & go', steps: [] }
  const report: ProbeReport = {
    passed: false,
    flow: 'oauth2',
    client_id: 'c',
    honest: [],
    probes: [
      { ...probe, id: 'a', seen: 'let_in', passed: false, detail: 'in <there>', steps: [{ browser: 'user', method: 'GET', url: 'http://shop/cb?a=1&b=2', status: 200 }] },
      { ...probe, id: 'b', seen: 'error', passed: false, detail: 'no answer', steps: [{ browser: 'user', method: 'GET', url: 'http://shop/x', error: 'timeout' }] },
      { ...probe, id: 'c', seen: 'not_applicable', passed: true, detail: 'other flow' },
      { ...probe, id: 'd', seen: 'refused', passed: true, detail: 'ok', steps: [{ browser: 'attacker', method: 'POST', url: 'http://sandbox/login', status: 303, location: '/next' }] }
    ]
  }
  t.equal(probeJunit(report), `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="freedom-id-sandbox probes" tests="4" failures="1" errors="1" skipped="1">
  <testsuite name="relying-party probes" tests="4" failures="1" errors="1" skipped="1">
    <testcase classname="freedom-id-sandbox.probes" name="a: a &lt;title&gt;">
      <failure message="in &lt;there&gt;" type="let_in">Did: did &quot;this&quot;
Seen: let_in. in &lt;there&gt;
Fix: fix &amp; go
Requests:
user: GET http://shop/cb?a=1&amp;b=2 -&gt; 200</failure>
    </testcase>
    <testcase classname="freedom-id-sandbox.probes" name="b: a &lt;title&gt;">
      <error message="no answer" type="error">Did: did &quot;this&quot;
Seen: error. no answer
Fix: fix &amp; go
Requests:
user: GET http://shop/x -&gt; timeout</error>
    </testcase>
    <testcase classname="freedom-id-sandbox.probes" name="c: a &lt;title&gt;">
      <skipped message="other flow"/>
    </testcase>
    <testcase classname="freedom-id-sandbox.probes" name="d: a &lt;title&gt;">
      <system-out>Did: did &quot;this&quot;
Seen: refused. ok
Fix: fix &amp; go
Requests:
attacker: POST http://sandbox/login -&gt; 303 (Location: /next)</system-out>
    </testcase>
  </testsuite>
</testsuites>
`)
  t.equal(probeJunit({ passed: false, problem: 'no <start>', honest: [{ browser: 'fresh', method: 'GET', url: 'http://shop/me', status: 200 }], probes: [] }), `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="freedom-id-sandbox probes" tests="1" failures="1" errors="0" skipped="0">
  <testsuite name="relying-party probes" tests="1" failures="1" errors="0" skipped="0">
    <testcase classname="freedom-id-sandbox.probes" name="honest sign-in">
      <failure message="no &lt;start&gt;" type="setup">fresh: GET http://shop/me -&gt; 200</failure>
    </testcase>
  </testsuite>
</testsuites>
`)
})
