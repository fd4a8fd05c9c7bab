import t from 'tap'
import { decodeProtectedHeader } from 'jose'
import { DEMO, INVALID_TOKEN, NO_TOKEN, testApp } from '../../helpers/app.js'
import { AIGERIM, approve, exchange } from '../../helpers/flow.js'
import { codeGrant, oidcApprove, oidcToken, verifyIdToken } from '../../helpers/oidc.js'

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

const jwksOf = async (app: Awaited<ReturnType<typeof testApp>>['app']) => {
  const res = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(res.statusCode, 200)
  return res.json() as { keys: Array<Record<string, string>> }
}

t.test('the discovery document describes the whole flow', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.same(res.json(), {
    issuer: 'http://sandbox.test',
    authorization_endpoint: 'http://sandbox.test/openid',
    token_endpoint: 'http://sandbox.test/api/v1/oidc/token',
    userinfo_endpoint: 'http://sandbox.test/api/v1/oidc/userinfo',
    jwks_uri: 'http://sandbox.test/.well-known/jwks.json',
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ['openid', 'read.email', 'read.emails', 'read.phone', 'read.phones', 'read.date_of_birth', 'read.firstname', 'read.lastname',
      'read.patronymic', 'read.gender', 'read.country', 'read.nationality', 'read.identifier', 'read.profile', 'read.cards'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'id', 'firstname', 'lastname', 'patronymic', 'date_of_birth', 'gender',
      'country', 'nationality', 'identifier', 'phone', 'phones', 'email', 'emails', 'cards']
  })
})

t.test('ISSUER: discovery still lives on the sandbox but reports that issuer, as iss does', async (t) => {
  const { app } = await testApp(t, { issuer: 'https://passport.freedompay.kz', publicUrl: 'http://sandbox.internal:8080/' })
  const doc = (await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json()
  t.equal(doc.issuer, 'https://passport.freedompay.kz')
  t.equal(doc.token_endpoint, 'http://sandbox.internal:8080/api/v1/oidc/token', 'endpoints follow PUBLIC_URL')
  const { id_token: idToken } = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  const { payload } = await verifyIdToken(app, idToken, { issuer: doc.issuer, audience: DEMO.id })
  t.equal(payload.iss, doc.issuer)
  t.equal(payload.sub, AIGERIM)
})

t.test('the JWKS holds the public key only, with kid, alg and use', async (t) => {
  const { app } = await testApp(t)
  const jwks = await jwksOf(app)
  t.equal(jwks.keys.length, 1)
  const [key] = jwks.keys
  t.same(Object.keys(key!), ['kty', 'n', 'e', 'kid', 'alg', 'use'])
  t.match(key, { kty: 'RSA', e: 'AQAB', alg: 'RS256', use: 'sig', kid: /^[A-Za-z0-9_-]{43}$/ })
  t.equal(Buffer.from(key!.n!, 'base64url').length, 256, 'RSA 2048')
  for (const member of PRIVATE_MEMBERS) t.notOk(member in key!, `no ${member}`)
  t.notMatch(JSON.stringify(jwks), /"(d|p|q|dp|dq|qi)"/)
  const { id_token: idToken } = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  t.equal(decodeProtectedHeader(idToken).kid, key!.kid, 'id_tokens name it')
})

t.test('SEED: the same key in every app (the bundled sandbox key)', async (t) => {
  const one = await jwksOf((await testApp(t, { seed: 'a' })).app)
  const two = await jwksOf((await testApp(t, { seed: 'a' })).app)
  const other = await jwksOf((await testApp(t, { seed: 'b' })).app)
  t.same(one, two)
  t.same(one, other, 'the key is fixed, not derived from the seed')
})

t.test('no SEED: a fresh key per app, made on first use and then kept', async (t) => {
  const { app } = await testApp(t, { seed: undefined })
  const { app: other } = await testApp(t, { seed: undefined })
  const first = await jwksOf(app)
  t.same(await jwksOf(app), first)
  t.not((await jwksOf(other)).keys[0]!.n, first.keys[0]!.n)
  t.not(first.keys[0]!.n, (await jwksOf((await testApp(t, { seed: 'x' })).app)).keys[0]!.n, 'and not the bundled key')
  const { id_token: idToken } = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  t.equal((await verifyIdToken(app, idToken)).payload.sub, AIGERIM)
})

t.test('userinfo: sub plus the granted fields, for an OIDC access token', async (t) => {
  const { app } = await testApp(t)
  const { access_token: accessToken } = (await oidcToken(app, { body: codeGrant((await oidcApprove(app, { scope: 'openid read.phone read.cards' })).code) })).json()
  for (const method of ['GET', 'POST'] as const) {
    const res = await app.inject({ method, url: '/api/v1/oidc/userinfo', headers: { authorization: `Bearer ${accessToken}` } })
    t.equal(res.statusCode, 200, method)
    t.equal(res.headers['cache-control'], 'no-store')
    t.same(res.json(), {
      sub: AIGERIM,
      id: AIGERIM,
      phone: '+77015550101',
      cards: [{ mask: '440043******0101', brand: 'VISA', expire: '09/29' }, { mask: '540012******0102', brand: 'MASTERCARD', expire: '03/28' }]
    }, method)
  }

  const cases: Array<[string | undefined, string]> = [[undefined, NO_TOKEN], ['Bearer nope', INVALID_TOKEN], ['Basic abc', NO_TOKEN], ['Bearer', INVALID_TOKEN]]
  for (const [authorization, challenge] of cases) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/oidc/userinfo', headers: authorization === undefined ? {} : { authorization } })
    t.equal(res.statusCode, 401, String(authorization))
    t.equal(res.headers['www-authenticate'], challenge, String(authorization))
    t.same(res.json(), { error: { message: 'Unauthenticated.', code: 100401 } })
  }

  const oauth2 = (await exchange(app, (await approve(app)).code)).json()
  const res = await app.inject({ method: 'GET', url: '/api/v1/oidc/userinfo', headers: { authorization: `Bearer ${oauth2.access_token}` } })
  t.equal(res.statusCode, 403, 'an OAuth2 token without the openid grant')
  t.equal(res.headers['www-authenticate'], 'Bearer realm="Freedom ID sandbox", error="insufficient_scope", scope="openid"')
  t.same(res.json(), { error: { message: 'The access token was not granted openid.', code: 100403 } })
})

t.test('every OIDC route is in /openapi.json, from the same schemas', async (t) => {
  const { app } = await testApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  for (const [path, method] of [
    ['/openid', 'get'], ['/api/v1/oidc/token', 'post'], ['/api/v1oidc//token', 'post'], ['/api/v1/oidc/userinfo', 'get'], ['/api/v1/oidc/userinfo', 'post'],
    ['/.well-known/openid-configuration', 'get'], ['/.well-known/jwks.json', 'get']
  ]) {
    t.ok(doc.paths[path!]?.[method!], `${method} ${path}`)
  }
  t.same(doc.paths['/api/v1/oidc/token'].post.requestBody.content['application/json'].schema.required, ['grant_type'])
})
