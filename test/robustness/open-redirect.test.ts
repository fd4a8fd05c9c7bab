import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { AUTHORIZE, DEMO, DEMO_AUTH, KITAP, KITAP_AUTH, testApp } from '../helpers/app.js'
import { AIGERIM, ASEL_DENIES, consent, signIn } from '../helpers/flow.js'
import { CALLBACK, openid } from '../helpers/oidc.js'
import { unsafeLocation } from '../helpers/redirects.js'

const EVIL = 'evil.example'
/** Redirect targets an attacker would try: other hosts, scheme tricks, parser confusion, header injection. */
const HOSTILE = [
  'https://evil.example/steal',
  '//evil.example/steal',
  '/\\evil.example',
  '\\\\evil.example',
  '/login/../evil',
  'javascript:alert(document.domain)',
  'JaVaScRiPt:alert(1)//https://shop.example/',
  'data:text/html,<script>alert(1)</script>',
  'https://shop.example/cb%0d%0aLocation:%20https://evil.example',
  'https://shop.example/cb\r\nLocation: https://evil.example',
  'http://localhost:3000/callback@evil.example',
  'http://localhost:3000@evil.example/callback',
  'http://localhost:3000/callback/../../evil',
  'HTTP://LOCALHOST:3000/callback',
  'http://localhost:3000/callback?next=https://evil.example',
  'http://localhost:3000/callback#@evil.example',
  'https:evil.example',
  'https:/\\evil.example',
  'ftp://evil.example/',
  ' https://evil.example',
  'https://evil.example\u3002com/'
]
/** next-style parameters some login pages honour; this one must ignore them all. */
const NEXT_PARAMS = ['next', 'redirect', 'redirect_uri', 'return_to', 'returnTo', 'continue', 'url', 'goto', 'callback']

function safe (t: Test, res: LightMyRequestResponse, stored: string | undefined, what: string) {
  const location = res.headers.location as string | undefined
  t.equal(unsafeLocation(location, stored), undefined, `${what}: ${res.statusCode} ${location ?? '(no Location)'}`)
  if (location === undefined) t.notOk(res.body.includes(EVIL) && /<meta[^>]+refresh/i.test(res.body), `${what}: no meta refresh`)
}

const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })

async function authorizeAs (app: FastifyInstance, authorization: string, redirectUri: string) {
  return app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization }, payload: { redirect_uri: redirectUri, grants: ['read.email'] } })
}

const trackIdOf = (link: string) => new URL(link, 'http://sandbox.test').searchParams.get('track_id')!

t.test('a client with registered redirect_uris: every hostile variant is refused before anything is stored', async (t) => {
  const { app } = await testApp(t)
  for (const hostile of HOSTILE) {
    const res = await authorizeAs(app, KITAP_AUTH, hostile)
    t.equal(res.statusCode, 422, `OAuth2 ${JSON.stringify(hostile)}`)
    const oidc = await openid(app, { client_id: KITAP.id, redirect_uri: hostile, scope: 'openid' })
    t.equal(oidc.statusCode, 400, `OIDC ${JSON.stringify(hostile)}: an error page`)
    t.equal(oidc.headers.location, undefined, `OIDC ${JSON.stringify(hostile)}: no redirect`)
  }
  t.equal(await app.sandbox.store.collection('tracks').size(), 0, 'no track was stored')
})

t.test('a client without a list: only absolute http(s) URLs are stored, and every redirect goes exactly there', async (t) => {
  const { app } = await testApp(t)
  const accepted: string[] = []
  for (const hostile of HOSTILE) {
    const res = await authorizeAs(app, DEMO_AUTH, hostile)
    if (res.statusCode !== 200) {
      t.equal(res.statusCode, 422, `${JSON.stringify(hostile)} refused`)
      continue
    }
    accepted.push(hostile)
    const trackId = trackIdOf(res.json().redirect_uri)
    const stored = (await app.sandbox.tracks.find(trackId))!.redirect_uri
    t.match(stored, /^https?:\/\/[^/\\]+/i, `${JSON.stringify(hostile)} was stored as an absolute http(s) URL`)
    const signedIn = await signIn(app, { track_id: trackId, persona: AIGERIM })
    safe(t, signedIn, stored, `sign-in for ${JSON.stringify(hostile)}`)
    const allowed = await consent(app, trackId, 'allow')
    t.equal(allowed.statusCode, 303)
    safe(t, allowed, stored, `allow for ${JSON.stringify(hostile)}`)

    const denyTrack = trackIdOf((await authorizeAs(app, DEMO_AUTH, hostile)).json().redirect_uri)
    const denied = await signIn(app, { track_id: denyTrack, persona: ASEL_DENIES })
    t.equal(denied.statusCode, 303)
    safe(t, denied, stored, `deny_consent persona for ${JSON.stringify(hostile)}`)
  }
  t.same(accepted, [
    'https://evil.example/steal',
    'https://shop.example/cb%0d%0aLocation:%20https://evil.example',
    'http://localhost:3000/callback@evil.example',
    'http://localhost:3000@evil.example/callback',
    'http://localhost:3000/callback/../../evil',
    'HTTP://LOCALHOST:3000/callback',
    'http://localhost:3000/callback?next=https://evil.example',
    'https://evil.example\u3002com/'
  ], 'the accepted ones are exactly the absolute http(s) URLs without a fragment (Demo Shop registers none)')
})

t.test('next-style parameters on the login pages are ignored', async (t) => {
  const { app } = await testApp(t)
  const link = (await authorizeAs(app, DEMO_AUTH, 'https://shop.example/callback')).json().redirect_uri
  const trackId = trackIdOf(link)
  const stored = 'https://shop.example/callback'
  const extra = Object.fromEntries(NEXT_PARAMS.map((name, i) => [name, HOSTILE[i % 4]!]))
  const query = new URLSearchParams(extra).toString()

  const page = await app.inject({ method: 'GET', url: `/login?track_id=${trackId}&${query}` })
  t.equal(page.statusCode, 200)
  safe(t, page, stored, 'GET /login')
  t.notOk(page.body.includes(EVIL), 'nothing of them is rendered')

  const notYet = await app.inject({ method: 'GET', url: `/login/consent?track_id=${trackId}&${query}` })
  t.equal(notYet.statusCode, 303, 'consent before signing in goes back to the sign-in page')
  safe(t, notYet, stored, 'GET /login/consent before signing in')

  const typed = await app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: trackId, login: '+77015550101', password: 'Sandbox123!', ...extra }) })
  t.equal(typed.statusCode, 303)
  safe(t, typed, stored, 'POST /login/sign-in')
  t.equal(typed.headers.location, `/login/consent?track_id=${trackId}`)

  const consentPage = await app.inject({ method: 'GET', url: `/login/consent?track_id=${trackId}&${query}` })
  t.equal(consentPage.statusCode, 200)
  t.notOk(consentPage.body.includes(EVIL), 'nothing of them is rendered on the consent page')

  const allowed = await app.inject({ method: 'POST', url: '/login/consent', ...form({ track_id: trackId, decision: 'allow', ...extra }) })
  t.equal(allowed.statusCode, 303)
  safe(t, allowed, stored, 'POST /login/consent')
})

t.test('a hostile track_id never redirects anywhere', async (t) => {
  const { app } = await testApp(t)
  for (const hostile of [...HOSTILE, `${CALLBACK}\r\nLocation: https://evil.example`]) {
    const encoded = encodeURIComponent(hostile)
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: `/login?track_id=${encoded}` }),
      app.inject({ method: 'GET', url: `/login/consent?track_id=${encoded}` }),
      app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: hostile, persona: AIGERIM }) }),
      app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: hostile, login: '+77015550101', password: 'Sandbox123!' }) }),
      app.inject({ method: 'POST', url: '/login/consent', ...form({ track_id: hostile, decision: 'allow' }) }),
      app.inject({ method: 'POST', url: '/login/consent', ...form({ track_id: hostile, decision: 'deny' }) })
    ])
    for (const res of answers) {
      t.equal(res.statusCode, 404, `track_id ${JSON.stringify(hostile)}: unknown link`)
      t.equal(res.headers.location, undefined)
      t.notOk(res.body.includes(EVIL), 'not echoed')
    }
  }
})

t.test('OIDC: bad redirect_uris get a page; errors go back only to the validated redirect_uri, state kept intact', async (t) => {
  const { app } = await testApp(t)
  for (const hostile of HOSTILE) {
    const res = await openid(app, { redirect_uri: hostile })
    if (res.statusCode === 400) {
      t.equal(res.headers.location, undefined, `${JSON.stringify(hostile)}: an error page, no redirect`)
      continue
    }
    t.equal(res.statusCode, 303, `${JSON.stringify(hostile)}`)
    safe(t, res, undefined, `/openid with ${JSON.stringify(hostile)} goes to the login page`)
  }
  t.equal((await openid(app, { redirect_uri: [CALLBACK, 'https://evil.example/cb'] })).headers.location, undefined, 'a repeated redirect_uri: no redirect')

  for (const state of ['https://evil.example/', '\r\nLocation: https://evil.example', '%0d%0aLocation:%20https://evil.example', 'javascript:alert(1)', '"><script>alert(1)</script>']) {
    for (const changes of [{ scope: 'openid evil.example' }, { response_type: 'token' }, { nonce: undefined }, { code_challenge_method: 'plain', code_challenge: 'x' }]) {
      const res = await openid(app, { state, ...changes })
      t.equal(res.statusCode, 303)
      safe(t, res, CALLBACK, `error redirect with state ${JSON.stringify(state)} and ${JSON.stringify(changes)}`)
      t.equal(new URL(res.headers.location as string).searchParams.get('state'), state, 'the state comes back exactly')
    }
    const start = await openid(app, { state })
    const trackId = trackIdOf(start.headers.location as string)
    await signIn(app, { track_id: trackId, persona: AIGERIM })
    const allowed = await consent(app, trackId, 'allow')
    safe(t, allowed, CALLBACK, `allow with state ${JSON.stringify(state)}`)
    t.equal(new URL(allowed.headers.location as string).searchParams.get('state'), state)
  }
})

t.test('Host and forwarding headers do not move the links the sandbox hands out', async (t) => {
  const { app } = await testApp(t)
  const poisoned = { host: EVIL, 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https', forwarded: `host=${EVIL};proto=https`, 'x-original-url': `https://${EVIL}/` }
  const link = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH, ...poisoned }, payload: { redirect_uri: CALLBACK, grants: ['read.email'] } })
  t.equal(link.statusCode, 200)
  t.equal(new URL(link.json().redirect_uri).origin, 'http://sandbox.test', 'the login link is on PUBLIC_URL')
  const start = await app.inject({ method: 'GET', url: `/openid?${new URLSearchParams({ response_type: 'code', client_id: DEMO.id, redirect_uri: CALLBACK, scope: 'openid', state: 's', nonce: 'n' })}`, headers: poisoned })
  safe(t, start, undefined, '/openid with a poisoned Host')
  for (const url of ['/.well-known/openid-configuration', '/.well-known/jwks.json', '/openapi.json']) {
    const res = await app.inject({ method: 'GET', url, headers: poisoned })
    t.equal(res.statusCode, 200, url)
    t.notOk(res.body.includes(EVIL), `${url} does not take the Host header`)
  }
})

t.test('the Location check itself refuses what it must', async (t) => {
  const stored = 'https://shop.example/cb?order=7'
  t.equal(unsafeLocation('https://shop.example/cb?order=7&authorization_code=abc', stored), undefined)
  t.equal(unsafeLocation('/login/consent?track_id=3f0c8a9e-5b1d-4c7a-9e2f-6d4b8a1c0e57', undefined), undefined)
  for (const bad of ['https://evil.example/cb?order=7&code=x', '//evil.example/cb', '/\\evil.example', 'javascript:alert(1)',
    'https://shop.example/cb?authorization_code=abc', 'https://shop.example/cb?order=7&next=https://evil.example',
    'https://shop.example/other?order=7', '/login?track_id=3f0c8a9e-5b1d-4c7a-9e2f-6d4b8a1c0e57&next=//evil.example',
    'https://shop.example/cb?order=7\r\nSet-Cookie: x=1']) {
    t.not(unsafeLocation(bad, stored), undefined, bad)
  }
})
