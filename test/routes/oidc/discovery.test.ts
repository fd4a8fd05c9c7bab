import t from 'tap'
import { decodeProtectedHeader } from 'jose'
import { SETTINGS } from '../../../src/config.js'
import { plainHost } from '../../../src/http/issuer.js'
import { AUTHORIZE, DEMO, DEMO_AUTH, INVALID_TOKEN, NO_TOKEN, authorizeBody, testApp } from '../../helpers/app.js'
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
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'auth_time', 'id', 'firstname', 'lastname', 'patronymic', 'date_of_birth', 'gender',
      'country', 'nationality', 'identifier', 'phone', 'phones', 'email', 'emails', 'cards'],
    claim_types_supported: ['normal'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false
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

t.test('neither PUBLIC_URL nor ISSUER: discovery and iss follow the Host the client used', async (t) => {
  const { app } = await testApp(t, { publicUrl: undefined })
  const discover = (host?: string) => app.inject({ method: 'GET', url: '/.well-known/openid-configuration', headers: host === undefined ? {} : { host } })
  for (const [host, base] of [
    ['127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['localhost:8080', 'http://localhost:8080'],
    ['LocalHost:3000', 'http://localhost:3000'],
    ['[::1]:8080', 'http://[::1]:8080'],
    ['sandbox.ci.internal', 'http://sandbox.ci.internal'],
    ['localhost:80', 'http://localhost']
  ]) {
    const doc = (await discover(host)).json()
    t.same([doc.issuer, doc.authorization_endpoint, doc.token_endpoint, doc.userinfo_endpoint, doc.jwks_uri],
      [base, `${base}/openid`, `${base}/api/v1/oidc/token`, `${base}/api/v1/oidc/userinfo`, `${base}/.well-known/jwks.json`], host!)
  }
  // Not a plain host[:port]: the default, never an echo of what was sent.
  for (const host of ['evil.example/x', 'user@evil.example', 'a b', '127.1:8080', 'localhost:08080', 'localhost:99999', '[zz]:80', '[::1', 'localhost.',
    'x:1:2', '-lead.example', `${'a'.repeat(64)}.example`, `${'abc.'.repeat(70)}example`, 'ex_ample.test', 'evil.example#', 'evil.example?x', '"><script>']) {
    t.equal((await discover(host)).json().issuer, 'http://localhost:8080', JSON.stringify(host).slice(0, 40))
  }

  const token = async (host: string, body: Record<string, string>) =>
    (await app.inject({ method: 'POST', url: '/api/v1/oidc/token', headers: { host, authorization: DEMO_AUTH, 'content-type': 'application/json' }, payload: body })).json()
  const first = await token('127.0.0.1:8080', codeGrant((await oidcApprove(app)).code))
  t.equal((await verifyIdToken(app, first.id_token, { issuer: 'http://127.0.0.1:8080' })).payload.iss, 'http://127.0.0.1:8080', 'iss: the token request\'s Host')
  const refreshed = await token('localhost:8080', { grant_type: 'refresh_token', refresh_token: first.refresh_token })
  t.equal((await verifyIdToken(app, refreshed.id_token)).payload.iss, 'http://localhost:8080', 'a refresh at another address gets that issuer')

  const link = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { host: '127.0.0.1:8080', authorization: DEMO_AUTH, 'content-type': 'application/json' }, payload: authorizeBody })
  t.match(link.json().redirect_uri, /^http:\/\/localhost:8080\/login\?track_id=/, 'the OAuth2 login links stay at the default address (docs/settings.md)')
})

t.test('--help says what neither ISSUER nor PUBLIC_URL set means, as docs/settings.md does', async (t) => {
  t.match(SETTINGS.issuer.help, /with neither ISSUER nor PUBLIC_URL set, it follows the Host the client used/)
  t.match(SETTINGS.issuer.shown, /^PUBLIC_URL, else the Host used$/)
  t.match(SETTINGS.publicUrl.help, /fixes the OIDC issuer and endpoints \(with neither PUBLIC_URL nor ISSUER set, they follow the Host the client used\)/)
})

t.test('PUBLIC_URL, or ISSUER alone: fixed, whatever the Host', async (t) => {
  const discover = async (app: Awaited<ReturnType<typeof testApp>>['app']) =>
    (await app.inject({ method: 'GET', url: '/.well-known/openid-configuration', headers: { host: '127.0.0.1:9999' } })).json()
  const behindProxy = (await testApp(t, { publicUrl: 'https://sandbox.example' })).app
  t.match(await discover(behindProxy), { issuer: 'https://sandbox.example', token_endpoint: 'https://sandbox.example/api/v1/oidc/token' })
  const { id_token: idToken } = (await oidcToken(behindProxy, { body: codeGrant((await oidcApprove(behindProxy)).code) })).json()
  t.equal((await verifyIdToken(behindProxy, idToken)).payload.iss, 'https://sandbox.example')

  const production = (await testApp(t, { publicUrl: undefined, issuer: 'https://passport.freedompay.kz' })).app
  t.match(await discover(production), { issuer: 'https://passport.freedompay.kz', token_endpoint: 'http://localhost:8080/api/v1/oidc/token' },
    'ISSUER alone: the endpoints at the default address, as before')
})

t.test('plainHost: canonical host[:port] or nothing', async (t) => {
  t.equal(plainHost(undefined), undefined, 'no Host (HTTP/1.0)')
  t.equal(plainHost(''), undefined)
  t.equal(plainHost('Example.TEST:443'), 'example.test:443')
  t.equal(plainHost('[0:0:0:0:0:0:0:1]:8080'), undefined, 'IPv6 only in its canonical form')
  t.equal(plainHost(`${'a'.repeat(63)}.example`), `${'a'.repeat(63)}.example`, 'the longest label')
  t.equal(plainHost('x'.repeat(261)), undefined)
})
