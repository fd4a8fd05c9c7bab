import t from 'tap'
import { StoreUnavailableError } from '../../../src/domain/store.js'
import { DEMO_GRANTS } from '../../../src/routes/home/demo.js'
import { run } from '../../docs/harness.js'
import { startSandbox } from '../../../src/index.js'
import { DEMO, KITAP, KITAP_AUTH, basic, bundledFixtures, testApp } from '../../helpers/app.js'
import { AIGERIM, DANIYAR, authorize, exchange } from '../../helpers/flow.js'

// The start page and its built-in demo merchant, through app.inject (the browser walk is test/e2e/home.test.ts).

const PUBLIC = 'http://sandbox.test'
const CALLBACK = `${PUBLIC}/demo/callback`
const REVOKE_CLIENT = 'c4d1f2a3-8e7b-4c6d-9a5f-3b2e1d0c9f48'

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none';style-src 'self';img-src 'self';form-action 'self' ${PUBLIC};frame-ancestors 'none';base-uri 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff'
}

/** The text of an element with this data-testid (its markup as sent, entities and all). */
const testId = (body: string, id: string) => new RegExp(`data-testid="${id}"[^>]*>([^]*?)</`).exec(body)?.[1]

/** What the browser shows of escaped text. */
const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

const form = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' }

/** The try button: a 303 to the login page of a fresh Demo Shop track. */
async function startDemo (app: Awaited<ReturnType<typeof testApp>>['app']) {
  const res = await app.inject({ method: 'POST', url: '/demo/sign-in', ...form })
  const link = new URL(res.headers.location as string)
  return { res, link, trackId: link.searchParams.get('track_id')! }
}

t.test('GET /: what this is, every client and persona, every surface, the try button; the login pages\' headers', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.has(res.headers, PAGE_HEADERS)
  t.notMatch(res.body, /<script/i)
  t.match(res.body, '<h1>An offline stand-in for Freedom ID</h1>')
  t.equal(testId(res.body, 'public-url'), PUBLIC)
  t.match(res.body, '<form method="post" action="/demo/sign-in"><button type="submit" class="primary" data-testid="try-sign-in">Try a sign-in</button></form>')
  t.match(res.body, 'as the client <strong>Demo Shop</strong>')

  t.equal(testId(res.body, `client-${DEMO.id}`), '<td>Demo Shop')
  t.match(res.body, `<tr data-testid="client-${DEMO.id}"><td>Demo Shop</td><td><code>${DEMO.id}</code></td><td><code>demo-shop-secret</code></td><td>any http(s) redirect_uri; any grant</td></tr>`)
  t.match(res.body, `<tr data-testid="client-${KITAP.id}"><td>Kitap Books (restricted)</td><td><code>${KITAP.id}</code></td><td><code>kitap-secret</code></td>` +
    '<td>redirect_uri one of <code>http://localhost:3000/callback</code>, <code>https://merchant.example/freedom-id/callback</code>; ' +
    'grants <code>read.email</code>, <code>read.phone</code>, <code>read.firstname</code>, <code>read.lastname</code>, <code>read.profile</code>, <code>openid</code></td></tr>')
  t.match(res.body, `<tr data-testid="client-${REVOKE_CLIENT}"><td>Demo Shop (revoke_uri)</td><td><code>${REVOKE_CLIENT}</code></td><td><code>demo-shop-revoke-secret</code></td>` +
    '<td>any http(s) redirect_uri; any grant; revoke_uri <code>/demo/revoke</code></td></tr>')

  const { users } = await bundledFixtures()
  for (const user of users) t.match(res.body, `<tr data-testid="persona-${user.id}"><td>${user.firstname} ${user.lastname}</td><td><code>${user.phone}</code></td>`, user.firstname)
  t.match(res.body, `<tr data-testid="persona-${DANIYAR}"><td>Daniyar Bekov</td><td><code>+77025550202</code></td><td><span class="muted">none</span></td><td><code>Sandbox123!</code></td><td>signs in and allows</td></tr>`)
  t.match(res.body, '<td>always denies consent: the merchant gets error_code=100102</td>')
  t.match(res.body, '<td>locked: signing in fails with &quot;This Freedom ID account is locked.&quot;</td>')
  t.match(res.body, '<td>signs in normally; a KYC profile request (read.profile) ends failed</td>')

  for (const path of ['/openapi.json', '/.well-known/openid-configuration', '/.well-known/jwks.json', '/health', '/ready', '/__sandbox/requests', '/__sandbox/clock']) {
    t.match(res.body, `<li><a href="${path}">${path}</a>: `, path)
    t.not((await app.inject({ method: 'GET', url: path })).statusCode, 404, `${path} is there`)
  }
  t.match(res.body, 'The control API (/__sandbox) is open: no SANDBOX_TOKEN is set.')
})

t.test('a persona changed through provisioning shows as it is now; the control token is mentioned, never shown', async (t) => {
  const { app } = await testApp(t, { sandboxToken: 'secret-control-token' })
  const current = await app.sandbox.users.get(AIGERIM)
  await app.sandbox.users.update(AIGERIM, { phone: '+77019990000' })
  const res = await app.inject({ method: 'GET', url: '/' })
  t.match(res.body, `<tr data-testid="persona-${AIGERIM}"><td>Aigerim Sarsenbayeva</td><td><code>+77019990000</code></td>`)
  t.notMatch(res.body, current!.phone)
  t.match(res.body, 'The control API (/__sandbox) needs &quot;Authorization: Bearer &lt;SANDBOX_TOKEN&gt;&quot; here.')
  t.notMatch(res.body, 'secret-control-token')
})

t.test('every fixture value is escaped; without a client for the callback there is nothing to try', async (t) => {
  const { users } = await bundledFixtures()
  const hostile = '<img src=x onerror=alert(1)>"\'&'
  const { app } = await testApp(t, {}, {
    clients: [{ client_id: KITAP.id, client_secret: hostile, name: hostile, redirect_uris: ['https://merchant.example/cb'] }],
    users: [{ ...users[0]!, firstname: hostile, password: hostile }]
  })
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, '<img')
  t.match(res.body, '&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;')
  t.match(res.body, 'data-testid="no-demo-client"')
  t.notMatch(res.body, 'data-testid="try-sign-in"')
  for (const request of [{ method: 'POST' as const, url: '/demo/sign-in', ...form }, { method: 'GET' as const, url: '/demo/callback?authorization_code=x' }]) {
    const none = await app.inject(request)
    t.equal(none.statusCode, 404)
    t.equal(testId(none.body, 'error'), 'These fixtures have no client that accepts the built-in callback.')
  }
})

t.test('the try button starts a real Demo Shop sign-in, journaled as a merchant\'s call', async (t) => {
  const { app } = await testApp(t)
  const { res, link, trackId } = await startDemo(app)
  t.equal(res.statusCode, 303)
  t.equal(`${link.origin}${link.pathname}`, `${PUBLIC}/login`)
  t.has(await app.sandbox.tracks.find(trackId), { client_id: DEMO.id, redirect_uri: CALLBACK, grants: DEMO_GRANTS, state: 'issued' })
  const [entry] = (await app.inject({ method: 'GET', url: '/__sandbox/requests?path=/api/v1/oauth/authorize' })).json()
  t.has(entry, { method: 'POST', status: 200, client_id: DEMO.id, request: { headers: { authorization: 'Basic [redacted]' }, body: { redirect_uri: CALLBACK } } })
})

t.test('the callback exchanges the code and shows the code, the token pair, the user data and the curl', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await startDemo(app)
  const approved = await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: DANIYAR } })
  const callback = new URL(approved.json().redirect_uri)
  t.equal(`${callback.origin}${callback.pathname}`, CALLBACK)
  const code = callback.searchParams.get('authorization_code')!

  const res = await app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` })
  t.equal(res.statusCode, 200)
  t.has(res.headers, PAGE_HEADERS)
  t.notMatch(res.body, /<script/i)
  t.match(res.body, '<h1>Signed in to Demo Shop</h1>')
  t.equal(testId(res.body, 'code'), code)
  const tokens = JSON.parse(unescape(testId(res.body, 'tokens')!))
  t.same(Object.keys(tokens), ['id', 'access_token', 'refresh_token', 'access_expire_at', 'refresh_expire_at'])
  const user = JSON.parse(unescape(testId(res.body, 'user')!))
  t.same(user, (await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: `Bearer ${tokens.access_token}` } })).json())
  t.has(user, { id: DANIYAR, firstname: 'Daniyar', email: null, patronymic: null, cards: [], phones: [] })
  t.match(unescape(testId(res.body, 'curl')!), `S='${PUBLIC}'\nCLIENT='${DEMO.id}:${DEMO.secret}'\n`)
  t.match(unescape(testId(res.body, 'curl')!), `-d '{"user":"${DANIYAR}"}'`)
  t.has(await app.sandbox.tracks.find(trackId), { state: 'exchanged' })

  const reload = await app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` })
  t.equal(reload.statusCode, 400)
  t.equal(testId(reload.body, 'error'), 'POST /api/v1/oauth/token answered HTTP 400: Invalid authorization_code.')
})

t.test('a denial, no parameters, a repeated or hostile parameter: a page that says so, escaped', async (t) => {
  const { app } = await testApp(t)
  const denied = await app.inject({ method: 'GET', url: '/demo/callback?error_code=<b>100102</b>' })
  t.equal(denied.statusCode, 200)
  t.equal(testId(denied.body, 'error'), 'The sign-in was cancelled: error_code &lt;b&gt;100102&lt;/b&gt; (the user denied access).')
  t.match(denied.body, 'data-testid="try-sign-in">Try again</button>')
  const bare = await app.inject({ method: 'GET', url: '/demo/callback' })
  t.equal(bare.statusCode, 400)
  t.equal(testId(bare.body, 'error'), 'The callback came without an authorization_code.')
  const repeated = await app.inject({ method: 'GET', url: '/demo/callback?authorization_code=a&authorization_code=b' })
  t.equal(repeated.statusCode, 400)
  t.equal(testId(repeated.body, 'error'), 'The request arrived in a shape this page cannot read.')
  t.has(repeated.headers, PAGE_HEADERS)
  const broken = await app.inject({ method: 'POST', url: '/demo/sign-in', headers: { 'content-type': 'application/json' }, payload: '{' })
  t.equal(broken.statusCode, 400)
  t.equal(testId(broken.body, 'error'), 'The request arrived in a shape this page cannot read.')
})

t.test('codes the demo did not start are never spent by it', async (t) => {
  const { app } = await testApp(t)
  // Demo Shop's code for another redirect_uri: refused unused, still good for that merchant.
  const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/cb', grants: ['read.email'] })
  const elsewhere = new URL((await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: AIGERIM } })).json().redirect_uri)
  const code = elsewhere.searchParams.get('authorization_code')!
  const refused = await app.inject({ method: 'GET', url: `/demo/callback?authorization_code=${code}` })
  t.equal(refused.statusCode, 400)
  t.equal(testId(refused.body, 'error'), 'This authorization_code was issued for another redirect_uri; it is left unused for it.')
  t.equal((await exchange(app, code)).statusCode, 200)

  // Another client's code: the token endpoint refuses it for Demo Shop, and it stays good for its own client.
  const kitap = await authorize(app, { redirect_uri: 'http://localhost:3000/callback', grants: ['read.email'] }, KITAP_AUTH)
  const kitapCode = new URL((await app.inject({ method: 'POST', url: `/__sandbox/tracks/${kitap.trackId}/approve`, payload: { user: AIGERIM } })).json().redirect_uri).searchParams.get('authorization_code')!
  const foreign = await app.inject({ method: 'GET', url: `/demo/callback?authorization_code=${kitapCode}` })
  t.equal(foreign.statusCode, 400)
  t.equal(testId(foreign.body, 'error'), 'POST /api/v1/oauth/token answered HTTP 400: Invalid authorization_code.')
  t.equal((await exchange(app, kitapCode, KITAP_AUTH)).statusCode, 200)
})

t.test('queued faults reach the demo as they reach any merchant', async (t) => {
  const { app } = await testApp(t)
  const fault = (route: string, body?: unknown) => app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route, status: 503, body } })
  await fault('POST /api/v1/oauth/authorize')
  const noLink = await app.inject({ method: 'POST', url: '/demo/sign-in', ...form })
  t.equal(noLink.statusCode, 502)
  t.equal(testId(noLink.body, 'error'), 'POST /api/v1/oauth/authorize answered HTTP 503: Not ready.')

  const approveDemo = async () => {
    const { trackId } = await startDemo(app)
    return new URL((await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: AIGERIM } })).json().redirect_uri)
  }
  const first = await approveDemo()
  await fault('POST /api/v1/oauth/token', 'a body that is no envelope')
  const noTokens = await app.inject({ method: 'GET', url: `${first.pathname}${first.search}` })
  t.equal(noTokens.statusCode, 502)
  t.equal(testId(noTokens.body, 'error'), 'POST /api/v1/oauth/token answered HTTP 503.')
  const second = await approveDemo()
  await fault('GET /api/v1/oauth/user')
  const noUser = await app.inject({ method: 'GET', url: `${second.pathname}${second.search}` })
  t.equal(noUser.statusCode, 502)
  t.equal(testId(noUser.body, 'error'), 'GET /api/v1/oauth/user answered HTTP 503: Not ready.')
})

t.test('the store failing: 503 in words; anything unexpected: 500, detail in the log only', async (t) => {
  const { app, logs } = await testApp(t)
  const get = app.sandbox.users.get
  app.sandbox.users.get = async () => { throw new StoreUnavailableError('Redis at redis://127.0.0.1:1/0 failed: Connection is closed.') }
  const down = await app.inject({ method: 'GET', url: '/' })
  t.equal(down.statusCode, 503)
  t.equal(testId(down.body, 'error'), 'The sandbox cannot reach its store (Redis) just now. Try again in a moment.')
  t.has(down.headers, PAGE_HEADERS)
  app.sandbox.users.get = async () => { throw new TypeError('a bug: secret detail') }
  const bug = await app.inject({ method: 'GET', url: '/' })
  t.equal(bug.statusCode, 500)
  t.equal(testId(bug.body, 'error'), 'The sandbox could not show this page. Its log says why.')
  t.notMatch(bug.body, 'secret detail')
  t.ok(logs.some((line) => line.msg === 'start page failed' && (line.err as { message: string }).message === 'a bug: secret detail'))
  app.sandbox.users.get = get
})

t.test('the revoke_uri receiver takes Freedom ID\'s call; a bad one gets the envelope', async (t) => {
  const { app } = await testApp(t)
  const ok = await app.inject({ method: 'POST', url: '/demo/revoke', payload: { id: '01a2b3c4-0000-7000-8000-000000000000' } })
  t.equal(ok.statusCode, 204)
  t.equal(ok.body, '')
  const bad = await app.inject({ method: 'POST', url: '/demo/revoke', payload: {} })
  t.equal(bad.statusCode, 422)
  t.same(bad.json(), { error: { message: 'Error validating transmitted data.', errors: { id: ['The Id field is required.'] } } })
})

t.test('a bundled client has revoke_uri /demo/revoke: a logout delivers to this sandbox, whatever it listens on', async (t) => {
  for (const host of ['127.0.0.1', '0.0.0.0', '::1', '::']) {
    const sandbox = await startSandbox({ host, logLevel: 'silent' })
    t.teardown(() => sandbox.close())
    const authorization = basic(REVOKE_CLIENT, 'demo-shop-revoke-secret')
    const { trackId } = await authorize(sandbox, { redirect_uri: 'https://shop.example/cb', grants: ['read.email'] }, authorization)
    const { redirect_uri: redirect } = await sandbox.approve(trackId, { user: AIGERIM })
    const pair = (await exchange(sandbox, new URL(redirect).searchParams.get('authorization_code')!, authorization)).json()
    const { deliveries } = await sandbox.logout(AIGERIM)
    const self = `http://${host === '::1' || host === '::' ? '[::1]' : '127.0.0.1'}:${sandbox.port}/demo/revoke`
    t.has(deliveries, [{ target: self, body: { id: pair.id }, client_id: REVOKE_CLIENT, outcome: 'pending' }], host)
    await sandbox.context.deliveries.settled()
    t.has(await sandbox.deliveries(), [{ target: self, outcome: 'delivered', attempts: [{ status: 204 }] }], host)
  }
})

t.test('the curl the callback page prints does the same headlessly, as printed (with the control token when one is set)', async (t) => {
  for (const sandboxToken of [undefined, 'qa-token']) {
    const sandbox = await startSandbox({ logLevel: 'silent', ...(sandboxToken === undefined ? {} : { sandboxToken }) })
    t.teardown(() => sandbox.close())
    const started = await fetch(`${sandbox.url}/demo/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
    const trackId = new URL(started.headers.get('location')!).searchParams.get('track_id')!
    const callback = new URL((await sandbox.approve(trackId, { user: AIGERIM })).redirect_uri)
    const page = await (await fetch(`${sandbox.url}${callback.pathname}${callback.search}`)).text()
    const script = unescape(testId(page, 'curl')!)
    t.equal(script.includes('$SANDBOX_TOKEN'), sandboxToken !== undefined)
    const result = await run('bash', ['-c', `set -euo pipefail\n${script}`], { timeoutMs: 30_000, env: sandboxToken === undefined ? {} : { SANDBOX_TOKEN: sandboxToken } })
    t.equal(result.code, 0, result.output)
    const [tokens, user] = result.output.trim().split('\n').map((line) => JSON.parse(line))
    t.same(Object.keys(tokens), ['id', 'access_token', 'refresh_token', 'access_expire_at', 'refresh_expire_at'])
    t.has(user, { id: AIGERIM, firstname: 'Aigerim', email: 'aigerim.sarsenbayeva@example.com', cards: [{ brand: 'VISA' }, { brand: 'MASTERCARD' }] })
  }
})
