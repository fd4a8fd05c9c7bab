import t from 'tap'
import { LoginError } from '../../../src/domain/login.js'
import { KITAP_AUTH, testApp } from '../../helpers/app.js'
import { AIGERIM, ASEL_DENIES, DANIYAR, MARAT_LOCKED, PASSWORD, authorize, consent, openLogin, signIn } from '../../helpers/flow.js'

const trackOf = (app: Awaited<ReturnType<typeof testApp>>['app'], id: string) => app.sandbox.tracks.find(id)
const testId = (html: string, id: string) => new RegExp(`data-testid="${id}"`).test(html)

t.test('the sign-in page: banner, client, grants, form, personas, and its headers', async (t) => {
  const { app } = await testApp(t)
  const { trackId, path } = await authorize(app, { redirect_uri: 'https://shop.example/cb', grants: ['read.email', 'read.phones', 'openid'] })
  const res = await openLogin(app, path)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['content-security-policy'],
    "default-src 'none';style-src 'self';img-src 'self';form-action 'self' https://shop.example;frame-ancestors 'none';base-uri 'none'")
  t.equal(res.headers['x-frame-options'], 'DENY')
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['strict-transport-security'], undefined, 'no HSTS: sandboxes run on plain http')
  for (const id of ['sandbox-banner', 'client-name', 'grant-list', 'login', 'password', 'sign-in', `persona-${AIGERIM}`, `persona-${MARAT_LOCKED}`]) {
    t.ok(testId(res.body, id), id)
  }
  t.notOk(testId(res.body, 'error'))
  t.match(res.body, '<span data-testid="client-name">Demo Shop</span>')
  t.match(res.body, '<li data-testid="grant-read.email">Your primary e-mail address <code>read.email</code></li>')
  t.match(res.body, '<li data-testid="grant-read.phones">Your other phone numbers <code>read.phones</code></li>')
  t.match(res.body, '<li data-testid="grant-openid">Sign you in with OpenID Connect <code>openid</code></li>')
  t.notMatch(res.body, 'grant-read.cards')
  t.match(res.body, `<input type="hidden" name="track_id" value="${trackId}">`)
  t.match(res.body, /<span class="tag locked">locked account<\/span>/)
  t.notMatch(res.body, /<script/i)
  t.equal((await trackOf(app, trackId))?.state, 'opened')
})

t.test('the stylesheet and the icon', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'GET', url: '/login/assets/sandbox.css' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/css; charset=utf-8')
  t.match(res.body, '.banner')
  const icon = await app.inject({ method: 'GET', url: '/login/assets/favicon.svg' })
  t.equal(icon.statusCode, 200)
  t.equal(icon.headers['content-type'], 'image/svg+xml')
  t.match(icon.body, /^<svg /)
})

t.test('typed sign-in by phone (any common spelling) or e-mail, then consent, then the merchant', async (t) => {
  const { app } = await testApp(t)
  for (const login of ['+77015550101', '+7 (701) 555-01-01', '87015550101', ' AIGERIM.Sarsenbayeva@example.com ']) {
    const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/cb?order=7', grants: ['read.firstname'] })
    const res = await signIn(app, { track_id: trackId, login, password: PASSWORD })
    t.equal(res.statusCode, 303, login)
    t.equal(res.headers.location, `/login/consent?track_id=${trackId}`)
    const track = await trackOf(app, trackId)
    t.match(track, { state: 'signed_in', user_id: AIGERIM })

    const page = await app.inject({ method: 'GET', url: res.headers.location as string })
    t.equal(page.statusCode, 200)
    t.match(page.body, '<strong data-testid="signed-in-as">Aigerim Sarsenbayeva</strong> (+77015550101)')
    for (const id of ['allow', 'deny', 'grant-list', 'client-name', 'sandbox-banner', 'switch-account']) t.ok(testId(page.body, id), id)
    t.match(page.headers['content-security-policy'], "form-action 'self' https://shop.example;")

    const allowed = await consent(app, trackId, 'allow')
    t.equal(allowed.statusCode, 303)
    const location = new URL(allowed.headers.location as string)
    t.equal(`${location.origin}${location.pathname}`, 'https://shop.example/cb')
    t.equal(location.searchParams.get('order'), '7', 'the existing query is kept')
    t.match(location.searchParams.get('authorization_code'), /^[A-Za-z0-9]{64}$/)
    t.equal((await trackOf(app, trackId))?.state, 'code_issued')
  }
})

t.test('deny: back to the merchant with error_code=100102', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/cb?x=1', grants: ['openid'] })
  await signIn(app, { track_id: trackId, persona: DANIYAR })
  const res = await consent(app, trackId, 'deny')
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, 'https://shop.example/cb?x=1&error_code=100102')
  t.equal((await trackOf(app, trackId))?.state, 'denied')
})

t.test('a persona that always denies lands on the deny redirect at once', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  const res = await signIn(app, { track_id: trackId, persona: ASEL_DENIES })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, 'https://shop.example/callback?error_code=100102')
  t.match(await trackOf(app, trackId), { state: 'denied', user_id: ASEL_DENIES })
})

t.test('failed sign-ins stay on the page with the error and a way to try again', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['wrong password', { login: '+77015550101', password: 'nope' }, 401, 'Wrong phone number, e-mail or password.'],
    ['unknown login', { login: 'nobody@example.com', password: PASSWORD }, 401, 'Wrong phone number, e-mail or password.'],
    ['empty fields', { login: ' ', password: '' }, 422, 'Enter your phone number or e-mail and your password.'],
    ['locked persona', { persona: MARAT_LOCKED }, 403, 'This Freedom ID account is locked. Choose another account.'],
    ['locked by password', { login: 'marat.abenov@example.com', password: PASSWORD }, 403, 'This Freedom ID account is locked. Choose another account.'],
    ['unknown persona', { persona: 'someone' }, 404, 'There is no such test persona.']
  ]
  for (const [name, fields, status, message] of cases) {
    const res = await signIn(app, { track_id: trackId, ...fields })
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    t.match(res.body, `<p class="error" data-testid="error" role="alert">${message}</p>`, name)
    t.ok(testId(res.body, 'sign-in') && testId(res.body, `persona-${AIGERIM}`), `${name}: the form is there to try again`)
  }
  t.match((await signIn(app, { track_id: trackId, login: 'typed@example.com', password: 'x' })).body, 'value="typed@example.com"', 'what was typed stays')
  t.equal((await trackOf(app, trackId))?.state, 'issued', 'no failure moved the track')
  const ok = await signIn(app, { track_id: trackId, persona: AIGERIM })
  t.equal(ok.statusCode, 303, 'and the next try works')
})

t.test('unknown, expired and used links: an error page with a 4xx, never a redirect', async (t) => {
  const { app } = await testApp(t, { trackTtl: 60 })
  const check = async (name: string, res: Awaited<ReturnType<typeof openLogin>>, status: number, title: string, message: string) => {
    t.equal(res.statusCode, status, name)
    t.equal(res.headers.location, undefined, `${name}: no redirect`)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    t.match(res.body, `<h1>${title}</h1>`, name)
    t.match(res.body, `data-testid="error" role="alert">${message}</p>`, name)
    t.match(res.headers['content-security-policy'], "form-action 'none'")
  }
  await check('no track_id', await openLogin(app, '/login'), 404, 'Unknown login link', 'This login link is not valid. Go back to the shop and start again.')
  await check('consent without a track_id', await openLogin(app, '/login/consent'), 404, 'Unknown login link', 'This login link is not valid. Go back to the shop and start again.')
  await check('unknown track_id', await openLogin(app, '/login?track_id=11111111-1111-4111-8111-111111111111&expire_at=1'), 404,
    'Unknown login link', 'This login link is not valid. Go back to the shop and start again.')

  const expired = await authorize(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  const expiredMessage = 'This login link has expired. Go back to the shop and start again.'
  await check('expired link', await openLogin(app, expired.path), 410, 'Login link expired', expiredMessage)
  await check('sign-in on an expired link', await signIn(app, { track_id: expired.trackId, persona: AIGERIM }), 410, 'Login link expired', expiredMessage)
  await check('consent page of an expired link', await app.inject({ method: 'GET', url: `/login/consent?track_id=${expired.trackId}` }), 410, 'Login link expired', expiredMessage)

  const used = await authorize(app)
  await signIn(app, { track_id: used.trackId, persona: AIGERIM })
  await consent(app, used.trackId, 'allow')
  const usedMessage = 'This login link has already been used. Go back to the shop and start again.'
  await check('used link', await openLogin(app, used.path), 409, 'Login link already used', usedMessage)
  await check('consent again', await consent(app, used.trackId, 'allow'), 409, 'Login link already used', usedMessage)
  await check('sign in again', await signIn(app, { track_id: used.trackId, persona: AIGERIM }), 409, 'Login link already used', usedMessage)

  const denied = await authorize(app)
  await signIn(app, { track_id: denied.trackId, persona: ASEL_DENIES })
  await check('denied link', await openLogin(app, denied.path), 409, 'Login link already used', usedMessage)
})

t.test('opening the page again keeps the progress; signing in again switches the user', async (t) => {
  const { app } = await testApp(t)
  const { trackId, path } = await authorize(app)
  await openLogin(app, path)
  t.equal((await openLogin(app, path)).statusCode, 200)
  t.equal((await trackOf(app, trackId))?.state, 'opened')
  await signIn(app, { track_id: trackId, persona: AIGERIM })
  t.equal((await openLogin(app, path)).statusCode, 200, 'the sign-in page again, through "Not you?"')
  t.match(await trackOf(app, trackId), { state: 'signed_in', user_id: AIGERIM })
  await signIn(app, { track_id: trackId, persona: DANIYAR })
  t.match(await trackOf(app, trackId), { state: 'signed_in', user_id: DANIYAR })
  t.match((await app.inject({ method: 'GET', url: `/login/consent?track_id=${trackId}` })).body, 'Daniyar Bekov')
})

t.test('consent before signing in', async (t) => {
  const { app } = await testApp(t)
  const { trackId, path } = await authorize(app)
  const page = await app.inject({ method: 'GET', url: `/login/consent?track_id=${trackId}` })
  t.equal(page.statusCode, 303, 'the consent page sends you to sign in first')
  t.equal(page.headers.location, path)
  const post = await consent(app, trackId, 'allow')
  t.equal(post.statusCode, 409)
  t.match(post.body, 'Sign in before you allow or deny access.')
  t.ok(testId(post.body, 'sign-in'))
  t.equal((await trackOf(app, trackId))?.state, 'issued')
})

t.test('broken forms get an error page, not a stack trace', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  for (const [url, payload] of [['/login/sign-in', 'login=x'], ['/login/consent', `track_id=${trackId}&decision=maybe`], ['/login/consent', `track_id=${trackId}&track_id=x&decision=allow`]]) {
    const res = await app.inject({ method: 'POST', url: url!, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: payload! })
    t.equal(res.statusCode, 400, `${url} ${payload}`)
    t.match(res.body, '<h1>Incomplete form</h1>')
  }
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'issued')
})

t.test('bodies the server cannot read get an HTML error page with their 4xx', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  const cases: Array<[string, string | undefined, string, number]> = [
    ['/login/consent', undefined, ' ', 415],
    ['/login/sign-in', 'application/json', 'nul', 400],
    ['/login/sign-in', 'application/json', `{"track_id":"${trackId}","x":${'['.repeat(70)}${']'.repeat(70)}}`, 400],
    ['/login/sign-in', 'application/x-www-form-urlencoded', `track_id=${trackId}&login=${'x'.repeat(70 * 1024)}`, 413]
  ]
  for (const [url, type, payload, status] of cases) {
    const res = await app.inject({ method: 'POST', url, headers: type === undefined ? {} : { 'content-type': type }, payload })
    t.equal(res.statusCode, status, `${url} ${status}`)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    t.match(res.body, '<h1>Cannot read the form</h1>')
  }
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'issued')
})

t.test('a link that expires while signing in shows the expired page', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  app.sandbox.login.signIn = async () => { throw new LoginError('expired') }
  const res = await signIn(app, { track_id: trackId, persona: AIGERIM })
  t.equal(res.statusCode, 410)
  t.match(res.body, '<h1>Login link expired</h1>')
})

t.test('an unexpected failure renders a generic page and logs the detail', async (t) => {
  const { app, logs } = await testApp(t)
  const { path } = await authorize(app)
  app.sandbox.login.open = async () => { throw new Error('disk on fire') }
  const res = await openLogin(app, path)
  t.equal(res.statusCode, 500)
  t.match(res.body, '<h1>Something went wrong</h1>')
  t.notMatch(res.body, 'disk on fire')
  t.match(logs.find((l) => l.msg === 'login page failed'), { err: { message: 'disk on fire' } })
})

t.test('attacker-controlled text is escaped everywhere it is rendered', async (t) => {
  const evil = '<script>alert(1)</script>"\'&`'
  const fixtures = await (await import('../../helpers/app.js')).bundledFixtures()
  const { app } = await testApp(t, {}, {
    clients: [{ ...fixtures.clients[0]!, name: evil }],
    users: fixtures.users.map((u) => u.id === AIGERIM ? { ...u, firstname: evil } : u)
  })
  const { trackId, path } = await authorize(app, { redirect_uri: 'https://shop.example/cb?q="><script>alert(2)</script>', grants: ['openid'] })
  const page = await openLogin(app, `${path}&x="><script>alert(3)</script>`)
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, /<script/i)
  t.match(page.body, '<span data-testid="client-name">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#96;</span>')
  t.match(page.body, '<span class="who">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#96; Sarsenbayeva</span>')
  const typed = await signIn(app, { track_id: trackId, login: evil, password: 'x' })
  t.notMatch(typed.body, /<script/i)
  t.match(typed.body, 'value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#96;"')
  const unknown = await openLogin(app, `/login?track_id=${encodeURIComponent(evil)}`)
  t.notMatch(unknown.body, /<script/i)
  await signIn(app, { track_id: trackId, persona: AIGERIM })
  const consentPage = await app.inject({ method: 'GET', url: `/login/consent?track_id=${trackId}` })
  t.notMatch(consentPage.body, /<script/i)
  const allowed = await consent(app, trackId, 'allow')
  const location = new URL(allowed.headers.location as string)
  t.equal(location.origin, 'https://shop.example', 'the only redirect is to the stored redirect_uri')
  t.equal(location.searchParams.get('q'), '"><script>alert(2)</script>')
})

t.test('the restricted client\'s name and its registered redirect', async (t) => {
  const { app } = await testApp(t)
  const { trackId, path } = await authorize(app, { redirect_uri: 'http://localhost:3000/callback', grants: ['read.email'] }, KITAP_AUTH)
  t.match((await openLogin(app, path)).body, 'Kitap Books (restricted)')
  await signIn(app, { track_id: trackId, persona: AIGERIM })
  t.match((await consent(app, trackId, 'allow')).headers.location, /^http:\/\/localhost:3000\/callback\?authorization_code=/)
})
