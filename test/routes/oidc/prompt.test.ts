import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { CLOCK_START_S, DEMO, KITAP, testApp } from '../../helpers/app.js'
import { AIGERIM, DANIYAR, PASSWORD } from '../../helpers/flow.js'
import { startRedis, uniquePrefix } from '../../helpers/redis.js'
import { CALLBACK, NONCE, STATE, codeGrant, oidcToken, openidUrl, verifyIdToken, type Params } from '../../helpers/oidc.js'

/**
 * A browser's Freedom ID sign-in, and what OIDC asks of it: auth_time in every id_token,
 * prompt=none answering without a page (or login_required / consent_required), max_age,
 * login_hint, prompt=login. The browser here is app.inject carrying the cookie it was given.
 */

const SESSION = /^fid_session=([A-Za-z0-9]{128}); Path=\/; HttpOnly; SameSite=Lax$/
const KITAP_REQUEST = { client_id: KITAP.id, redirect_uri: 'http://localhost:3000/callback', scope: 'openid read.email' }

type App = FastifyInstance

const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })
const advance = (app: App, seconds: number) => app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: seconds } })

/** A browser: it keeps the sign-in cookie between requests, as a real one would. */
function browser (app: App) {
  let cookie: string | undefined
  const send = async (request: { method: 'GET' | 'POST', url: string, headers?: Record<string, string>, payload?: string }) => {
    const res = await app.inject({ ...request, headers: { ...request.headers, ...(cookie === undefined ? {} : { cookie }) } })
    const set = res.headers['set-cookie']
    if (typeof set === 'string') cookie = set.split(';')[0]
    return res
  }
  return {
    get cookie () { return cookie },
    set cookie (value) { cookie = value },
    openid: (changes: Params = {}) => send({ method: 'GET', url: openidUrl(changes) }),
    get: (url: string) => send({ method: 'GET', url }),
    signIn: (fields: Record<string, string>) => send({ method: 'POST', url: '/login/sign-in', ...form(fields) }),
    consent: (trackId: string, decision: string) => send({ method: 'POST', url: '/login/consent', ...form({ track_id: trackId, decision }) }),
    /** The whole interactive login: /openid, sign in as a persona, allow. */
    async login (changes: Params = {}, persona = AIGERIM) {
      const start = await this.openid(changes)
      t.equal(start.statusCode, 303)
      const trackId = new URL(start.headers.location as string, 'http://x').searchParams.get('track_id')!
      await this.signIn({ track_id: trackId, persona })
      return callbackOf(await this.consent(trackId, 'allow'))
    }
  }
}

const callbackOf = (res: LightMyRequestResponse) => {
  if (res.statusCode !== 303) throw new Error(`answered ${res.statusCode}: ${res.body}`)
  return new URL(res.headers.location as string, 'http://sandbox.test')
}

const idTokenOf = async (app: App, code: string, redirectUri = CALLBACK) => {
  const res = await oidcToken(app, { body: codeGrant(code, { redirect_uri: redirectUri }) })
  return (await verifyIdToken(app, res.json().id_token)).payload
}

t.test('auth_time is when the user signed in, not when they allowed or exchanged', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  const start = await b.openid()
  const trackId = new URL(start.headers.location as string, 'http://x').searchParams.get('track_id')!
  await b.signIn({ track_id: trackId, persona: AIGERIM })
  await advance(app, 40)
  const { searchParams } = callbackOf(await b.consent(trackId, 'allow'))
  await advance(app, 20)
  const claims = await idTokenOf(app, searchParams.get('code')!)
  t.equal(claims.auth_time, CLOCK_START_S)
  t.equal(claims.iat, CLOCK_START_S + 60)
  t.match(await app.sandbox.tracks.find(trackId), { oidc: { auth_time: CLOCK_START_S } }, 'the track shows it (GET /__sandbox/tracks/:id)')

  const headless = new URL((await app.inject({ method: 'GET', url: openidUrl() })).headers.location as string, 'http://x').searchParams.get('track_id')!
  const approved = await app.inject({ method: 'POST', url: `/__sandbox/tracks/${headless}/approve`, payload: { user: AIGERIM } })
  t.equal((await idTokenOf(app, new URL(approved.json().redirect_uri).searchParams.get('code')!)).auth_time, CLOCK_START_S + 60, 'a headless approve signs in now')
})

t.test('signing in on the login page starts a sign-in: an HttpOnly, SameSite=Lax cookie', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  const trackId = new URL((await b.openid()).headers.location as string, 'http://x').searchParams.get('track_id')!
  const failed = await b.signIn({ track_id: trackId, login: '+77015550101', password: 'wrong' })
  t.equal(failed.headers['set-cookie'], undefined, 'a failed sign-in starts nothing')
  const res = await b.signIn({ track_id: trackId, login: '+77015550101', password: PASSWORD })
  t.equal(res.statusCode, 303)
  t.match(res.headers['set-cookie'], SESSION)
  const oauth2 = await app.inject({ method: 'POST', url: '/api/v1/oauth/authorize', headers: { authorization: `Basic ${Buffer.from(`${DEMO.id}:demo-shop-secret`).toString('base64')}` }, payload: { redirect_uri: 'https://shop.example/cb', grants: ['read.email'] } })
  const oauth2Track = new URL(oauth2.json().redirect_uri).searchParams.get('track_id')!
  t.match((await b.signIn({ track_id: oauth2Track, persona: DANIYAR })).headers['set-cookie'], SESSION, 'the OAuth2 flow signs in on the same page')
})

t.test('prompt=none: login_required back to the redirect_uri with the state when nobody is signed in', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  const cases: Array<[string, string | undefined]> = [['no cookie', undefined], ['an unknown sign-in', `fid_session=${'a'.repeat(128)}`], ['a cookie of the wrong shape', 'fid_session=short']]
  for (const [name, cookie] of cases) {
    b.cookie = cookie
    const res = await b.openid({ prompt: 'none' })
    t.equal(res.statusCode, 303, name)
    t.equal(res.headers.location, `${CALLBACK}?error=login_required&error_description=Nobody+is+signed+in+to+Freedom+ID+in+this+browser+%28prompt%3Dnone%29.&state=${STATE}`, name)
  }
  t.equal(await app.sandbox.store.collection('tracks').size(), 0, 'no track was made')
})

t.test('prompt=none after a sign-in and a consent: a code without any page, for the same user and sign-in time', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  const first = await b.login()
  const firstClaims = await idTokenOf(app, first.searchParams.get('code')!)
  await advance(app, 600)

  const silent = await b.openid({ prompt: 'none', nonce: 'silent-nonce', state: 'silent-state' })
  t.equal(silent.statusCode, 303)
  const callback = callbackOf(silent)
  t.equal(`${callback.origin}${callback.pathname}`, CALLBACK, 'straight back to the merchant')
  t.same([...callback.searchParams.keys()], ['code', 'state'])
  t.equal(callback.searchParams.get('state'), 'silent-state')
  const claims = await idTokenOf(app, callback.searchParams.get('code')!)
  t.match(claims, { sub: AIGERIM, aud: DEMO.id, nonce: 'silent-nonce', auth_time: firstClaims.auth_time, iat: CLOCK_START_S + 600 })

  const fewer = callbackOf(await b.openid({ prompt: 'none', scope: 'openid read.email' }))
  t.ok(fewer.searchParams.get('code'), 'fewer grants than were allowed')
  const more = await b.openid({ prompt: 'none', scope: 'openid read.email read.firstname read.phone' })
  t.equal(more.headers.location, `${CALLBACK}?error=consent_required&error_description=The+user+has+not+allowed+Demo+Shop%3A+read.phone.&state=${STATE}`)
  const kitap = await b.openid({ ...KITAP_REQUEST, prompt: 'none' })
  t.equal(kitap.headers.location, `http://localhost:3000/callback?error=consent_required&error_description=The+user+has+not+allowed+Kitap+Books+%28restricted%29%3A+openid%2C+read.email.&state=${STATE}`,
    'consent is per client')
  await b.login(KITAP_REQUEST)
  t.ok(callbackOf(await b.openid({ ...KITAP_REQUEST, prompt: 'none' })).searchParams.get('code'), 'until it is given')
})

t.test('prompt=none: a denial is not a consent', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  const trackId = new URL((await b.openid()).headers.location as string, 'http://x').searchParams.get('track_id')!
  await b.signIn({ track_id: trackId, persona: AIGERIM })
  t.match(callbackOf(await b.consent(trackId, 'deny')).searchParams.get('error'), 'access_denied')
  t.match((await b.openid({ prompt: 'none' })).headers.location, /error=consent_required/)
})

t.test('prompt=none with max_age: a sign-in older than max_age is login_required', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  await b.login()
  await advance(app, 120)
  t.match((await b.openid({ prompt: 'none', max_age: '119' })).headers.location, /\?error=login_required&error_description=The\+sign-in\+is\+older\+than\+max_age\+%28119\+s%29\.&state=/)
  t.match((await b.openid({ prompt: 'none', max_age: '120' })).headers.location, /\?code=[A-Za-z0-9]{64}&state=/, 'exactly max_age old is not older')
  t.match((await b.openid({ prompt: 'none', max_age: '0' })).headers.location, /error=login_required/, 'max_age=0: only a sign-in this second')
})

t.test('prompt=none with login_hint: only for the user signed in', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  await b.login()
  for (const hint of [AIGERIM, '+77015550101', 'aigerim.sarsenbayeva@example.com']) {
    t.match((await b.openid({ prompt: 'none', login_hint: hint })).headers.location, /\?code=/, hint)
  }
  for (const hint of [DANIYAR, 'nobody@example.com']) {
    t.match((await b.openid({ prompt: 'none', login_hint: hint })).headers.location,
      /\?error=login_required&error_description=The\+login_hint\+names\+someone\+other\+than\+the\+user\+signed\+in\.&state=/, hint)
  }
})

t.test('a sign-in ends with the user\'s Freedom ID session, after 24 hours, or when another user signs in', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  await b.login()
  t.equal((await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })).statusCode, 200)
  t.match((await b.openid({ prompt: 'none' })).headers.location, /error=login_required/, 'logout')

  await b.login()
  t.match((await b.openid({ prompt: 'none' })).headers.location, /\?code=/, 'a new sign-in after the logout works')
  await b.login({}, DANIYAR)
  const daniyar = callbackOf(await b.openid({ prompt: 'none' }))
  t.equal((await idTokenOf(app, daniyar.searchParams.get('code')!)).sub, DANIYAR, 'the latest sign-in counts')
  await advance(app, 24 * 3600 - 1)
  t.match((await b.openid({ prompt: 'none' })).headers.location, /\?code=/, 'a second before 24 hours')
  await advance(app, 1)
  t.match((await b.openid({ prompt: 'none' })).headers.location, /error=login_required/, '24 hours')
})

t.test('prompt=login, consent, select_account, max_age: the pages, even for a browser signed in', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  await b.login()
  for (const changes of [{}, { prompt: 'login' }, { prompt: 'consent' }, { prompt: 'select_account' }, { prompt: 'login consent' }, { max_age: '0' }, { max_age: '3600' }]) {
    const res = await b.openid(changes)
    t.equal(res.statusCode, 303, JSON.stringify(changes))
    t.match(res.headers.location, /^\/login\?track_id=/, JSON.stringify(changes))
  }
})

t.test('prompt, max_age and login_hint are checked like every other parameter', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[Params, string]> = [
    [{ prompt: 'none login' }, 'prompt=none cannot be combined with other values.'],
    [{ prompt: 'silent' }, 'Unsupported prompt value: silent (supported: none, login, consent, select_account).'],
    [{ prompt: ['none', 'none'] }, 'The prompt parameter is repeated.'],
    [{ max_age: '-1' }, 'max_age must be a whole number of seconds.'],
    [{ max_age: '1.5' }, 'max_age must be a whole number of seconds.'],
    [{ max_age: '12345678901' }, 'max_age must be a whole number of seconds.'],
    [{ max_age: ['1', '2'] }, 'The max_age parameter is repeated.'],
    [{ login_hint: 'x'.repeat(255) }, 'login_hint is longer than 254 characters.']
  ]
  for (const [changes, description] of cases) {
    const res = await app.inject({ method: 'GET', url: openidUrl(changes) })
    t.equal(res.statusCode, 303)
    t.same(Object.fromEntries(new URL(res.headers.location as string).searchParams), { error: 'invalid_request', error_description: description, state: STATE }, JSON.stringify(changes).slice(0, 40))
  }
  t.match((await app.inject({ method: 'GET', url: openidUrl({ login_hint: 'x'.repeat(254) }) })).headers.location, /^\/login\?/, '254 characters are fine')
})

t.test('login_hint prefills the login field, escaped; what the user types wins', async (t) => {
  const { app } = await testApp(t)
  const b = browser(app)
  const start = await b.openid({ login_hint: '+77015550101' })
  const page = await b.get(start.headers.location as string)
  t.match(page.body, '<input type="text" id="login" name="login" data-testid="login" autocomplete="username" value="+77015550101" required>')
  const evil = await b.get((await b.openid({ login_hint: '"><script>alert(1)</script>' })).headers.location as string)
  t.notMatch(evil.body, /<script/i)
  t.match(evil.body, 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
  const trackId = new URL(start.headers.location as string, 'http://x').searchParams.get('track_id')!
  t.match((await app.sandbox.tracks.find(trackId))?.oidc, { state: STATE, nonce: NONCE, login_hint: '+77015550101' })
  const retry = await b.signIn({ track_id: trackId, login: 'typed@example.com', password: 'nope' })
  t.match(retry.body, 'value="typed@example.com"')
  t.notMatch(retry.body, 'value="+77015550101"')
})

t.test('on Redis, a sign-in made on one replica lets another answer prompt=none; a logout on a third ends it', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const shared = { store: redis.url, storePrefix: uniquePrefix('sign-in') }
  const [a, b, c] = await Promise.all([testApp(t, shared), testApp(t, shared), testApp(t, shared)])
  const onA = browser(a!.app)
  await onA.login()
  const onB = browser(b!.app)
  onB.cookie = onA.cookie
  const silent = callbackOf(await onB.openid({ prompt: 'none' }))
  t.equal((await idTokenOf(b!.app, silent.searchParams.get('code')!)).auth_time, CLOCK_START_S, 'B reuses the sign-in A made')
  await c!.app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  t.match((await onB.openid({ prompt: 'none' })).headers.location, /error=login_required/, 'C ended it for every replica')
})
