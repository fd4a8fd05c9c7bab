import t from 'tap'
import * as oauth from 'oauth4webapi'
import { AIGERIM, Browser, DEMO, KITAP, MODES, SCOPE, advanceClock, headless, nowSeconds, rejection, start, type Target } from './harness.js'

/**
 * oauth4webapi, the strictest of them: discovery from the issuer URL alone, every response
 * checked against the specs, the id_token's signature checked against the JWKS. Plain http
 * needs its allowInsecureRequests option, nothing else.
 */

const insecure = { [oauth.allowInsecureRequests]: true }

async function discover (issuer: string) {
  const url = new URL(issuer)
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, insecure))
}

interface Setup {
  as: oauth.AuthorizationServer
  client: oauth.Client
  auth: oauth.ClientAuth
}

async function setup (target: Target, overrides: Partial<oauth.Client> = {}): Promise<Setup> {
  return { as: await discover(target.issuer), client: { client_id: DEMO.id, ...overrides }, auth: oauth.ClientSecretBasic(DEMO.secret) }
}

async function authorizationUrl (as: oauth.AuthorizationServer, params: Record<string, string>) {
  const url = new URL(as.authorization_endpoint!)
  for (const [name, value] of Object.entries({ response_type: 'code', client_id: DEMO.id, redirect_uri: DEMO.redirectUri, scope: SCOPE, ...params })) {
    url.searchParams.set(name, value)
  }
  return url
}

/** A PKCE authorization request, ready to send, with what the callback must be checked against. */
async function request (s: Setup, extra: Record<string, string> = {}) {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const url = await authorizationUrl(s.as, { state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra })
  return { url, verifier, state, nonce }
}

async function exchange (s: Setup, req: Awaited<ReturnType<typeof request>>, callback: URL, options: { maxAge?: number, redirectUri?: string, verifier?: string } = {}) {
  const params = oauth.validateAuthResponse(s.as, s.client, callback, req.state)
  const response = await oauth.authorizationCodeGrantRequest(s.as, s.client, s.auth, params, options.redirectUri ?? DEMO.redirectUri, options.verifier ?? req.verifier, insecure)
  const result = await oauth.processAuthorizationCodeResponse(s.as, s.client, response, { expectedNonce: req.nonce, requireIdToken: true, maxAge: options.maxAge })
  await oauth.validateApplicationLevelSignature(s.as, response, insecure)
  return { result, claims: oauth.getValidatedIdTokenClaims(result)! }
}

for (const mode of MODES) {
  t.test(`oauth4webapi, ${mode}: discovery, code + PKCE, id_token against the JWKS, userinfo, refresh, prompt=none`, async (t) => {
    const target = await start(t, mode)
    const s = await setup(target)
    t.equal(s.as.issuer, target.issuer, 'the issuer is the URL it was discovered at')

    const browser = new Browser()
    const first = await request(s, { max_age: '300' })
    const { result, claims } = await exchange(s, first, await browser.login(first.url), { maxAge: 300 })
    t.equal(result.token_type, 'bearer')
    t.equal(result.expires_in, 604800)
    t.match(claims, { iss: target.issuer, sub: AIGERIM.id, aud: DEMO.id, nonce: first.nonce, auth_time: Number })
    t.ok(Math.abs(claims.auth_time! - nowSeconds()) < 60, 'auth_time is now')

    const userInfo = await oauth.processUserInfoResponse(s.as, s.client, claims.sub, await oauth.userInfoRequest(s.as, s.client, result.access_token, insecure))
    t.same(userInfo, { sub: AIGERIM.id, id: AIGERIM.id, email: AIGERIM.email, firstname: AIGERIM.firstname })

    const refreshResponse = await oauth.refreshTokenGrantRequest(s.as, s.client, s.auth, result.refresh_token!, insecure)
    const refreshed = await oauth.processRefreshTokenResponse(s.as, s.client, refreshResponse)
    await oauth.validateApplicationLevelSignature(s.as, refreshResponse, insecure)
    t.not(refreshed.access_token, result.access_token)
    t.match(oauth.getValidatedIdTokenClaims(refreshed), { iss: target.issuer, sub: AIGERIM.id, auth_time: claims.auth_time })

    const silent = await request(s, { prompt: 'none' })
    const back = await browser.authorize(silent.url)
    t.equal(`${back.origin}${back.pathname}`, DEMO.redirectUri, 'prompt=none: straight back, no page')
    const again = await exchange(s, silent, back, { maxAge: 300 })
    t.equal(again.claims.auth_time, claims.auth_time, 'the same sign-in')
    t.equal(again.claims.nonce, silent.nonce)

    const postAuth = { ...s, auth: oauth.ClientSecretPost(DEMO.secret) }
    const post = await request(postAuth)
    t.match((await exchange(postAuth, post, await headless(target, post.url))).claims, { sub: AIGERIM.id }, 'client_secret_post too')
  })

  t.test(`oauth4webapi, ${mode}: every error, as the library reports it`, async (t) => {
    const target = await start(t, mode)
    const s = await setup(target)
    const tokenError = async (step: string, response: Promise<Response>) => {
      const error = await rejection(step, response.then((res) => oauth.processGenericTokenEndpointResponse(s.as, s.client, res)))
      t.ok(error instanceof oauth.ResponseBodyError, `${step}: a ResponseBodyError, not "${String(error.message)}"`)
      return error
    }

    // Authorization errors come back on the redirect and validateAuthResponse names them.
    const callbackError = async (step: string, callback: URL, state: string) => {
      const error = await rejection(step, Promise.resolve().then(() => oauth.validateAuthResponse(s.as, s.client, callback, state)))
      t.ok(error instanceof oauth.AuthorizationResponseError, step)
      return error
    }
    const denied = await request(s)
    t.match(await callbackError('deny', await headless(target, denied.url, 'deny'), denied.state), { error: 'access_denied' })
    const silent = await request(s, { prompt: 'none' })
    t.match(await callbackError('prompt=none, nobody signed in', await new Browser().authorize(silent.url), silent.state), { error: 'login_required' })
    const badScope = await request(s, { scope: 'openid profile' })
    t.match(await callbackError('unknown scope', await new Browser().authorize(badScope.url), badScope.state), { error: 'invalid_scope', error_description: 'Unknown scope: profile.' })

    // Token errors: invalid_grant for each way the grant is wrong, and none burns the code.
    const req = await request(s)
    const callback = await headless(target, req.url)
    const params = oauth.validateAuthResponse(s.as, s.client, callback, req.state)
    const codeGrant = (redirectUri: string, verifier: string) => oauth.authorizationCodeGrantRequest(s.as, s.client, s.auth, params, redirectUri, verifier, insecure)
    t.match(await tokenError('wrong redirect_uri', codeGrant('https://shop.example/other', req.verifier)),
      { status: 400, error: 'invalid_grant', error_description: 'The redirect_uri differs from the one of the authorization request.' })
    t.match(await tokenError('wrong verifier', codeGrant(DEMO.redirectUri, oauth.generateRandomCodeVerifier())),
      { status: 400, error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge.' })
    const wrongSecret = await rejection('wrong secret', oauth.authorizationCodeGrantRequest(s.as, s.client, oauth.ClientSecretBasic('nope'), params, DEMO.redirectUri, req.verifier, insecure)
      .then((res) => oauth.processAuthorizationCodeResponse(s.as, s.client, res)))
    t.ok(wrongSecret instanceof oauth.WWWAuthenticateChallengeError, 'invalid_client with Basic: the challenge is what oauth4webapi reports')
    t.match(wrongSecret, { status: 401, cause: [{ scheme: 'basic', parameters: { realm: 'Freedom ID sandbox', charset: 'UTF-8' } }] })
    t.same(await wrongSecret.response.json(), { error: 'invalid_client', error_description: 'Client authentication failed: unknown client_id or wrong client_secret.' })
    t.match(await tokenError('wrong client_secret_post', oauth.authorizationCodeGrantRequest(s.as, s.client, oauth.ClientSecretPost('nope'), params, DEMO.redirectUri, req.verifier, insecure)),
      { status: 401, error: 'invalid_client' })
    const kitap = { client_id: KITAP.id }
    t.match(await tokenError("another client's code", oauth.authorizationCodeGrantRequest(s.as, kitap, oauth.ClientSecretBasic(KITAP.secret), params, DEMO.redirectUri, req.verifier, insecure)),
      { status: 400, error: 'invalid_grant' })
    const { result } = await exchange(s, req, callback)
    t.ok(result.access_token, 'none of that burnt the code')
    t.match(await tokenError('a used code', codeGrant(DEMO.redirectUri, req.verifier)),
      { status: 400, error: 'invalid_grant', error_description: 'The code is unknown, used, expired, or was issued to another client.' })

    const generic = (grantType: string, parameters: Record<string, string>) => oauth.genericTokenEndpointRequest(s.as, s.client, s.auth, grantType, parameters, insecure)
    t.match(await tokenError('password grant', generic('password', { username: AIGERIM.phone, password: 'Sandbox123!' })), { status: 400, error: 'unsupported_grant_type' })
    t.match(await tokenError('no code', generic('authorization_code', { redirect_uri: DEMO.redirectUri })), { status: 400, error: 'invalid_request', error_description: 'The code parameter is missing.' })
    t.match(await tokenError('a scope beyond the grants', oauth.refreshTokenGrantRequest(s.as, s.client, s.auth, result.refresh_token!, { ...insecure, additionalParameters: { scope: 'openid read.phone' } })),
      { status: 400, error: 'invalid_scope' })
    await oauth.processRefreshTokenResponse(s.as, s.client, await oauth.refreshTokenGrantRequest(s.as, s.client, s.auth, result.refresh_token!, insecure))
    t.match(await tokenError('a used refresh token', oauth.refreshTokenGrantRequest(s.as, s.client, s.auth, result.refresh_token!, insecure)),
      { status: 400, error: 'invalid_grant', error_description: 'The refresh_token is unknown, used, expired, or was issued to another client.' })

    // A Bearer token that is no good: the challenge says invalid_token.
    const userInfoError = await rejection('userinfo with a bad token', oauth.userInfoRequest(s.as, s.client, 'x'.repeat(128), insecure)
      .then((res) => oauth.processUserInfoResponse(s.as, s.client, AIGERIM.id, res)))
    t.ok(userInfoError instanceof oauth.WWWAuthenticateChallengeError)
    t.match(userInfoError, { status: 401, cause: [{ scheme: 'bearer', parameters: { realm: 'Freedom ID sandbox', error: 'invalid_token' } }] })

    // And the clock: an expired code is invalid_grant like any other.
    const late = await request(s)
    const lateCallback = await headless(target, late.url)
    await advanceClock(target, 300)
    const expired = oauth.validateAuthResponse(s.as, s.client, lateCallback, late.state)
    t.match(await tokenError('an expired code', oauth.authorizationCodeGrantRequest(s.as, s.client, s.auth, expired, DEMO.redirectUri, late.verifier, insecure)),
      { status: 400, error: 'invalid_grant' })
  })
}

t.test('oauth4webapi and the sandbox clock: exp and auth_time are checked against this machine\'s clock (30 s tolerance)', async (t) => {
  const target = await start(t, 'default settings', { accessTtl: 3600 })
  const s = await setup(target)
  const flow = async (client: oauth.Client, maxAge?: number) => {
    const req = await request(s)
    return exchange({ ...s, client }, req, await headless(target, req.url), { maxAge })
  }
  await advanceClock(target, 3600)
  t.match((await flow(s.client, 60)).claims, { iat: Number }, 'an hour ahead: accepted (a future iat is not checked)')

  await advanceClock(target, -3600 - 3720)
  const expired = await rejection('62 minutes behind', flow(s.client))
  t.match(expired, { code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', message: 'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp' },
    '62 minutes behind with ACCESS_TTL=3600: exp has passed')
  t.ok((await flow({ ...s.client, [oauth.clockSkew]: -3720 })).claims, 'clockSkew: -3720 (the server is that far behind) accepts it')

  await advanceClock(target, 3720 - 600)
  const old = await rejection('ten minutes behind, max_age 300', flow(s.client, 300))
  t.match(old, { message: 'too much time has elapsed since the last End-User authentication' }, 'auth_time + max_age is checked against this machine too')
  t.ok((await flow({ ...s.client, [oauth.clockTolerance]: 600 }, 300)).claims, 'clockTolerance: 600 accepts it')
})

t.test('oauth4webapi, default settings: the printed URL and localhost both discover, each its own issuer', async (t) => {
  const target = await start(t, 'default settings')
  const localhost = target.sandbox.url.replace('127.0.0.1', 'localhost')
  for (const issuer of [target.sandbox.url, localhost]) {
    const s = await setup({ ...target, issuer })
    t.equal(s.as.issuer, issuer)
    t.equal(new URL(s.as.token_endpoint!).origin, issuer)
    const req = await request(s)
    t.equal((await exchange(s, req, await headless(target, req.url))).claims.iss, issuer, `iss ${issuer}`)
  }
})
