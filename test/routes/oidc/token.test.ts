import t from 'tap'
import { DEMO, DEMO_AUTH, KITAP, KITAP_AUTH, basic, testApp } from '../../helpers/app.js'
import { AIGERIM, refresh, userData } from '../../helpers/flow.js'
import { CALLBACK, CHALLENGE, NONCE, TOKEN_PATH, VERIFIER, codeGrant, oidcApprove, oidcToken, verifyIdToken } from '../../helpers/oidc.js'

const TOKEN = /^[A-Za-z0-9]{128}$/
const INVALID_CODE = { error: { message: 'Invalid authorization_code.', code: 100101 } }
const UNAUTHENTICATED = { error: { message: 'Unauthenticated.', code: 100401 } }
const badRequest = (message: string) => ({ error: { message, code: 100400 } })
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
  t.same(payload, { iss: 'http://sandbox.test', sub: AIGERIM, aud: DEMO.id, exp: 1893456000 + 604800, iat: 1893456000, nonce: NONCE },
    "the docs' claims, in their order, on the sandbox clock")
  t.same(Object.keys(payload), ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce'])

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

t.test('client authentication fails first, with a challenge and the envelope', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app)
  const cases: Array<[string, string | null, Record<string, string>]> = [
    ['no credentials at all', null, {}],
    ['wrong Basic secret', basic(DEMO.id, 'nope'), {}],
    ['Basic without a colon', `Basic ${Buffer.from('just-an-id').toString('base64')}`, {}],
    ['not Basic', 'Bearer abc', {}],
    ['broken form-encoding', basic('%zz', DEMO.secret), {}],
    ['wrong post secret', null, { client_id: DEMO.id, client_secret: 'nope' }],
    ['post without a secret', null, { client_id: DEMO.id }],
    ['a wrong Basic is not rescued by a right body', basic(DEMO.id, 'nope'), { client_id: DEMO.id, client_secret: DEMO.secret }]
  ]
  for (const [name, authorization, extra] of cases) {
    for (const form of [false, true]) {
      const res = await oidcToken(app, { authorization, form, body: codeGrant(code, extra) })
      t.equal(res.statusCode, 401, `${name} (${form ? 'form' : 'JSON'})`)
      t.equal(res.headers['www-authenticate'], 'Basic realm="Freedom ID sandbox"')
      t.same(res.json(), UNAUTHENTICATED)
    }
  }
  const empty = await app.inject({ method: 'POST', url: TOKEN_PATH, headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(empty.statusCode, 401, 'an empty body has no credentials either')
  const junk = await app.inject({ method: 'POST', url: TOKEN_PATH, headers: { authorization: 'Basic x', 'content-type': 'application/json' }, payload: '{' })
  t.equal(junk.statusCode, 401, 'Basic is checked before the body is parsed')
  t.equal((await oidcToken(app, { body: codeGrant(code) })).statusCode, 200, 'none of that burnt the code')
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

t.test('validation: the provider\'s envelope, per grant type', async (t) => {
  const { app } = await testApp(t)
  const invalid = (errors: Record<string, string[]>) => ({ error: { message: 'Error validating transmitted data.', errors } })
  const cases: Array<[string, Record<string, string>, Record<string, string[]>]> = [
    ['no grant_type', { code: 'x', redirect_uri: CALLBACK }, { grant_type: ['The Grant type field is required.'] }],
    ['unknown grant_type', { grant_type: 'password' }, { grant_type: ['The selected Grant type is invalid.'] }],
    ['code grant without code and redirect_uri', { grant_type: 'authorization_code' }, { code: ['The Code field is required.'], redirect_uri: ['The Redirect uri field is required.'] }],
    ['empty code', { grant_type: 'authorization_code', code: '', redirect_uri: CALLBACK }, { code: ['The Code field is required.'] }],
    ['refresh grant without a token', { grant_type: 'refresh_token', code: 'x' }, { refresh_token: ['The Refresh token field is required.'] }]
  ]
  for (const [name, body, errors] of cases) {
    for (const form of [false, true]) {
      const res = await oidcToken(app, { body, form })
      t.equal(res.statusCode, 422, name)
      t.same(res.json(), invalid(errors), name)
    }
  }
  const repeated = await app.inject({
    method: 'POST', url: TOKEN_PATH, headers: { authorization: DEMO_AUTH, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=authorization_code&code=a&code=b&redirect_uri=x'
  })
  t.equal(repeated.statusCode, 422, 'a repeated form field')
  t.same(repeated.json(), invalid({ code: ['The Code field must be a string.'] }))
  const text = await app.inject({ method: 'POST', url: TOKEN_PATH, headers: { authorization: DEMO_AUTH, 'content-type': 'text/plain' }, payload: 'x' })
  t.equal(text.statusCode, 415)
})

t.test('forms stay refused by the OAuth2 endpoints', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({
    method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'authorization_code=x'
  })
  t.equal(res.statusCode, 415)
})

t.test('codes: single use, bound to their client and CODE_TTL', async (t) => {
  const { app } = await testApp(t, { codeTtl: 30 })
  const { code } = await oidcApprove(app)
  t.same((await oidcToken(app, { body: codeGrant(code), authorization: KITAP_AUTH })).json(), INVALID_CODE, 'another client')
  t.equal((await oidcToken(app, { body: codeGrant(code) })).statusCode, 200, 'which burnt nothing')
  const replay = await oidcToken(app, { body: codeGrant(code) })
  t.equal(replay.statusCode, 400)
  t.same(replay.json(), INVALID_CODE, 'a replay')
  const late = await oidcApprove(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 30 } })
  t.same((await oidcToken(app, { body: codeGrant(late.code) })).json(), INVALID_CODE, 'an expired code')
  t.same((await oidcToken(app, { body: codeGrant('x'.repeat(64)) })).json(), INVALID_CODE, 'an unknown code')
})

t.test('redirect_uri must be the one of the authorization request', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app, { client_id: KITAP.id, redirect_uri: KITAP_CALLBACK, scope: 'openid read.email' })
  for (const other of [CALLBACK, `${KITAP_CALLBACK}/`, `${KITAP_CALLBACK}?x=1`, 'https://merchant.example/freedom-id/callback']) {
    const res = await oidcToken(app, { authorization: KITAP_AUTH, body: { grant_type: 'authorization_code', code, redirect_uri: other } })
    t.equal(res.statusCode, 400, other)
    t.same(res.json(), badRequest('The redirect_uri differs from the one of the authorization request.'))
  }
  const res = await oidcToken(app, { authorization: KITAP_AUTH, body: { grant_type: 'authorization_code', code, redirect_uri: KITAP_CALLBACK } })
  t.equal(res.statusCode, 200, 'the code survived the mismatches')
  const { payload } = await verifyIdToken(app, res.json().id_token)
  t.equal(payload.aud, KITAP.id)
})

t.test('PKCE: the right verifier passes; a wrong, missing or unasked one fails and burns nothing', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app, PKCE)
  const cases: Array<[string, Record<string, string>, string]> = [
    ['missing', {}, 'code_verifier is required: the authorization request carried a code_challenge.'],
    ['empty', { code_verifier: '' }, 'code_verifier is required: the authorization request carried a code_challenge.'],
    ['wrong', { code_verifier: VERIFIER.replace('d', 'e') }, 'code_verifier does not match the code_challenge.'],
    ['the challenge itself (plain)', { code_verifier: CHALLENGE }, 'code_verifier does not match the code_challenge.'],
    ['too short', { code_verifier: 'abc' }, 'code_verifier does not match the code_challenge.'],
    ['bad characters', { code_verifier: `${VERIFIER}+` }, 'code_verifier does not match the code_challenge.']
  ]
  for (const [name, extra, message] of cases) {
    const res = await oidcToken(app, { form: true, body: codeGrant(code, extra) })
    t.equal(res.statusCode, 400, name)
    t.same(res.json(), badRequest(message), name)
  }
  const ok = await oidcToken(app, { form: true, body: codeGrant(code, { code_verifier: VERIFIER }) })
  t.equal(ok.statusCode, 200)

  const plain = await oidcApprove(app)
  const unasked = await oidcToken(app, { body: codeGrant(plain.code, { code_verifier: VERIFIER }) })
  t.equal(unasked.statusCode, 400)
  t.same(unasked.json(), badRequest('code_verifier was sent, but the authorization request had no code_challenge.'), 'no PKCE downgrade games')
  t.equal((await oidcToken(app, { body: codeGrant(plain.code, { code_verifier: '' }) })).statusCode, 200, 'an empty verifier is no verifier')
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
  t.same(payload, { iss: 'http://sandbox.test', sub: AIGERIM, aud: DEMO.id, exp: 1893456060 + 604800, iat: 1893456060 },
    'same iss, sub and aud; a new iat; no nonce (OIDC Core 12.2)')
  t.same((await userData(app, second.access_token)).json().id, AIGERIM)

  const replay = await oidcToken(app, { body: { grant_type: 'refresh_token', refresh_token: first.refresh_token } })
  t.equal(replay.statusCode, 400, 'the old refresh token died')
  t.same(replay.json(), badRequest('Invalid refresh_token.'))

  const stolen = await oidcToken(app, { authorization: KITAP_AUTH, body: { grant_type: 'refresh_token', refresh_token: second.refresh_token } })
  t.same(stolen.json(), badRequest('Invalid refresh_token.'), "another client's refresh token")
  const post = await oidcToken(app, { authorization: null, body: { grant_type: 'refresh_token', refresh_token: second.refresh_token, client_id: DEMO.id, client_secret: DEMO.secret } })
  t.equal(post.statusCode, 200, 'which left it alive for its own client')

  const oauth2 = await refresh(app, post.json().refresh_token)
  t.equal(oauth2.statusCode, 200, 'the OAuth2 PATCH refresh takes an OIDC refresh token too')
})

t.test('ERROR_STATUS=200 applies here too', async (t) => {
  const { app } = await testApp(t, { errorStatus: '200' })
  const res = await oidcToken(app, { body: codeGrant('nope') })
  t.equal(res.statusCode, 200)
  t.same(res.json(), INVALID_CODE)
})

t.test('a code whose track was swept still works', async (t) => {
  const { app } = await testApp(t, { trackTtl: 60, codeTtl: 7200 })
  const { code, trackId } = await oidcApprove(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '62m' } })
  await app.sandbox.store.sweep()
  t.equal(await app.sandbox.tracks.find(trackId), undefined)
  t.equal((await oidcToken(app, { body: codeGrant(code) })).statusCode, 200)
})
