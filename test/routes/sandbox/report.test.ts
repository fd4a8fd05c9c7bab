import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { RULES } from '../../../src/domain/report/rules/index.js'
import { startSandbox } from '../../../src/index.js'
import { AUTHORIZE, DEMO, DEMO_AUTH, authorizeBody, basic, bundledFixtures, testApp } from '../../helpers/app.js'
import { PASSWORD, approve, exchange, refresh, signIn, authorize, userData } from '../../helpers/flow.js'
import { report } from '../../helpers/report.js'

const HOSTILE = { client_id: '5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170', client_secret: 'h0st!le:s3cret/&x', name: 'Shop <b>&"\'</b>\u0007 ]]>' }
const hostileAuth = basic(HOSTILE.client_id, HOSTILE.client_secret)

/** Python's XML parser (strict, as CI reporters are): the suites, cases and failures it read. */
function parseXml (xml: string): { suites: Array<{ name: string, tests: string, failures: string, cases: number, failed: string[] }> } {
  const script = `import sys, json, xml.etree.ElementTree as E
root = E.fromstring(sys.stdin.buffer.read())
assert root.tag == 'testsuites'
print(json.dumps({'suites': [{'name': s.get('name'), 'tests': s.get('tests'), 'failures': s.get('failures'), 'cases': len(s.findall('testcase')), 'failed': [f.get('type') + ' ' + c.get('name').split(':')[0] for c in s.findall('testcase') for f in c.findall('failure')]} for s in root.findall('testsuite')]}))`
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: xml })
  if (run.status !== 0) throw new Error(`not well-formed XML: ${run.stderr}`)
  return JSON.parse(String(run.stdout))
}

t.test('an empty sandbox: every rule listed, no client, no finding', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'GET', url: '/__sandbox/report' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['x-sandbox-findings'], 'error=0, warning=0, notice=0')
  t.same(res.json(), {
    generated_at: '2030-01-01T00:00:00.000Z',
    journal: { enabled: true, entries: 0 },
    summary: { error: 0, warning: 0, notice: 0 },
    rules: RULES.map(({ id, severity, title }) => ({ id, severity, title })),
    clients: []
  })
  t.equal(new Set(RULES.map((r) => r.id)).size, RULES.length, 'rule ids are unique')
  for (const rule of RULES) t.match(rule.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${rule.id}: a stable kebab-case id`)
})

t.test('the docs list every rule with its severity and title, in order', async (t) => {
  const page = await readFile(new URL('../../../docs/testing-your-integration.md', import.meta.url), 'utf8')
  const rows = [...page.matchAll(/^\| `([a-z0-9-]+)` \| (\w+) \| (.+) \|$/gm)].map((m) => [m[1], m[2], m[3]])
  t.same(rows, RULES.map((r) => [r.id, r.severity, r.title]))
})

t.test('JOURNAL=off: the report says there is nothing to go on', async (t) => {
  const { app } = await testApp(t, { journal: 'off' })
  await approve(app)
  t.same((await report(app)).journal, { enabled: false, entries: 0 })
  t.match((await app.inject({ method: 'GET', url: '/__sandbox/report?format=html' })).body, 'The journal is off (JOURNAL=off)')
})

t.test('bad query: the provider envelope; SANDBOX_TOKEN guards it like every control route', async (t) => {
  const { app } = await testApp(t, { sandboxToken: 'tok' })
  const bad = await app.inject({ method: 'GET', url: '/__sandbox/report?format=xml', headers: { authorization: 'Bearer tok' } })
  t.equal(bad.statusCode, 422)
  t.same(Object.keys(bad.json().error.errors), ['format'])
  const refused = await app.inject({ method: 'GET', url: '/__sandbox/report' })
  t.equal(refused.statusCode, 401)
  t.equal(refused.json().error.message, 'Unauthenticated: the control API needs "Authorization: Bearer <SANDBOX_TOKEN>".')
})

/** A client whose name needs escaping, with findings of several rules, its secrets all over the journal. */
async function messy (t: Parameters<typeof testApp>[0]) {
  const fixtures = await bundledFixtures()
  const { app } = await testApp(t, {}, { ...fixtures, clients: [...fixtures.clients, HOSTILE] })
  const { trackId } = await authorize(app, authorizeBody, hostileAuth)
  await signIn(app, { track_id: trackId, login: '+77015550101', password: PASSWORD })
  const code = new URL((await app.inject({ method: 'POST', url: '/login/consent', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `track_id=${trackId}&decision=allow` })).headers.location as string).searchParams.get('authorization_code')!
  const pair = (await exchange(app, code, hostileAuth)).json()
  await exchange(app, code, hostileAuth)
  await refresh(app, pair.refresh_token)
  await refresh(app, pair.refresh_token)
  await userData(app, pair.refresh_token)
  await app.inject({ method: 'PATCH', url: '/api/v1/oauth/token', payload: { refresh_token: pair.refresh_token } })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: `Beareer ${pair.access_token}` } })
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: basic(encodeURIComponent(HOSTILE.client_id), encodeURIComponent(HOSTILE.client_secret)) }, payload: authorizeBody })
  const demo = await approve(app)
  await exchange(app, demo.code)
  return { app, secrets: [code, pair.access_token, pair.refresh_token, HOSTILE.client_secret, hostileAuth.slice(6), PASSWORD, DEMO_AUTH.slice(6), demo.code] }
}

t.test('JSON: findings per client with their evidence; no secret anywhere in any format', async (t) => {
  const { app, secrets } = await messy(t)
  const body = await report(app)
  t.same(body.clients.map((c) => [c.client_id, c.name, c.findings.map((f) => `${f.severity} ${f.rule}`)]), [
    [HOSTILE.client_id, HOSTILE.name, ['error code-reused', 'error refresh-token-rotated', 'error user-data-with-refresh-token', 'error refresh-token-in-body', 'error basic-percent-encoded', 'error beareer-scheme', 'warning grants-unused']],
    [DEMO.id, 'Demo Shop', ['warning grants-unused']]
  ])
  t.same(body.summary, { error: 6, warning: 2, notice: 0 })
  t.same(body.journal, { enabled: true, entries: 15, oldest: '2030-01-01T00:00:00.000Z', newest: '2030-01-01T00:00:00.000Z' })
  for (const format of ['json', 'junit', 'html']) {
    const res = await app.inject({ method: 'GET', url: `/__sandbox/report?format=${format}` })
    t.equal(res.headers['x-sandbox-findings'], 'error=6, warning=2, notice=0', format)
    for (const secret of secrets) t.notOk(res.body.includes(secret), `${format}: no ${secret.slice(0, 6)}…`)
  }
})

t.test('JUnit: well-formed XML, one testsuite per client, one testcase per rule, a failure per finding', async (t) => {
  const { app } = await messy(t)
  const res = await app.inject({ method: 'GET', url: '/__sandbox/report?format=junit' })
  t.equal(res.headers['content-type'], 'application/xml; charset=utf-8')
  t.match(res.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="freedom-id-sandbox integration report" tests="50" failures="8" errors="0">\n/)
  t.same(parseXml(res.body), {
    suites: [
      { name: `${HOSTILE.name.replace('\u0007', '\uFFFD')} (${HOSTILE.client_id})`, tests: '25', failures: '7', cases: 25, failed: ['error code-reused', 'error refresh-token-rotated', 'error user-data-with-refresh-token', 'error refresh-token-in-body', 'error basic-percent-encoded', 'error beareer-scheme', 'warning grants-unused'] },
      { name: `Demo Shop (${DEMO.id})`, tests: '25', failures: '1', cases: 25, failed: ['warning grants-unused'] }
    ]
  })
})

t.test('HTML: escaped, under a CSP that lets exactly its own stylesheet in', async (t) => {
  const { app } = await messy(t)
  const res = await app.inject({ method: 'GET', url: '/__sandbox/report?format=html' })
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.notOk(res.body.includes('<b>'), 'the client name is not markup')
  t.match(res.body, '<h2>Shop &lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;\u0007 ]]&gt; <span class="mono">')
  const style = /<style>([^<]*)<\/style>/.exec(res.body)![1]!
  t.equal(res.headers['content-security-policy'], `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`)
  t.equal(res.body.match(/data-testid="finding"/g)?.length, 8)
  t.match(res.body, '6 error(s), 2 warning(s), 0 notice(s) over 15 journal entries (2030-01-01T00:00:00.000Z to 2030-01-01T00:00:00.000Z)')
})

t.test('bounded: a full journal of findings costs one bounded answer', async (t) => {
  const { app } = await testApp(t)
  const { code } = await approve(app)
  const { access_token: token } = (await exchange(app, code)).json()
  for (let i = 0; i < 1000; i++) await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: `Beareer ${token}` } })
  const res = await app.inject({ method: 'GET', url: '/__sandbox/report' })
  const body = res.json()
  const kept = body.journal.entries
  t.ok(kept > 950 && kept <= 1000, `the journal is full (${kept}: the memory store drops its oldest 1% at once)`)
  t.same(body.summary, { error: kept, warning: 0, notice: 0 }, 'every finding counted (the sign-in itself has left the journal)')
  t.equal(body.clients[0].findings.filter((f: { rule: string }) => f.rule === 'beareer-scheme').length, 50, 'at most 50 shown per rule and client')
  t.equal(body.clients[0].omitted, kept - 50)
  t.ok(res.body.length < 100_000, `${res.body.length} bytes`)
  t.ok((await app.inject({ method: 'GET', url: '/__sandbox/report?format=html' })).body.length < 150_000)
})

t.test('the handle: report() as data, JUnit or HTML text, expect passed on', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent', clock: '2030-01-01T00:00:00Z' })
  t.teardown(() => sandbox.close())
  t.same((await sandbox.report()).clients, [])
  await fetch(`${sandbox.url}${AUTHORIZE}`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(authorizeBody) })
  const expected = await sandbox.report({ expect: ['firstname'] })
  t.same(expected.clients[0]?.findings.map((f) => f.seen.summary), ['1 sign-in(s) did not ask for the grants of expected fields: firstname (read.firstname)'])
  t.match(await sandbox.report({ format: 'junit' }), /^<\?xml /)
  t.match(await sandbox.report({ format: 'html', expect: ['firstname'] }), /^<!doctype html>[^]*did not ask for the grants of expected fields/)
  await t.rejects(sandbox.report({ expect: ['nope'] }), { name: 'SandboxControlError', status: 422 })
})
