import t from 'tap'
import * as client from 'openid-client'
import { AIGERIM, Browser, DANIYAR, DEMO, KITAP, MODES, SCOPE, advanceClock, headless, nowSeconds, rejection, start, type Target } from './harness.js'

/**
 * openid-client 6 (oauth4webapi underneath), from discovery alone, with the id_token's signature
 * checked against the JWKS (enableNonRepudiationChecks). Plain http needs allowInsecureRequests.
 */

async function configure (target: Target, options: { auth?: 'basic' | 'post', metadata?: Partial<client.ClientMetadata>, id?: string, secret?: string } = {}) {
  const id = options.id ?? DEMO.id
  const secret = options.secret ?? DEMO.secret
  const auth = options.auth === 'basic' ? client.ClientSecretBasic(secret) : client.ClientSecretPost(secret)
  const config = await client.discovery(new URL(target.issuer), id, { client_secret: secret, ...options.metadata }, auth, { execute: [client.allowInsecureRequests] })
  client.enableNonRepudiationChecks(config)
  return config
}

async function request (config: client.Configuration, extra: Record<string, string> = {}) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const expectedState = client.randomState()
  const expectedNonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: DEMO.redirectUri,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
    ...extra
  })
  return { url, checks: { pkceCodeVerifier, expectedState, expectedNonce } }
}

for (const mode of MODES) {
  t.test(`openid-client 6, ${mode}: discovery, code + PKCE, id_token against the JWKS, userinfo, refresh, prompt=none`, async (t) => {
    const target = await start(t, mode)
    const config = await configure(target)
    t.equal(config.serverMetadata().issuer, target.issuer)
    t.same(config.serverMetadata().prompt_values_supported, ['none', 'login', 'consent', 'select_account'])

    const browser = new Browser()
    const first = await request(config, { max_age: '300' })
    t.equal(first.url.pathname, '/openid')
    const tokens = await client.authorizationCodeGrant(config, await browser.login(first.url), { ...first.checks, maxAge: 300 })
    t.equal(tokens.token_type, 'bearer', 'the library lower-cases "Bearer"')
    t.equal(tokens.expires_in, 604800)
    const claims = tokens.claims()!
    t.match(claims, { iss: target.issuer, sub: AIGERIM.id, aud: DEMO.id, nonce: first.checks.expectedNonce, auth_time: Number })
    t.equal(claims.exp - claims.iat, 604800)
    t.ok(Math.abs(claims.iat - nowSeconds()) < 60, 'iat is now')

    t.same(await client.fetchUserInfo(config, tokens.access_token, claims.sub), { sub: AIGERIM.id, id: AIGERIM.id, email: AIGERIM.email, firstname: AIGERIM.firstname })

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!)
    t.not(refreshed.access_token, tokens.access_token)
    t.match(refreshed.claims(), { iss: target.issuer, sub: AIGERIM.id, aud: DEMO.id, auth_time: claims.auth_time })
    t.equal(refreshed.claims()!.nonce, undefined)
    const narrowed = await client.refreshTokenGrant(config, refreshed.refresh_token!, { scope: 'openid read.email' })
    t.same(await client.fetchUserInfo(config, narrowed.access_token, claims.sub), { sub: AIGERIM.id, id: AIGERIM.id, email: AIGERIM.email }, 'a narrower scope on refresh')

    const silent = await request(config, { prompt: 'none' })
    const again = await client.authorizationCodeGrant(config, await browser.authorize(silent.url), silent.checks)
    t.match(again.claims(), { sub: AIGERIM.id, auth_time: claims.auth_time, nonce: silent.checks.expectedNonce }, 'prompt=none: the same sign-in, no page')

    const kitap = await configure(target, { auth: 'basic', id: KITAP.id, secret: KITAP.secret })
    const state = client.randomState()
    const nonce = client.randomNonce()
    const kitapUrl = client.buildAuthorizationUrl(kitap, { redirect_uri: KITAP.redirectUri, scope: 'openid read.email', state, nonce })
    const kitapTokens = await client.authorizationCodeGrant(kitap, await headless(target, kitapUrl), { expectedState: state, expectedNonce: nonce })
    t.match(kitapTokens.claims(), { sub: AIGERIM.id, aud: KITAP.id, nonce }, 'client_secret_basic, a client with registered redirect_uris, no PKCE')
  })

  t.test(`openid-client 6, ${mode}: every error, as the library reports it`, async (t) => {
    const target = await start(t, mode)
    const config = await configure(target)

    const denied = await request(config)
    t.match(await rejection('deny', client.authorizationCodeGrant(config, await headless(target, denied.url, 'deny', DANIYAR), denied.checks)),
      { constructor: client.AuthorizationResponseError, error: 'access_denied', error_description: 'The user denied access.' })
    const silent = await request(config, { prompt: 'none' })
    t.match(await rejection('prompt=none', client.authorizationCodeGrant(config, await new Browser().authorize(silent.url), silent.checks)),
      { constructor: client.AuthorizationResponseError, error: 'login_required' })
    const badPrompt = await request(config, { prompt: 'none login' })
    t.match(await rejection('prompt=none login', client.authorizationCodeGrant(config, await new Browser().authorize(badPrompt.url), badPrompt.checks)),
      { constructor: client.AuthorizationResponseError, error: 'invalid_request', error_description: 'prompt=none cannot be combined with other values.' })

    const req = await request(config)
    const callback = await headless(target, req.url)
    const tokenError = async (step: string, promise: Promise<unknown>) => {
      const error = await rejection(step, promise)
      t.ok(error instanceof client.ResponseBodyError, `${step}: a ResponseBodyError, not "${String(error.message)}"`)
      return error
    }
    t.match(await tokenError('wrong verifier', client.authorizationCodeGrant(config, callback, { ...req.checks, pkceCodeVerifier: client.randomPKCECodeVerifier() })),
      { status: 400, error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge.' })
    // openid-client sends the URL it was called back at as the redirect_uri.
    const elsewhere = new URL(`https://shop.example/other${callback.search}`)
    t.match(await tokenError('wrong redirect_uri', client.authorizationCodeGrant(config, elsewhere, req.checks)),
      { status: 400, error: 'invalid_grant', error_description: 'The redirect_uri differs from the one of the authorization request.' })
    const wrongSecret = await configure(target, { secret: 'nope' })
    t.match(await tokenError('wrong client_secret_post', client.authorizationCodeGrant(wrongSecret, callback, req.checks)), { status: 401, error: 'invalid_client' })
    const wrongBasic = await configure(target, { auth: 'basic', secret: 'nope' })
    const challenged = await rejection('wrong Basic secret', client.authorizationCodeGrant(wrongBasic, callback, req.checks))
    t.match(challenged, { constructor: client.WWWAuthenticateChallengeError, status: 401, cause: [{ scheme: 'basic', parameters: { charset: 'UTF-8' } }] })
    const tokens = await client.authorizationCodeGrant(config, callback, req.checks)
    t.ok(tokens.access_token, 'none of that burnt the code')
    t.match(await tokenError('a used code', client.authorizationCodeGrant(config, callback, req.checks)), { status: 400, error: 'invalid_grant' })

    t.match(await tokenError('password grant', client.genericGrantRequest(config, 'password', { username: AIGERIM.phone, password: 'Sandbox123!' })),
      { status: 400, error: 'unsupported_grant_type', error_description: 'The grant_type must be authorization_code or refresh_token.' })
    t.match(await tokenError('refresh grant without a token', client.genericGrantRequest(config, 'refresh_token', {})),
      { status: 400, error: 'invalid_request', error_description: 'The refresh_token parameter is missing.' })
    t.match(await tokenError('a scope beyond the grants', client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid read.phone' })),
      { status: 400, error: 'invalid_scope', error_description: 'The scope goes beyond what the refresh_token was granted (openid read.email read.firstname): read.phone.' })
    await client.refreshTokenGrant(config, tokens.refresh_token!)
    t.match(await tokenError('a used refresh token', client.refreshTokenGrant(config, tokens.refresh_token!)), { status: 400, error: 'invalid_grant' })

    const bearer = await rejection('userinfo with a bad token', client.fetchUserInfo(config, 'x'.repeat(128), AIGERIM.id))
    t.match(bearer, { constructor: client.WWWAuthenticateChallengeError, status: 401, cause: [{ scheme: 'bearer', parameters: { error: 'invalid_token' } }] })

    const late = await request(config)
    const lateCallback = await headless(target, late.url)
    await advanceClock(target, 300)
    t.match(await tokenError('an expired code', client.authorizationCodeGrant(config, lateCallback, late.checks)), { status: 400, error: 'invalid_grant' })
  })
}

t.test('openid-client 6 and the sandbox clock: exp and auth_time against this machine\'s clock (30 s tolerance)', async (t) => {
  const target = await start(t, 'default settings', { accessTtl: 3600 })
  const flow = async (config: client.Configuration, maxAge?: number) => {
    const req = await request(config)
    return (await client.authorizationCodeGrant(config, await headless(target, req.url), { ...req.checks, maxAge })).claims()
  }
  const config = await configure(target)
  await advanceClock(target, 3600)
  t.ok(await flow(config, 60), 'an hour ahead: accepted')
  await advanceClock(target, -3600 - 3720)
  t.match(await rejection('62 minutes behind', flow(config)),
    { message: 'JWT timestamp claim value failed validation', cause: { message: 'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp' } })
  t.ok(await flow(await configure(target, { metadata: { [client.clockSkew]: -3720 } })), 'clockSkew in the client metadata accepts it')
  await advanceClock(target, 3720 - 600)
  t.match(await rejection('ten minutes behind, max_age 300', flow(config, 300)),
    { message: 'JWT timestamp claim value failed validation', cause: { message: 'too much time has elapsed since the last End-User authentication' } })
  t.ok(await flow(await configure(target, { metadata: { [client.clockTolerance]: 600 } }), 300), 'clockTolerance: 600 accepts it')
})
