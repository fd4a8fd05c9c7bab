import t from 'tap'
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'
import { createHash, randomBytes } from 'node:crypto'
import { AIGERIM, Browser, DEMO, MODES, SCOPE, advanceClock, headless, nowSeconds, rejection, start, type Target } from './harness.js'

/**
 * jose 6 with nothing else: what a merchant writes who calls the endpoints with fetch and
 * verifies the id_token against the remote JWKS themselves.
 */

interface Discovery { issuer: string, authorization_endpoint: string, token_endpoint: string, userinfo_endpoint: string, jwks_uri: string }

const basic = `Basic ${Buffer.from(`${DEMO.id}:${DEMO.secret}`).toString('base64')}`
const random = () => randomBytes(32).toString('base64url')

async function discover (target: Target): Promise<Discovery> {
  const res = await fetch(`${target.issuer}/.well-known/openid-configuration`)
  if (res.status !== 200) throw new Error(`discovery answered ${res.status}`)
  return res.json() as Promise<Discovery>
}

function authorizationRequest (doc: Discovery, extra: Record<string, string> = {}) {
  const verifier = random()
  const state = random()
  const nonce = random()
  const url = new URL(doc.authorization_endpoint)
  const params = { response_type: 'code', client_id: DEMO.id, redirect_uri: DEMO.redirectUri, scope: SCOPE, state, nonce, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', ...extra }
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return { url, verifier, state, nonce }
}

const tokenRequest = (doc: Discovery, fields: Record<string, string>, authorization = basic) =>
  fetch(doc.token_endpoint, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })

async function tokens (doc: Discovery, fields: Record<string, string>) {
  const res = await tokenRequest(doc, fields)
  if (res.status !== 200) throw new Error(`the token endpoint answered ${res.status}: ${await res.text()}`)
  return res.json() as Promise<{ access_token: string, refresh_token: string, id_token: string, expires_in: number, token_type: string }>
}

const verifier = (doc: Discovery) => {
  const jwks = createRemoteJWKSet(new URL(doc.jwks_uri))
  return (idToken: string, options: Parameters<typeof jwtVerify>[2] = {}) =>
    jwtVerify<JWTPayload & { nonce?: string, auth_time: number }>(idToken, jwks, { issuer: doc.issuer, audience: DEMO.id, algorithms: ['RS256'], requiredClaims: ['sub', 'iat', 'auth_time'], ...options })
}

for (const mode of MODES) {
  t.test(`jose, ${mode}: discovery, code + PKCE, id_token against the remote JWKS, userinfo, refresh`, async (t) => {
    const target = await start(t, mode)
    const doc = await discover(target)
    t.equal(doc.issuer, target.issuer)
    t.equal(new URL(doc.jwks_uri).origin, new URL(target.issuer).origin, 'the JWKS is where the client can reach it')
    const verify = verifier(doc)

    const browser = new Browser()
    const req = authorizationRequest(doc)
    const callback = await browser.login(req.url)
    t.equal(callback.searchParams.get('state'), req.state)
    const first = await tokens(doc, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: DEMO.redirectUri, code_verifier: req.verifier })
    t.equal(first.token_type, 'Bearer')
    const { payload, protectedHeader } = await verify(first.id_token, { maxTokenAge: '1m' })
    t.match(protectedHeader, { alg: 'RS256', typ: 'JWT', kid: /^[A-Za-z0-9_-]{43}$/ })
    t.match(payload, { iss: target.issuer, sub: AIGERIM.id, aud: DEMO.id, nonce: req.nonce })
    t.ok(Math.abs(payload.auth_time - nowSeconds()) < 60)

    const userInfo = await fetch(doc.userinfo_endpoint, { headers: { authorization: `Bearer ${first.access_token}` } })
    t.same(await userInfo.json(), { sub: AIGERIM.id, id: AIGERIM.id, email: AIGERIM.email, firstname: AIGERIM.firstname })

    const second = await tokens(doc, { grant_type: 'refresh_token', refresh_token: first.refresh_token })
    t.match((await verify(second.id_token)).payload, { sub: AIGERIM.id, auth_time: payload.auth_time })
    t.equal((await verify(second.id_token)).payload.nonce, undefined)

    const silent = authorizationRequest(doc, { prompt: 'none' })
    const back = await browser.authorize(silent.url)
    const third = await tokens(doc, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: DEMO.redirectUri, code_verifier: silent.verifier })
    t.match((await verify(third.id_token)).payload, { nonce: silent.nonce, auth_time: payload.auth_time }, 'prompt=none: the same sign-in')
  })

  t.test(`jose, ${mode}: every error, as the endpoints and jose report it`, async (t) => {
    const target = await start(t, mode)
    const doc = await discover(target)
    const verify = verifier(doc)
    const req = authorizationRequest(doc)
    const code = (await headless(target, req.url)).searchParams.get('code')!
    const grant = { grant_type: 'authorization_code', code, redirect_uri: DEMO.redirectUri, code_verifier: req.verifier }
    const refused = async (fields: Record<string, string>, authorization?: string) => {
      const res = await tokenRequest(doc, fields, authorization)
      return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') }
    }
    t.match(await refused({ ...grant, redirect_uri: 'https://shop.example/other' }), { status: 400, body: { error: 'invalid_grant' }, challenge: null })
    t.match(await refused({ ...grant, code_verifier: random() }), { status: 400, body: { error: 'invalid_grant' } })
    t.match(await refused(grant, `Basic ${Buffer.from(`${DEMO.id}:nope`).toString('base64')}`),
      { status: 401, body: { error: 'invalid_client' }, challenge: 'Basic realm="Freedom ID sandbox", charset="UTF-8"' })
    t.match(await refused({ grant_type: 'client_credentials' }), { status: 400, body: { error: 'unsupported_grant_type' } })
    t.match(await refused({ grant_type: 'authorization_code', redirect_uri: DEMO.redirectUri }), { status: 400, body: { error: 'invalid_request', error_description: 'The code parameter is missing.' } })
    const good = await tokens(doc, grant)
    t.match(await refused(grant), { status: 400, body: { error: 'invalid_grant' } }, 'a used code')
    t.match(await refused({ grant_type: 'refresh_token', refresh_token: good.refresh_token, scope: 'openid read.phone' }), { status: 400, body: { error: 'invalid_scope' } })

    const bearer = await fetch(doc.userinfo_endpoint, { headers: { authorization: `Bearer ${'x'.repeat(128)}` } })
    t.equal(bearer.status, 401)
    t.match(bearer.headers.get('www-authenticate'), /^Bearer realm="Freedom ID sandbox", error="invalid_token"/)

    // What jose refuses in the id_token itself.
    t.match(await rejection('another audience', verify(good.id_token, { audience: 'someone-else' })), { constructor: errors.JWTClaimValidationFailed, claim: 'aud' })
    t.match(await rejection('another issuer', verify(good.id_token, { issuer: 'https://passport.freedompay.kz' })), { constructor: errors.JWTClaimValidationFailed, claim: 'iss' })
    const [header, body, signature] = good.id_token.split('.')
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')
    t.match(await rejection('a changed payload', verify(`${header}.${forged}.${signature}`)), { constructor: errors.JWSSignatureVerificationFailed })
    const other = await start(t, 'default settings')
    const otherDoc = await discover(other)
    const otherReq = authorizationRequest(otherDoc)
    const stranger = await tokens(otherDoc, { grant_type: 'authorization_code', code: (await headless(other, otherReq.url)).searchParams.get('code')!, redirect_uri: DEMO.redirectUri, code_verifier: otherReq.verifier })
    t.match(await rejection("another sandbox's id_token", verify(stranger.id_token, { issuer: otherDoc.issuer })), { constructor: errors.JWKSNoMatchingKey }, 'signed by a key this JWKS does not hold')
  })
}

t.test('jose and the sandbox clock: exp always, iat only with maxTokenAge; clockTolerance and currentDate', async (t) => {
  const target = await start(t, 'default settings', { accessTtl: 3600 })
  const doc = await discover(target)
  const verify = verifier(doc)
  const idToken = async () => {
    const req = authorizationRequest(doc)
    return (await tokens(doc, { grant_type: 'authorization_code', code: (await headless(target, req.url)).searchParams.get('code')!, redirect_uri: DEMO.redirectUri, code_verifier: req.verifier })).id_token
  }
  await advanceClock(target, 3600)
  const ahead = await idToken()
  t.ok(await verify(ahead), 'an hour ahead: accepted without maxTokenAge')
  t.match(await rejection('an hour ahead, maxTokenAge', verify(ahead, { maxTokenAge: '10m' })),
    { constructor: errors.JWTClaimValidationFailed, message: '"iat" claim timestamp check failed (it should be in the past)' })
  t.ok(await verify(ahead, { maxTokenAge: '10m', clockTolerance: '2h' }), 'clockTolerance covers it')
  await advanceClock(target, -3600 - 3605)
  const behind = await idToken()
  t.match(await rejection('3605 s behind', verify(behind)), { constructor: errors.JWTExpired, claim: 'exp' })
  t.ok(await verify(behind, { currentDate: new Date(Date.now() - 3605_000) }), 'currentDate: verify on the sandbox\'s own time line')
})
