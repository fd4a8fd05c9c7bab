import t from 'tap'
import { CLOCK_START_S, DEMO, KITAP, testApp } from '../../helpers/app.js'
import { AIGERIM, ASEL_DENIES, DANIYAR, approve, consent, exchange, openLogin, signIn } from '../../helpers/flow.js'
import { CALLBACK, CHALLENGE, NONCE, STATE, codeGrant, oidcApprove, oidcToken, openid, openidUrl, type Params } from '../../helpers/oidc.js'

const INVALID_CODE = { error: { message: 'Invalid authorization_code.', code: 100101 } }

t.test('a good request becomes an OIDC track and leads to the same login page', async (t) => {
  const { app } = await testApp(t, { trackTtl: 120 })
  const res = await openid(app, { code_challenge: CHALLENGE, code_challenge_method: 'S256' })
  t.equal(res.statusCode, 303)
  const location = new URL(res.headers.location as string, 'http://sandbox.test')
  t.equal(location.pathname, '/login')
  t.equal(location.searchParams.get('expire_at'), String(CLOCK_START_S + 120), 'TRACK_TTL applies')
  const trackId = location.searchParams.get('track_id')!
  t.same(await app.sandbox.tracks.find(trackId), {
    track_id: trackId,
    client_id: DEMO.id,
    redirect_uri: CALLBACK,
    grants: ['openid', 'read.email', 'read.firstname'],
    state: 'issued',
    kind: 'oidc',
    oidc: { state: STATE, nonce: NONCE, code_challenge: CHALLENGE },
    created_at: '2030-01-01T00:00:00.000Z',
    expires_at: '2030-01-01T00:02:00.000Z'
  })
  const control = await app.inject({ method: 'GET', url: `/__sandbox/tracks/${trackId}` })
  t.match(control.json(), { kind: 'oidc', oidc: { state: STATE, nonce: NONCE, code_challenge: CHALLENGE } }, 'the control API shows it')

  const page = await openLogin(app, res.headers.location as string)
  t.equal(page.statusCode, 200)
  t.match(page.body, '<span data-testid="client-name">Demo Shop</span>')
  t.match(page.body, '<li data-testid="grant-openid">Sign you in with OpenID Connect <code>openid</code></li>')
  t.match(page.body, 'data-testid="grant-read.firstname"')
  t.match(page.headers['content-security-policy'], "form-action 'self' https://shop.example;")
})

t.test('allow: back to the redirect_uri with code and state, no authorization_code', async (t) => {
  const { app } = await testApp(t)
  const { trackId, callback, code, state } = await oidcApprove(app, { redirect_uri: 'https://shop.example/oidc/callback?order=7' })
  t.equal(`${callback.origin}${callback.pathname}`, CALLBACK)
  t.same([...callback.searchParams.keys()], ['order', 'code', 'state'])
  t.equal(callback.searchParams.get('order'), '7', 'the existing query is kept')
  t.match(code, /^[A-Za-z0-9]{64}$/)
  t.equal(state, STATE)
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'code_issued')
})

t.test('deny, and a persona that always denies: error=access_denied with the state', async (t) => {
  const { app } = await testApp(t)
  const denied = 'https://shop.example/oidc/callback?error=access_denied&error_description=The+user+denied+access.&state=' + STATE
  const start = await openid(app)
  const trackId = new URL(start.headers.location as string, 'http://x').searchParams.get('track_id')!
  await signIn(app, { track_id: trackId, persona: DANIYAR })
  const res = await consent(app, trackId, 'deny')
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, denied)
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'denied')

  const again = await openid(app)
  const persona = await signIn(app, { track_id: new URL(again.headers.location as string, 'http://x').searchParams.get('track_id')!, persona: ASEL_DENIES })
  t.equal(persona.statusCode, 303)
  t.equal(persona.headers.location, denied)
})

t.test('the control API approves an OIDC track headlessly, with code and state', async (t) => {
  const { app } = await testApp(t)
  const start = await openid(app)
  const trackId = new URL(start.headers.location as string, 'http://x').searchParams.get('track_id')!
  const res = await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: AIGERIM } })
  t.equal(res.statusCode, 200)
  t.match(res.json().redirect_uri, new RegExp(`^${CALLBACK}\\?code=[A-Za-z0-9]{64}&state=${STATE}$`))
})

t.test('no client or no usable redirect_uri: an error page, never a redirect', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[string, Params, string]> = [
    ['no client_id', { client_id: undefined }, 'The client_id parameter is missing or repeated.'],
    ['empty client_id', { client_id: '' }, 'The client_id parameter is missing or repeated.'],
    ['repeated client_id', { client_id: [DEMO.id, DEMO.id] }, 'The client_id parameter is missing or repeated.'],
    ['unknown client', { client_id: '11111111-1111-4111-8111-111111111111' }, 'The client_id is not a known client.'],
    ['no redirect_uri', { redirect_uri: undefined }, 'The redirect_uri parameter is missing or repeated.'],
    ['repeated redirect_uri', { redirect_uri: [CALLBACK, 'https://evil.example/cb'] }, 'The redirect_uri parameter is missing or repeated.'],
    ['relative redirect_uri', { redirect_uri: '/cb' }, 'The redirect_uri is not an absolute http(s) URL.'],
    ['javascript: redirect_uri', { redirect_uri: 'javascript:alert(1)' }, 'The redirect_uri is not an absolute http(s) URL.'],
    ['unregistered redirect_uri', { client_id: KITAP.id, redirect_uri: 'https://evil.example/cb' }, 'The redirect_uri is not registered for Kitap Books (restricted).'],
    ['registered one plus a path', { client_id: KITAP.id, redirect_uri: 'http://localhost:3000/callback/x' }, 'The redirect_uri is not registered for Kitap Books (restricted).'],
    ['bad everything', { client_id: undefined, redirect_uri: 'javascript:alert(1)', response_type: 'token', scope: 'x' }, 'The client_id parameter is missing or repeated.']
  ]
  for (const [name, changes, message] of cases) {
    const res = await openid(app, changes)
    t.equal(res.statusCode, 400, name)
    t.equal(res.headers.location, undefined, `${name}: no redirect`)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8', name)
    t.equal(res.headers['cache-control'], 'no-store')
    t.match(res.headers['content-security-policy'], "form-action 'none'", name)
    t.match(res.body, '<h1>Cannot sign in</h1>', name)
    t.match(res.body, `<p class="error" data-testid="error" role="alert">${message}</p>`, name)
  }
})

t.test('any other mistake goes back to the redirect_uri with error, error_description and state', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[string, Params, string, string]> = [
    ['no response_type', { response_type: undefined }, 'invalid_request', 'The response_type parameter is missing.'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type', 'Only response_type=code is supported.'],
    ['response_type=code id_token', { response_type: 'code id_token' }, 'unsupported_response_type', 'Only response_type=code is supported.'],
    ['no scope', { scope: undefined }, 'invalid_request', 'The scope parameter is missing.'],
    ['scope without openid', { scope: 'read.email read.phone' }, 'invalid_scope', 'The scope must include openid.'],
    ['blank scope', { scope: '  ' }, 'invalid_scope', 'The scope must include openid.'],
    ['unknown scope words', { scope: 'openid profile email read.email' }, 'invalid_scope', 'Unknown scope: profile, email.'],
    ['a grant the client may not ask for', { client_id: KITAP.id, redirect_uri: 'http://localhost:3000/callback', scope: 'openid read.cards read.gender read.email' },
      'invalid_scope', 'Kitap Books (restricted) may not ask for: read.cards, read.gender.'],
    ['no nonce', { nonce: undefined }, 'invalid_request', 'The nonce parameter is missing.'],
    ['repeated nonce', { nonce: [NONCE, 'x'] }, 'invalid_request', 'The nonce parameter is repeated.'],
    ['repeated scope', { scope: ['openid', 'openid'] }, 'invalid_request', 'The scope parameter is repeated.'],
    ['PKCE plain', { code_challenge: CHALLENGE, code_challenge_method: 'plain' }, 'invalid_request', 'code_challenge_method must be S256 (plain is not supported).'],
    ['PKCE without a method (plain by default)', { code_challenge: CHALLENGE }, 'invalid_request', 'code_challenge_method must be S256 (plain is not supported).'],
    ['PKCE other method', { code_challenge: CHALLENGE, code_challenge_method: 'S512' }, 'invalid_request', 'code_challenge_method must be S256 (plain is not supported).'],
    ['PKCE method alone', { code_challenge_method: 'S256' }, 'invalid_request', 'code_challenge_method was sent without a code_challenge.'],
    ['PKCE short challenge', { code_challenge: 'abc', code_challenge_method: 'S256' }, 'invalid_request',
      'code_challenge must be the S256 of the code_verifier: 43 characters of base64url.'],
    ['PKCE challenge not base64url', { code_challenge: `${CHALLENGE.slice(0, 42)}=`, code_challenge_method: 'S256' }, 'invalid_request',
      'code_challenge must be the S256 of the code_verifier: 43 characters of base64url.'],
    ['repeated code_challenge', { code_challenge: [CHALLENGE, CHALLENGE], code_challenge_method: 'S256' }, 'invalid_request', 'The code_challenge parameter is repeated.']
  ]
  for (const [name, changes, error, description] of cases) {
    const res = await openid(app, changes)
    t.equal(res.statusCode, 303, name)
    const location = new URL(res.headers.location as string)
    t.equal(`${location.origin}${location.pathname}`, String(changes.redirect_uri ?? CALLBACK), name)
    t.same(Object.fromEntries(location.searchParams), { error, error_description: description, state: STATE }, name)
  }

  const noState = await openid(app, { state: undefined })
  t.equal(noState.headers.location, `${CALLBACK}?error=invalid_request&error_description=The+state+parameter+is+missing.`, 'no state: none to echo')
  const twoStates = await openid(app, { state: ['a', 'b'] })
  t.equal(twoStates.headers.location, `${CALLBACK}?error=invalid_request&error_description=The+state+parameter+is+repeated.`)
  const both = await openid(app, { state: undefined, response_type: 'token' })
  t.match(both.headers.location, 'error=unsupported_response_type', 'the first problem wins')
  t.equal(await app.sandbox.store.collection('tracks').size(), 0, 'no track was made')
})

t.test('scope words: spaces of any kind, duplicates once, openid first or not', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'GET', url: openidUrl({ scope: undefined }).replace('/openid?', '/openid?scope=read.phone+openid%20%20read.phone&') })
  t.equal(res.statusCode, 303)
  const trackId = new URL(res.headers.location as string, 'http://x').searchParams.get('track_id')!
  t.same((await app.sandbox.tracks.find(trackId))?.grants, ['read.phone', 'openid'])
  t.same((await app.sandbox.tracks.find(trackId))?.oidc, { state: STATE, nonce: NONCE }, 'no PKCE asked, none stored')
})

t.test('each flow redeems only its own codes, and a refused attempt burns nothing', async (t) => {
  const { app } = await testApp(t)
  const oidc = await oidcApprove(app)
  t.same((await exchange(app, oidc.code)).json(), INVALID_CODE, 'an OIDC code at the OAuth2 endpoint')
  const oauth2 = await approve(app)
  const res = await oidcToken(app, { body: codeGrant(oauth2.code) })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'invalid_grant', error_description: 'The code is unknown, used, expired, or was issued to another client.' }, 'an OAuth2 code at the OIDC endpoint')
  t.equal((await oidcToken(app, { body: codeGrant(oidc.code) })).statusCode, 200, 'both still work where they belong')
  t.equal((await exchange(app, oauth2.code)).statusCode, 200)
})

t.test('used and expired OIDC links get the same error pages', async (t) => {
  const { app } = await testApp(t, { trackTtl: 60 })
  const used = await oidcApprove(app)
  const usedPage = await app.inject({ method: 'GET', url: `/login?track_id=${used.trackId}` })
  t.equal(usedPage.statusCode, 409)
  t.match(usedPage.body, '<h1>Login link already used</h1>')
  const late = await openid(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  const expired = await openLogin(app, late.headers.location as string)
  t.equal(expired.statusCode, 410)
  t.equal(expired.headers.location, undefined)
})

t.test('what the merchant sent is escaped on the error page and kept intact on the redirect', async (t) => {
  const { app } = await testApp(t)
  const evil = '"><script>alert(1)</script>'
  const page = await openid(app, { redirect_uri: `https://shop.example/${evil}` })
  t.equal(page.statusCode, 303, 'a URL that parses is a valid redirect_uri for a client without a list')
  const unknown = await openid(app, { client_id: evil })
  t.notMatch(unknown.body, /<script/i)
  const res = await openid(app, { state: evil, scope: `openid ${evil}` })
  const location = new URL(res.headers.location as string)
  t.equal(location.searchParams.get('state'), evil)
  t.equal(location.searchParams.get('error_description'), `Unknown scope: ${evil}.`)
})
