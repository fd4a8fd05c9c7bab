import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { DEFAULT_GRANTS, SESSION_COOKIE, SIGN_IN_COOKIE, buildMerchant } from '../../examples/merchant/app.js'
import { freedomIdClient } from '../../examples/merchant/freedom-id.js'
import { OIDC_COOKIE } from '../../examples/merchant/oidc.js'
import { AIGERIM, DANIYAR, DEMO_SHOP, startStack, type Stack } from './stack.js'

// The example merchant against a real listening sandbox over plain HTTP (no browser): every branch
// of examples/merchant, so its coverage does not depend on Chromium being there. Above all, it
// tells whose failure it was: Freedom ID's answer, the network, or a bug of its own.

const postForm = (url: string, fields: Record<string, string>) => fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
  redirect: 'manual'
})

const errorText = (body: string) => /<p data-testid="sign-in-error">([^<]*)<\/p>/.exec(body)?.[1]

/**
 * The merchant's /login, then a headless approve as `user`: the path of the callback the browser
 * would load, and the sign-in's cookie it would send there.
 */
async function approvedCallback (t: Test, stack: Stack, user: string) {
  const login = await stack.merchant.inject({ method: 'GET', url: '/login' })
  t.equal(login.statusCode, 303)
  const trackId = new URL(login.headers.location as string).searchParams.get('track_id')!
  const callback = new URL((await stack.sandbox.approve(trackId, { user })).redirect_uri)
  return { trackId, path: `${callback.pathname}${callback.search}`, cookie: (login.headers['set-cookie'] as string).split(';')[0]! }
}

/** Through the callback to a session cookie. */
async function signedIn (t: Test, stack: Stack, user: string) {
  const { path, cookie } = await approvedCallback(t, stack, user)
  const res = await stack.merchant.inject({ method: 'GET', url: path, headers: { cookie } })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/profile')
  return (res.headers['set-cookie'] as string[])[0]!.split(';')[0]!
}

/** A stand-in Freedom ID that answers every call with `answer`, for the answers the sandbox never gives. */
async function stub (t: Test, answer: (res: ServerResponse, req: IncomingMessage) => void) {
  const server = createServer((req, res) => answer(res, req))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('home page: the sign-in button, or the way to the profile once signed in', async (t) => {
  const stack = await startStack(t)
  const home = await stack.merchant.inject({ method: 'GET', url: '/' })
  t.equal(home.statusCode, 200)
  t.equal(home.headers['content-type'], 'text/html; charset=utf-8')
  t.match(home.body, '<h1>Demo Shop (example merchant)</h1>')
  t.match(home.body, '<title>Home · Demo Shop</title>')
  t.match(home.body, '<a href="/login" data-testid="sign-in-with-freedom-id"')
  const cookie = await signedIn(t, stack, AIGERIM.id)
  const again = await stack.merchant.inject({ method: 'GET', url: '/', headers: { cookie } })
  t.match(again.body, '<a href="/profile" data-testid="to-profile">Your profile</a>')
  t.notMatch(again.body, 'sign-in-with-freedom-id')
})

t.test('allow: the track asks for every field and read.profile; the code becomes a session; the profile shows the fields', async (t) => {
  const stack = await startStack(t)
  const { trackId, path, cookie: signInCookie } = await approvedCallback(t, stack, AIGERIM.id)
  const nonce = signInCookie.slice(`${SIGN_IN_COOKIE}=`.length)
  t.match(nonce, /^[A-Za-z0-9_-]{43}$/, 'the sign-in\'s own nonce, in a cookie')
  t.has(await stack.sandbox.track(trackId), { client_id: DEMO_SHOP.clientId, redirect_uri: `${stack.merchantUrl}/callback?sign_in=${nonce}`, grants: DEFAULT_GRANTS })
  t.match(path, new RegExp(`^/callback\\?sign_in=${nonce}&authorization_code=[A-Za-z0-9]+$`))
  const res = await stack.merchant.inject({ method: 'GET', url: path, headers: { cookie: signInCookie } })
  const [session, cleared] = res.headers['set-cookie'] as string[]
  t.match(session, new RegExp(`^${SESSION_COOKIE}=[0-9a-f-]{36}; Path=/; HttpOnly; SameSite=Lax$`))
  t.equal(cleared, `${SIGN_IN_COOKIE}=; Path=/callback; HttpOnly; SameSite=Lax; Max-Age=0`, 'the sign-in is over')
  const cookie = `other=1; ${session!.split(';')[0]}`
  const profile = await stack.merchant.inject({ method: 'GET', url: '/profile', headers: { cookie } })
  t.equal(profile.statusCode, 200)
  t.match(profile.body, `<h1 data-testid="profile-name">${AIGERIM.name}</h1>`)
  t.match(profile.body, `<dt>E-mail</dt><dd data-testid="profile-email">${AIGERIM.email}</dd>`)
  t.match(profile.body, '<dt>Cards</dt><dd data-testid="profile-cards">VISA 440043******0101 (09/29), MASTERCARD 540012******0102 (03/28)</dd>')
  t.match(profile.body, '<button type="submit" data-testid="kyc-start"')

  const replayed = await stack.merchant.inject({ method: 'GET', url: path, headers: { cookie: signInCookie } })
  t.equal(replayed.statusCode, 502, 'a code works once')
  t.equal(errorText(replayed.body), 'Freedom ID answered: Invalid authorization_code. (HTTP 400, code 100101)')
  t.notOk(replayed.headers['set-cookie'])
})

t.test('Daniyar: null fields read "not given", empty lists "none", and nothing fails', async (t) => {
  const stack = await startStack(t)
  const profile = await stack.merchant.inject({ method: 'GET', url: '/profile', headers: { cookie: await signedIn(t, stack, DANIYAR.id) } })
  t.equal(profile.statusCode, 200)
  t.match(profile.body, '<dt>E-mail</dt><dd data-testid="profile-email"><em>not given</em></dd>')
  t.match(profile.body, '<dt>Patronymic</dt><dd data-testid="profile-patronymic"><em>not given</em></dd>')
  for (const list of ['phones', 'emails', 'cards']) t.match(profile.body, `<dd data-testid="profile-${list}"><em>none</em></dd>`, list)
})

t.test('a provisioned user without names, and a shop that asks for less: only what came is shown', async (t) => {
  const stack = await startStack(t, {}, { grants: ['read.phone', 'read.profile'] })
  const { trackId, path } = await approvedCallback(t, stack, AIGERIM.id)
  t.has(await stack.sandbox.track(trackId), { grants: ['read.phone', 'read.profile'] })
  // Any live access token may provision a user (the sandbox's rule).
  const token = await fetch(`${stack.sandbox.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${DEMO_SHOP.clientId}:${DEMO_SHOP.clientSecret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ authorization_code: new URLSearchParams(path.split('?')[1]).get('authorization_code') })
  }).then(async (res) => (await res.json() as { access_token: string }).access_token)
  const created = await fetch(`${stack.sandbox.url}/api/v1/oauth/user`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ phone: '+77015550999' })
  }).then(async (res) => (await res.json() as { freedom_id: string }).freedom_id)

  const profile = await stack.merchant.inject({ method: 'GET', url: '/profile', headers: { cookie: await signedIn(t, stack, created) } })
  t.match(profile.body, '<h1 data-testid="profile-name">A Freedom ID user</h1>')
  t.match(profile.body, '<dt>Phone</dt><dd data-testid="profile-phone">+77015550999</dd>')
  t.notMatch(profile.body, 'profile-email', 'not asked for: no row at all')
})

t.test('KYC: accepted, then the outcome by the sandbox clock; rejected without read.profile; expired; any other word', async (t) => {
  const stack = await startStack(t)
  const cookie = await signedIn(t, stack, AIGERIM.id)
  const profile = async () => (await stack.merchant.inject({ method: 'GET', url: '/profile', headers: { cookie } })).body
  const started = await stack.merchant.inject({ method: 'POST', url: '/kyc', headers: { cookie } })
  t.equal(started.statusCode, 303)
  t.equal(started.headers.location, '/profile')
  t.match(await profile(), '<p data-testid="kyc-status" data-status="accepted">Freedom ID is checking your profile (PROCESS: profile is pending)</p>\n<p><a href="/profile" data-testid="kyc-refresh">Check again</a></p>')
  await stack.advanceClock(30)
  t.match(await profile(), 'data-status="completed">Verified by Freedom ID (SUCCESS: profile is ready)</p>')
  await stack.advanceClock(3601)
  t.match(await profile(), 'data-status="not_found">The request has expired (NOT_FOUND: no such request)</p>')
  await stack.sandbox.addFault({ route: 'GET /api/v1/oauth/get-profile/status', status: 200, body: { request_id: 'x', status: '<odd>' } })
  t.match(await profile(), 'data-status="&lt;odd&gt;">Freedom ID says: &lt;odd&gt;</p>')

  const shy = await startStack(t, {}, { grants: ['read.firstname'] })
  const shyCookie = await signedIn(t, shy, AIGERIM.id)
  await shy.merchant.inject({ method: 'POST', url: '/kyc', headers: { cookie: shyCookie } })
  const rejected = await shy.merchant.inject({ method: 'GET', url: '/profile', headers: { cookie: shyCookie } })
  t.match(rejected.body, 'data-status="rejected">Freedom ID refused the request (REJECTED: the read.profile grant was not given)</p>')
})

t.test('sign-out ends the session; no session: the profile and KYC send the browser home', async (t) => {
  const stack = await startStack(t)
  const cookie = await signedIn(t, stack, AIGERIM.id)
  const out = await stack.merchant.inject({ method: 'POST', url: '/logout', headers: { cookie } })
  t.equal(out.statusCode, 303)
  t.equal(out.headers['set-cookie'], `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`)
  for (const headers of [{}, { cookie }, { cookie: `${SESSION_COOKIE}=not-a-session` }]) {
    for (const method of ['GET', 'POST'] as const) {
      const res = await stack.merchant.inject({ method, url: method === 'GET' ? '/profile' : '/kyc', headers })
      t.equal(res.statusCode, 303)
      t.equal(res.headers.location, '/')
    }
  }
  t.equal((await stack.merchant.inject({ method: 'POST', url: '/logout' })).statusCode, 303, 'signing out twice is fine')
})

t.test('deny, a bare callback, and what it echoes, escaped', async (t) => {
  const { merchant } = await startStack(t)
  const denied = await merchant.inject({ method: 'GET', url: '/callback?error_code=100102' })
  t.equal(denied.statusCode, 200)
  t.equal(errorText(denied.body), 'Sign-in was cancelled (error_code 100102)')
  t.notOk(denied.headers['set-cookie'])
  const bare = await merchant.inject({ method: 'GET', url: '/callback' })
  t.equal(bare.statusCode, 400)
  t.equal(errorText(bare.body), 'Sign-in was cancelled (no authorization_code)')
  const hostile = await merchant.inject({ method: 'GET', url: '/callback', query: { error_code: '<img src=x onerror=alert(1)>"\'&' } })
  t.equal(errorText(hostile.body), 'Sign-in was cancelled (error_code &lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;)')
  t.notMatch(hostile.body, '<img')
})

t.test('Freedom ID\'s envelope: what it answered, with the status and code, whatever the HTTP status', async (t) => {
  for (const errorStatus of ['http', '200'] as const) {
    const { sandbox } = await startStack(t, { errorStatus })
    const merchant = buildMerchant({ sandboxUrl: sandbox.url, clientId: DEMO_SHOP.clientId, clientSecret: 'wrong', publicUrl: 'http://shop.test' })
    const res = await merchant.inject({ method: 'GET', url: '/login' })
    t.equal(res.statusCode, 502)
    t.equal(errorText(res.body), `Freedom ID answered: Unauthenticated. (HTTP ${errorStatus === 'http' ? 401 : 200}, code 100401)`)
  }
  const noCode = await stub(t, (res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"Down for a moment."}}'))
  const res = await buildMerchant({ sandboxUrl: noCode, ...DEMO_SHOP, publicUrl: 'http://shop.test' }).inject({ method: 'GET', url: '/login' })
  t.equal(errorText(res.body), 'Freedom ID answered: Down for a moment. (HTTP 503)')
})

t.test('the network: a closed port and a server that never answers say "could not reach"', async (t) => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const { port } = closed.address() as AddressInfo
  await new Promise((resolve) => closed.close(resolve))
  const merchant = buildMerchant({ sandboxUrl: `http://127.0.0.1:${port}`, ...DEMO_SHOP, publicUrl: 'http://shop.test' })
  const res = await merchant.inject({ method: 'GET', url: '/login' })
  t.equal(res.statusCode, 502)
  t.equal(errorText(res.body), `Could not reach Freedom ID at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}).`)

  const misconfigured = await buildMerchant({ sandboxUrl: 'not a url', ...DEMO_SHOP, publicUrl: 'http://shop.test' }).inject({ method: 'GET', url: '/login' })
  t.equal(errorText(misconfigured.body), 'Could not reach Freedom ID at not a url (Invalid URL).')

  const silent = await stub(t, () => {})
  const client = freedomIdClient({ url: silent, ...DEMO_SHOP, timeoutMs: 100 })
  await t.rejects(client.authorize('http://shop.test/callback', ['read.email']), { name: 'FreedomIdUnreachable', message: `Could not reach Freedom ID at ${silent} (no answer within 100 ms).` })
})

t.test('answers that are neither the envelope nor what was asked: Freedom ID answered something unexpected', async (t) => {
  const cases: Array<[string, (res: ServerResponse) => void, string]> = [
    ['a proxy\'s HTML page', (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'), 'HTTP 502 and a body that is not JSON (text/html)'],
    ['no content type at all', (res) => res.writeHead(200).end('ok'), 'HTTP 200 and a body that is not JSON (no content type)'],
    ['JSON without the field', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"link":"x"}'), 'HTTP 200 and no redirect_uri'],
    ['a JSON string', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('"x"'), 'HTTP 200 and no redirect_uri'],
    ['null', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('null'), 'HTTP 200 and no redirect_uri'],
    ['an error status with other JSON', (res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"redirect_uri":"x"}'), 'HTTP 500 and no redirect_uri']
  ]
  for (const [name, answer, what] of cases) {
    const url = await stub(t, answer)
    const res = await buildMerchant({ sandboxUrl: url, ...DEMO_SHOP, publicUrl: 'http://shop.test' }).inject({ method: 'GET', url: '/login' })
    t.equal(res.statusCode, 502, name)
    t.equal(errorText(res.body), `Freedom ID answered /api/v1/oauth/authorize with ${what}.`, name)
  }
})

t.test('the shop\'s own failures: a bug is a 500 that says so, a request it cannot read a 400', async (t) => {
  const { sandbox } = await startStack(t)
  const bugs: Error[] = []
  const merchant = buildMerchant({ sandboxUrl: sandbox.url, ...DEMO_SHOP, onBug: (error) => bugs.push(error) })
  merchant.get('/broken', async () => { throw new TypeError('Cannot read properties of null (reading \'replace\')') })
  const res = await merchant.inject({ method: 'GET', url: '/broken' })
  t.equal(res.statusCode, 500)
  t.equal(errorText(res.body), 'A bug in the example merchant, not in Freedom ID: Cannot read properties of null (reading &#39;replace&#39;)')
  t.same(bugs.map((error) => error.message), ['Cannot read properties of null (reading \'replace\')'])

  const unreadable = await merchant.inject({ method: 'POST', url: '/kyc', headers: { 'content-type': 'application/json' }, payload: '{' })
  t.equal(unreadable.statusCode, 400)
  t.equal(errorText(unreadable.body), 'The shop could not read that request.')

  // The default: printed for the developer.
  const printed: unknown[][] = []
  const error = console.error
  console.error = (...args: unknown[]) => { printed.push(args) }
  t.teardown(() => { console.error = error })
  const plain = buildMerchant({ sandboxUrl: sandbox.url, ...DEMO_SHOP })
  plain.get('/broken', async () => { throw new Error('boom') })
  t.equal((await plain.inject({ method: 'GET', url: '/broken' })).statusCode, 500)
  console.error = error
  t.match(printed, [['example merchant:', { message: 'boom' }]])
})

t.test('the form bodies the shop posts (KYC, sign-out) are read as forms', async (t) => {
  const stack = await startStack(t)
  const cookie = await signedIn(t, stack, AIGERIM.id)
  const res = await postForm(`${stack.merchantUrl}/kyc`, {}).then(async () => fetch(`${stack.merchantUrl}/kyc`, {
    method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual'
  }))
  t.equal(res.status, 303)
  t.equal(res.headers.get('location'), '/profile')
})

t.test('OIDC: a callback this browser did not start, one without a code; discovery that failed is looked up again; an OAuth error without a description', async (t) => {
  const stack = await startStack(t)
  const stray = await stack.merchant.inject({ method: 'GET', url: '/oidc/callback?code=x&state=y' })
  t.equal(stray.statusCode, 403)
  t.equal(errorText(stray.body), 'This sign-in was not started in this browser. Start again from the shop.')
  t.equal(stray.headers['set-cookie'], `${OIDC_COOKIE}=; Path=/oidc; HttpOnly; SameSite=Lax; Max-Age=0`)
  const start = await stack.merchant.inject({ method: 'GET', url: '/oidc/login' })
  t.equal(start.statusCode, 303)
  const state = new URL(start.headers.location as string).searchParams.get('state')!
  const cookie = (start.headers['set-cookie'] as string).split(';')[0]!
  const noCode = await stack.merchant.inject({ method: 'GET', url: `/oidc/callback?${new URLSearchParams({ state })}`, headers: { cookie } })
  t.equal(noCode.statusCode, 400)
  t.equal(errorText(noCode.body), 'Sign-in was cancelled (no code)')
  const again = await stack.merchant.inject({ method: 'GET', url: `/oidc/callback?${new URLSearchParams({ state, code: 'x' })}`, headers: { cookie } })
  t.equal(again.statusCode, 403, 'one callback per sign-in')

  let calls = 0
  const flaky = await stub(t, (res) => {
    calls++
    if (calls === 1) res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"Starting up."}}')
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: 'http://op.test', authorization_endpoint: 'http://op.test/openid', token_endpoint: 'http://op.test/token', jwks_uri: 'http://op.test/jwks' }))
  })
  const merchant = buildMerchant({ sandboxUrl: flaky, ...DEMO_SHOP, publicUrl: 'http://shop.test' })
  const first = await merchant.inject({ method: 'GET', url: '/oidc/login' })
  t.equal(first.statusCode, 502)
  t.equal(errorText(first.body), 'Freedom ID answered: Starting up. (HTTP 503)')
  const second = await merchant.inject({ method: 'GET', url: '/oidc/login' })
  t.equal(second.statusCode, 303)
  t.match(second.headers.location, /^http:\/\/op\.test\/openid\?response_type=code&client_id=/)
  t.equal(calls, 2)

  const bare = await stub(t, (res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}'))
  await t.rejects(freedomIdClient({ url: bare, ...DEMO_SHOP }).oidcToken(`${bare}/token`, { code: 'x', redirectUri: 'http://shop.test/cb', codeVerifier: 'v' }), { name: 'FreedomIdError', message: 'invalid_grant', status: 400 })
})
