import t from 'tap'
import { decodeJwt } from 'jose'
import { createOidcService, s256, verifierProblem } from '../../src/domain/oidc.js'
import { OAuthError } from '../../src/errors.js'
import { CLOCK_START_S, DEMO, testApp } from '../helpers/app.js'
import { AIGERIM } from '../helpers/flow.js'
import { CALLBACK, CHALLENGE, NONCE, VERIFIER, codeGrant, oidcApprove, oidcToken } from '../helpers/oidc.js'

const ISS = 'http://sandbox.test'
const serviceOf = (app: Awaited<ReturnType<typeof testApp>>['app']) => createOidcService(app.sandbox)

t.test('S256 as RFC 7636 appendix B computes it', async (t) => {
  t.equal(s256(VERIFIER), CHALLENGE)
  t.equal(verifierProblem(CHALLENGE, VERIFIER), undefined)
  t.equal(verifierProblem(undefined, undefined), undefined)
  t.equal(verifierProblem(s256('a'.repeat(128)), 'a'.repeat(128)), undefined, 'the longest verifier')
  t.equal(verifierProblem(s256('a'.repeat(129)), 'a'.repeat(129)), 'code_verifier does not match the code_challenge.', 'one longer is not a verifier')
})

t.test('two exchanges of one code at once: exactly one wins', async (t) => {
  const { app } = await testApp(t)
  const oidc = serviceOf(app)
  const { code } = await oidcApprove(app)
  const results = await Promise.allSettled([1, 2, 3].map(() => oidc.exchange(DEMO.id, { code, redirectUri: CALLBACK, issuer: ISS })))
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
  for (const result of results.filter((r) => r.status === 'rejected')) {
    t.ok(result.reason instanceof OAuthError)
    t.match(result.reason, { status: 400, error: 'invalid_grant', envelope: { status: 400, code: 100101, message: 'Invalid authorization_code.' } })
  }
})

t.test('two refreshes of one token at once: exactly one wins', async (t) => {
  const { app } = await testApp(t)
  const oidc = serviceOf(app)
  const first = await oidc.exchange(DEMO.id, { code: (await oidcApprove(app)).code, redirectUri: CALLBACK, issuer: ISS })
  t.equal(first.trackId.length, 36)
  const results = await Promise.allSettled([1, 2].map(() => oidc.refresh(DEMO.id, { refreshToken: first.reply.refresh_token, issuer: ISS })))
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
  t.match(results.find((r) => r.status === 'rejected'), { reason: { status: 400, error: 'invalid_grant', envelope: { status: 400, code: 100400, message: 'Invalid refresh_token.' } } })
})

t.test('the code carries what the token request must match; the OAuth2 flow\'s codes carry nothing', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app, { code_challenge: CHALLENGE, code_challenge_method: 'S256' })
  t.match(await app.sandbox.codes.find(code, DEMO.id, 'oidc'), { client_id: DEMO.id, oidc: { redirect_uri: CALLBACK, nonce: NONCE, code_challenge: CHALLENGE } })
  t.equal(await app.sandbox.codes.find(code, DEMO.id), undefined, 'the default flow is oauth2')
  t.equal(await app.sandbox.codes.redeem(code, DEMO.id), undefined)
  t.ok(await app.sandbox.codes.redeem(code, DEMO.id, 'oidc'))
})

t.test('a pair or code stored without auth_time (by an older replica) counts from its issue', async (t) => {
  const { app } = await testApp(t)
  const pair = await app.sandbox.tokens.issue({ client_id: DEMO.id, user_id: AIGERIM, track_id: '00000000-0000-4000-8000-000000000000', grants: ['openid'] })
  t.equal(pair.auth_time, undefined)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 90 } })
  const { reply } = await serviceOf(app).refresh(DEMO.id, { refreshToken: pair.refresh_token, issuer: ISS })
  t.match(decodeJwt(reply.id_token), { sub: AIGERIM, iat: CLOCK_START_S + 90, auth_time: CLOCK_START_S })

  const code = await app.sandbox.codes.issue({ track_id: pair.track_id, client_id: DEMO.id, user_id: AIGERIM, grants: ['openid'], oidc: { redirect_uri: CALLBACK, nonce: NONCE } })
  const exchanged = await serviceOf(app).exchange(DEMO.id, { code: code.code, redirectUri: CALLBACK, issuer: ISS })
  t.match(decodeJwt(exchanged.reply.id_token), { auth_time: CLOCK_START_S + 90, nonce: NONCE }, 'and a code without one, its exchange time')
})

t.test('a signing key the store fails to give fails the token request before the code or the refresh token is spent', async (t) => {
  const { app } = await testApp(t)
  let failing = true
  const { idTokens } = app.sandbox
  const flaky = {
    ...idTokens,
    async signer () {
      if (failing) throw new Error('the store is away')
      return await idTokens.signer()
    }
  }
  const oidc = createOidcService({ ...app.sandbox, idTokens: flaky })
  const { code } = await oidcApprove(app)
  await t.rejects(oidc.exchange(DEMO.id, { code, redirectUri: CALLBACK, issuer: ISS }), { message: 'the store is away' })
  failing = false
  const first = await oidc.exchange(DEMO.id, { code, redirectUri: CALLBACK, issuer: ISS })
  t.ok(first.reply.id_token, 'the retry gets its tokens: the code was not spent')
  failing = true
  await t.rejects(oidc.refresh(DEMO.id, { refreshToken: first.reply.refresh_token, issuer: ISS }), { message: 'the store is away' })
  failing = false
  t.ok((await oidc.refresh(DEMO.id, { refreshToken: first.reply.refresh_token, issuer: ISS })).reply.id_token, 'nor the refresh token')
})

t.test('the token endpoint runs the sandbox\'s one OIDC service, built with the other services', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app)
  const asked: string[] = []
  const { exchange } = app.sandbox.oidc
  app.sandbox.oidc.exchange = async (clientId, input) => {
    asked.push(`${clientId} ${input.code} ${input.issuer}`)
    return exchange(clientId, input)
  }
  t.equal((await oidcToken(app, { body: codeGrant(code) })).statusCode, 200)
  t.same(asked, [`${DEMO.id} ${code} ${ISS}`])
})
