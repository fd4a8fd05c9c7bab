import t from 'tap'
import { Issuer, custom, errors, generators, type BaseClient } from 'openid-client-v5'
import { AIGERIM, Browser, DANIYAR, DEMO, KITAP, MODES, SCOPE, advanceClock, headless, nowSeconds, rejection, start, type Target } from './harness.js'

/**
 * openid-client 5 (still the most installed): Issuer.discover, then the Client it builds. It
 * checks the id_token's signature against the JWKS on every callback and refresh, with no clock
 * tolerance unless told.
 */

async function clientFor (target: Target, options: { secret?: string, auth?: 'client_secret_basic' | 'client_secret_post', id?: string, redirectUri?: string } = {}) {
  const issuer = await Issuer.discover(target.issuer)
  return new issuer.Client({
    client_id: options.id ?? DEMO.id,
    client_secret: options.secret ?? DEMO.secret,
    redirect_uris: [options.redirectUri ?? DEMO.redirectUri],
    response_types: ['code'],
    token_endpoint_auth_method: options.auth ?? 'client_secret_basic'
  })
}

function request (c: BaseClient, extra: Record<string, string> = {}) {
  const checks = { code_verifier: generators.codeVerifier(), state: generators.state(), nonce: generators.nonce() }
  const url = new URL(c.authorizationUrl({ scope: SCOPE, state: checks.state, nonce: checks.nonce, code_challenge: generators.codeChallenge(checks.code_verifier), code_challenge_method: 'S256', ...extra }))
  return { url, checks }
}

const callback = (c: BaseClient, url: URL, checks: object, redirectUri = DEMO.redirectUri) => c.callback(redirectUri, c.callbackParams(url.href), checks)

for (const mode of MODES) {
  t.test(`openid-client 5, ${mode}: discovery, code + PKCE, id_token against the JWKS, userinfo, refresh, prompt=none`, async (t) => {
    const target = await start(t, mode)
    const c = await clientFor(target)
    t.equal(c.issuer.metadata.issuer, target.issuer)

    const browser = new Browser()
    const first = request(c, { max_age: '300' })
    const tokens = await callback(c, await browser.login(first.url), { ...first.checks, max_age: 300 })
    t.equal(tokens.token_type, 'Bearer')
    t.equal(tokens.expires_in, 604800)
    const claims = tokens.claims()
    t.match(claims, { iss: target.issuer, sub: AIGERIM.id, aud: DEMO.id, nonce: first.checks.nonce, auth_time: Number })
    t.ok(Math.abs(claims.auth_time! - nowSeconds()) < 60)

    t.same(await c.userinfo(tokens), { sub: AIGERIM.id, id: AIGERIM.id, email: AIGERIM.email, firstname: AIGERIM.firstname })

    const refreshed = await c.refresh(tokens)
    t.not(refreshed.access_token, tokens.access_token)
    t.match(refreshed.claims(), { iss: target.issuer, sub: AIGERIM.id, auth_time: claims.auth_time })

    const silent = request(c, { prompt: 'none' })
    const again = await callback(c, await browser.authorize(silent.url), silent.checks)
    t.match(again.claims(), { sub: AIGERIM.id, auth_time: claims.auth_time, nonce: silent.checks.nonce }, 'prompt=none: the same sign-in, no page')

    const post = await clientFor(target, { id: KITAP.id, secret: KITAP.secret, auth: 'client_secret_post', redirectUri: KITAP.redirectUri })
    const kitap = request(post, { scope: 'openid read.email' })
    t.match((await callback(post, await headless(target, kitap.url), kitap.checks, KITAP.redirectUri)).claims(), { aud: KITAP.id }, 'client_secret_post, registered redirect_uris')
  })

  t.test(`openid-client 5, ${mode}: every error, as the library reports it`, async (t) => {
    const target = await start(t, mode)
    const c = await clientFor(target)
    const opError = async (step: string, promise: Promise<unknown>) => {
      const error = await rejection(step, promise)
      t.ok(error instanceof errors.OPError, `${step}: an OPError, not "${String(error.message)}"`)
      return error
    }

    const denied = request(c)
    t.match(await opError('deny', callback(c, await headless(target, denied.url, 'deny', DANIYAR), denied.checks)), { error: 'access_denied', state: denied.checks.state })
    const silent = request(c, { prompt: 'none' })
    t.match(await opError('prompt=none', callback(c, await new Browser().authorize(silent.url), silent.checks)), { error: 'login_required' })
    const badMaxAge = request(c, { max_age: 'soon' })
    t.match(await opError('max_age=soon', callback(c, await new Browser().authorize(badMaxAge.url), badMaxAge.checks)),
      { error: 'invalid_request', error_description: 'max_age must be a whole number of seconds.' })

    const req = request(c)
    const back = await headless(target, req.url)
    t.match(await opError('wrong redirect_uri', callback(c, back, req.checks, 'https://shop.example/other')),
      { error: 'invalid_grant', error_description: 'The redirect_uri differs from the one of the authorization request.', response: { statusCode: 400 } })
    t.match(await opError('wrong verifier', callback(c, back, { ...req.checks, code_verifier: generators.codeVerifier() })),
      { error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge.' })
    t.match(await opError('wrong secret', callback(await clientFor(target, { secret: 'nope' }), back, req.checks)),
      { error: 'invalid_client', response: { statusCode: 401, headers: { 'www-authenticate': 'Basic realm="Freedom ID sandbox", charset="UTF-8"' } } })
    const tokens = await callback(c, back, req.checks)
    t.ok(tokens.access_token, 'none of that burnt the code')
    t.match(await opError('a used code', callback(c, back, req.checks)), { error: 'invalid_grant' })

    t.match(await opError('password grant', c.grant({ grant_type: 'password', username: AIGERIM.phone, password: 'Sandbox123!' })), { error: 'unsupported_grant_type' })
    t.match(await opError('no code', c.grant({ grant_type: 'authorization_code', redirect_uri: DEMO.redirectUri })),
      { error: 'invalid_request', error_description: 'The code parameter is missing.' })
    t.match(await opError('a scope beyond the grants', c.refresh(tokens, { exchangeBody: { scope: 'openid read.cards' } })), { error: 'invalid_scope' })
    await c.refresh(tokens)
    t.match(await opError('a used refresh token', c.refresh(tokens)), { error: 'invalid_grant' })

    t.match(await opError('userinfo with a bad token', c.userinfo('x'.repeat(128))),
      { error: 'invalid_token', error_description: 'The access token is unknown, expired or revoked.', response: { statusCode: 401 } })

    const late = request(c)
    const lateBack = await headless(target, late.url)
    await advanceClock(target, 300)
    t.match(await opError('an expired code', callback(c, lateBack, late.checks)), { error: 'invalid_grant' })
  })
}

t.test('openid-client 5 and the sandbox clock: exp and auth_time against this machine\'s clock, no tolerance by default', async (t) => {
  const target = await start(t, 'default settings', { accessTtl: 3600 })
  const c = await clientFor(target)
  const flow = async (client: BaseClient, maxAge?: number) => {
    const req = request(client)
    return (await callback(client, await headless(target, req.url), { ...req.checks, ...(maxAge === undefined ? {} : { max_age: maxAge }) })).claims()
  }
  await advanceClock(target, 3600)
  t.ok(await flow(c, 60), 'an hour ahead: accepted')
  await advanceClock(target, -3600 - 3605)
  t.match(await rejection('a second past exp', flow(c)), { constructor: errors.RPError, message: /^JWT expired, now \d+, exp \d+$/ }, '3605 s behind with ACCESS_TTL=3600: expired')
  const tolerant = await clientFor(target)
  tolerant[custom.clock_tolerance] = 60
  t.ok(await flow(tolerant), 'clock_tolerance: 60 accepts it')
  await advanceClock(target, 3605 - 600)
  t.match(await rejection('ten minutes behind, max_age 300', flow(c, 300)), { message: /^too much time has elapsed since the last End-User authentication, max_age 300/ })
  tolerant[custom.clock_tolerance] = 600
  t.ok(await flow(tolerant, 300), 'clock_tolerance: 600 accepts it')
})
