import { createServer } from 'node:net'
import t, { type Test } from 'tap'
import { buildMerchant } from '../../examples/merchant/app.js'
import { AIGERIM, DEMO_SHOP, startStack, type Stack } from './stack.js'

// The example merchant against a real listening sandbox, over plain HTTP (no browser): every
// branch of examples/merchant/app.ts, so its coverage does not depend on Chromium being there.

const postForm = (url: string, fields: Record<string, string>) => fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
  redirect: 'manual'
})

/** The merchant's /login, then the sandbox's sign-in form: the track id and its consent form. */
async function signInAtSandbox (t: Test, stack: Stack) {
  const login = await stack.merchant.inject({ method: 'GET', url: '/login' })
  t.equal(login.statusCode, 303)
  const link = new URL(login.headers.location as string)
  t.equal(link.origin, stack.sandbox.publicUrl)
  t.equal(link.pathname, '/login')
  const trackId = link.searchParams.get('track_id')!
  const signedIn = await postForm(`${stack.sandbox.url}/login/sign-in`, { track_id: trackId, login: AIGERIM.phone, password: AIGERIM.password })
  t.equal(signedIn.status, 303)
  return trackId
}

async function decide (stack: Stack, trackId: string, decision: 'allow' | 'deny') {
  const res = await postForm(`${stack.sandbox.url}/login/consent`, { track_id: trackId, decision })
  const callback = new URL(res.headers.get('location')!)
  return { origin: callback.origin, path: `${callback.pathname}${callback.search}` }
}

t.test('home page: the sign-in button', async (t) => {
  const { merchant } = await startStack(t)
  const res = await merchant.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.match(res.body, '<h1>Kitap shop (example merchant)</h1>')
  t.match(res.body, '<a href="/login" data-testid="sign-in-with-freedom-id"')
})

t.test('allow: the code becomes a session and the profile shows the granted fields', async (t) => {
  const stack = await startStack(t)
  const trackId = await signInAtSandbox(t, stack)
  const track = await (await fetch(`${stack.sandbox.url}/__sandbox/tracks/${trackId}`)).json()
  t.match(track, {
    client_id: DEMO_SHOP.clientId,
    redirect_uri: `${stack.merchantUrl}/callback`,
    grants: ['read.firstname', 'read.lastname', 'read.email', 'read.phone']
  })

  const callback = await decide(stack, trackId, 'allow')
  t.equal(callback.origin, stack.merchantUrl)
  t.match(callback.path, /^\/callback\?authorization_code=[^&]+$/)
  const res = await stack.merchant.inject({ method: 'GET', url: callback.path })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/profile')
  const cookie = res.headers['set-cookie'] as string
  t.match(cookie, /^kitap_session=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax$/)

  const profile = await stack.merchant.inject({ method: 'GET', url: '/profile', headers: { cookie: `other=1; ${cookie.split(';')[0]}` } })
  t.equal(profile.statusCode, 200)
  t.match(profile.body, `<h1 data-testid="profile-name">${AIGERIM.name}</h1>`)
  t.match(profile.body, `<dt>E-mail</dt><dd data-testid="profile-email">${AIGERIM.email}</dd>\n<dt>Phone</dt><dd data-testid="profile-phone">${AIGERIM.phone}</dd>`)

  const replayed = await stack.merchant.inject({ method: 'GET', url: callback.path })
  t.equal(replayed.statusCode, 502, 'a code works once')
  t.match(replayed.body, '<p data-testid="sign-in-error">Freedom ID answered: Invalid authorization_code.</p>')
  t.notOk(replayed.headers['set-cookie'])
})

t.test('deny: the cancelled page with the error_code', async (t) => {
  const stack = await startStack(t)
  const callback = await decide(stack, await signInAtSandbox(t, stack), 'deny')
  t.equal(callback.path, '/callback?error_code=100102')
  const res = await stack.merchant.inject({ method: 'GET', url: callback.path })
  t.equal(res.statusCode, 200)
  t.match(res.body, '<p data-testid="sign-in-error">Sign-in was cancelled (error_code 100102)</p>')
  t.notOk(res.headers['set-cookie'])
})

t.test('a callback without a code, and what it echoes, is escaped', async (t) => {
  const { merchant } = await startStack(t)
  const bare = await merchant.inject({ method: 'GET', url: '/callback' })
  t.equal(bare.statusCode, 400)
  t.match(bare.body, 'Sign-in was cancelled (no authorization_code)')
  const hostile = await merchant.inject({ method: 'GET', url: '/callback', query: { error_code: '<img src=x onerror=alert(1)>"\'&' } })
  t.match(hostile.body, 'Sign-in was cancelled (error_code &lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;)')
  t.notMatch(hostile.body, '<img')
})

t.test('no session: the profile sends the browser home', async (t) => {
  const { merchant } = await startStack(t)
  for (const headers of [{}, { cookie: 'kitap_session=not-a-session' }]) {
    const res = await merchant.inject({ method: 'GET', url: '/profile', headers })
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, '/')
  }
})

t.test('a wrong client secret: Freedom ID\'s own message, no redirect', async (t) => {
  const { sandbox } = await startStack(t)
  const merchant = buildMerchant({ sandboxUrl: sandbox.url, clientId: DEMO_SHOP.clientId, clientSecret: 'wrong', publicUrl: 'http://shop.test' })
  const res = await merchant.inject({ method: 'GET', url: '/login' })
  t.equal(res.statusCode, 502)
  t.match(res.body, '<p data-testid="sign-in-error">Freedom ID answered: Unauthenticated.</p>')
})

t.test('the sandbox is down: the page says where the merchant looked', async (t) => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const { port } = closed.address() as { port: number }
  await new Promise((resolve) => closed.close(resolve))
  const merchant = buildMerchant({ sandboxUrl: `http://127.0.0.1:${port}`, ...DEMO_SHOP, publicUrl: 'http://shop.test' })
  const res = await merchant.inject({ method: 'GET', url: '/login' })
  t.equal(res.statusCode, 502)
  t.match(res.body, `<p data-testid="sign-in-error">Could not reach Freedom ID at http://127.0.0.1:${port} (fetch failed).</p>`)
})
