import t from 'tap'
import { DEMO, DEMO_AUTH, KITAP, KITAP_AUTH, basic, testApp } from '../../helpers/app.js'
import { AIGERIM, refresh, userData } from '../../helpers/flow.js'
import { CHALLENGE, NONCE, VERIFIER, codeGrant, oidcApprove, oidcToken, verifyIdToken } from '../../helpers/oidc.js'

const TOKEN = /^[A-Za-z0-9]{128}$/
const INVALID_CODE = 'The code is unknown, used, expired, or was issued to another client.'
const INVALID_REFRESH = { error: 'invalid_grant', error_description: 'The refresh_token is unknown, used, expired, or was issued to another client.' }
const PKCE = { code_challenge: CHALLENGE, code_challenge_method: 'S256' }
const KITAP_CALLBACK = 'http://localhost:3000/callback'

/** RFC 6749 section 2.3.1, as OIDC libraries send Basic: each part form-encoded first (`-` is `%2D`). */
const formEncoded = (value: string) => encodeURIComponent(value).replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

t.test('the code buys tokens and an id_token, in the documented shape', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await oidcApprove(app)
  const res = await oidcToken(app, { body: codeGrant(code) })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers.pragma, 'no-cache')
  const body = res.json()
  t.same(Object.keys(body), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'id_token'], "the docs' fields and order")
  t.match(body.access_token, TOKEN)
  t.match(body.refresh_token, TOKEN)
  t.equal(body.expires_in, 604800)
  t.equal(body.token_type, 'Bearer')
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'exchanged')

  const { payload, header } = await verifyIdToken(app, body.id_token, { issuer: 'http://sandbox.test', audience: DEMO.id })
  const kid = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys[0].kid
  t.same(header, { alg: 'RS256', typ: 'JWT', kid })
  t.same(payload, { iss: 'http://sandbox.test', sub: AIGERIM, aud: DEMO.id, exp: 1893456000 + 604800, iat: 1893456000, nonce: NONCE, auth_time: 1893456000 },
    "the docs' claims, in their order, on the sandbox clock, then auth_time")
  t.same(Object.keys(payload), ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'auth_time'])

  const user = await userData(app, body.access_token)
  t.equal(user.statusCode, 200, 'the OAuth2 user endpoint takes the OIDC access token')
  t.same(user.json(), { id: AIGERIM, email: 'aigerim.sarsenbayeva@example.com', firstname: 'Aigerim' })
})

t.test('ACCESS_TTL sets expires_in and the id_token life; ISSUER sets iss', async (t) => {
  const { app } = await testApp(t, { accessTtl: 3600, issuer: 'https://passport.freedompay.kz' })
  const body = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  t.equal(body.expires_in, 3600)
  const { payload } = await verifyIdToken(app, body.id_token, { issuer: 'https://passport.freedompay.kz' })
  t.equal(payload.exp! - payload.iat!, 3600)
})

t.test('JSON or form body; Basic raw, Basic form-encoded, or client_secret_post', async (t) => {
  const { app } = await testApp(t)
  const ok = async (name: string, request: Omit<Parameters<typeof oidcToken>[1], 'body'>, extra: Record<string, string> = {}) => {
    const { code } = await oidcApprove(app)
    const res = await oidcToken(app, { ...request, body: codeGrant(code, extra) })
    t.equal(res.statusCode, 200, name)
    t.match(res.json().id_token, /^eyJ/, name)
  }
  await ok('JSON + Basic', {})
  await ok('form + Basic', { form: true })
  await ok('form + Basic form-encoded as RFC 6749 says', { form: true, authorization: basic(formEncoded(DEMO.id), formEncoded(DEMO.secret)) })
  await ok('lower-case scheme', { authorization: DEMO_AUTH.replace('Basic', 'basic') })
  await ok('form + client_secret_post', { form: true, authorization: null }, { client_id: DEMO.id, client_secret: DEMO.secret })
  await ok('JSON + client_secret_post', { authorization: null }, { client_id: DEMO.id, client_secret: DEMO.secret })
  await ok('Basic wins over body credentials', {}, { client_id: DEMO.id, client_secret: 'ignored' })
})

t.test('the docs\' literal /api/v1oidc//token works the same', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app)
  const res = await oidcToken(app, { url: '/api/v1oidc//token', form: true, body: codeGrant(code) })
  t.equal(res.statusCode, 200)
  t.same(Object.keys(res.json()), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'id_token'])
  const get = await app.inject({ method: 'GET', url: '/api/v1oidc//token' })
  t.equal(get.statusCode, 405)
  t.equal(get.headers.allow, 'POST')
})

t.test('forms stay refused by the OAuth2 endpoints', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({
    method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'authorization_code=x'
  })
  t.equal(res.statusCode, 415)
})

t.test('refresh_token grant: rotation and a fresh id_token without nonce', async (t) => {
  const { app } = await testApp(t)
  const first = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  const res = await oidcToken(app, { form: true, body: { grant_type: 'refresh_token', refresh_token: first.refresh_token } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const second = res.json()
  t.same(Object.keys(second), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'id_token'])
  t.not(second.access_token, first.access_token)
  t.not(second.refresh_token, first.refresh_token)
  const { payload } = await verifyIdToken(app, second.id_token)
  t.same(payload, { iss: 'http://sandbox.test', sub: AIGERIM, aud: DEMO.id, exp: 1893456060 + 604800, iat: 1893456060, auth_time: 1893456000 },
    'same iss, sub, aud and auth_time; a new iat; no nonce (OIDC Core 12.2)')
  t.same((await userData(app, second.access_token)).json().id, AIGERIM)

  const replay = await oidcToken(app, { body: { grant_type: 'refresh_token', refresh_token: first.refresh_token } })
  t.equal(replay.statusCode, 400, 'the old refresh token died')
  t.same(replay.json(), INVALID_REFRESH)

  const stolen = await oidcToken(app, { authorization: KITAP_AUTH, body: { grant_type: 'refresh_token', refresh_token: second.refresh_token } })
  t.same(stolen.json(), INVALID_REFRESH, "another client's refresh token")
  const post = await oidcToken(app, { authorization: null, body: { grant_type: 'refresh_token', refresh_token: second.refresh_token, client_id: DEMO.id, client_secret: DEMO.secret } })
  t.equal(post.statusCode, 200, 'which left it alive for its own client')

  // No client authentication at the OAuth2 PATCH: an OIDC refresh token is unknown there, and left alive.
  const oauth2 = await refresh(app, post.json().refresh_token)
  t.equal(oauth2.statusCode, 401, 'the OAuth2 PATCH refresh does not take an OIDC refresh token')
  t.same(oauth2.json(), { error: { message: 'Unauthenticated.', code: 100401 } })
  t.equal((await oidcToken(app, { body: { grant_type: 'refresh_token', refresh_token: post.json().refresh_token } })).statusCode, 200)
})

t.test('codes: single use and CODE_TTL; PKCE and a registered redirect_uri bind them', async (t) => {
  const { app } = await testApp(t, { codeTtl: 30 })
  const { code } = await oidcApprove(app)
  t.equal((await oidcToken(app, { body: codeGrant(code) })).statusCode, 200)
  t.same((await oidcToken(app, { body: codeGrant(code) })).json(), { error: 'invalid_grant', error_description: INVALID_CODE }, 'a replay')
  const late = await oidcApprove(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 29 } })
  const pkce = await oidcApprove(app, PKCE)
  t.equal((await oidcToken(app, { form: true, body: codeGrant(pkce.code, { code_verifier: VERIFIER }) })).statusCode, 200, 'the right verifier')
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 1 } })
  t.same((await oidcToken(app, { body: codeGrant(late.code) })).json(), { error: 'invalid_grant', error_description: INVALID_CODE }, 'an expired code')

  const kitap = await oidcApprove(app, { client_id: KITAP.id, redirect_uri: KITAP_CALLBACK, scope: 'openid read.email' })
  const res = await oidcToken(app, { authorization: KITAP_AUTH, body: { grant_type: 'authorization_code', code: kitap.code, redirect_uri: KITAP_CALLBACK } })
  t.equal(res.statusCode, 200)
  t.equal((await verifyIdToken(app, res.json().id_token)).payload.aud, KITAP.id)
  const plain = await oidcApprove(app)
  t.equal((await oidcToken(app, { body: codeGrant(plain.code, { code_verifier: '' }) })).statusCode, 200, 'an empty verifier is no verifier')
})

t.test('a code whose track was swept still works', async (t) => {
  const { app } = await testApp(t, { trackTtl: 60, codeTtl: 7200 })
  const { code, trackId } = await oidcApprove(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '62m' } })
  await app.sandbox.store.sweep()
  t.equal(await app.sandbox.tracks.find(trackId), undefined)
  t.equal((await oidcToken(app, { body: codeGrant(code) })).statusCode, 200)
})
