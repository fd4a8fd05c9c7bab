import t from 'tap'
import { authorizationFact } from '../../src/http/journal-facts.js'
import { DEMO, DEMO_AUTH, testApp } from '../helpers/app.js'
import { AIGERIM, approve, exchange, refresh, userData } from '../helpers/flow.js'
import { CALLBACK, oidcApprove, oidcToken } from '../helpers/oidc.js'
import { findings } from '../helpers/report.js'

const lastFacts = async (app: Awaited<ReturnType<typeof testApp>>['app']) =>
  (await app.inject({ method: 'GET', url: '/__sandbox/requests?limit=1' })).json()[0].facts

t.test('what is wrong with an Authorization header', async (t) => {
  const b64 = (text: string) => Buffer.from(text).toString('base64')
  t.equal(authorizationFact(undefined, undefined), 'missing')
  t.equal(authorizationFact('  ', { grants: [] }), 'missing')
  t.equal(authorizationFact(undefined, { Client_Secret: 'x' }), 'credentials_in_body')
  t.equal(authorizationFact(undefined, 'text'), 'missing')
  t.equal(authorizationFact('Beareer abc', undefined), 'beareer')
  t.equal(authorizationFact('bearer abc', undefined), undefined)
  t.equal(authorizationFact('Digest x', undefined), 'other_scheme')
  t.equal(authorizationFact('Basic', undefined), 'basic_malformed')
  t.equal(authorizationFact('Basic ***', undefined), 'basic_malformed')
  t.equal(authorizationFact(`Basic ${b64('id%3Asecret')}`, undefined), 'basic_malformed', 'no colon at all')
  t.equal(authorizationFact(`Basic ${b64('id:s%40cret')}`, undefined), 'basic_percent_encoded')
  t.equal(authorizationFact(`Basic ${b64('id:wrong')}`, undefined), undefined, 'well-formed, merely wrong')
})

t.test('facts of refused Bearer requests: an access token where a refresh token belongs, a revoked one, an unknown one', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await approve(app)
  const pair = (await exchange(app, code)).json()
  t.equal(await lastFacts(app), undefined, 'a request that went well has no facts')
  t.equal((await refresh(app, pair.access_token)).statusCode, 401)
  t.same(await lastFacts(app), { client_id: DEMO.id, credential: 'access_token', credential_track_id: trackId })
  t.equal((await userData(app, 'A'.repeat(128))).statusCode, 401)
  t.same(await lastFacts(app), { credential: 'unknown' })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: 'Token' } })).statusCode, 401)
  t.same(await lastFacts(app), { authorization: 'other_scheme' }, 'a scheme with no token names no client')
  await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  t.equal((await userData(app, pair.access_token)).statusCode, 401)
  t.same(await lastFacts(app), { client_id: DEMO.id, credential: 'revoked_access', credential_track_id: trackId })
  t.same(await findings(app, 'access-token-expired'), [], 'a token ended by a logout is no expired one')
})

t.test('OIDC refresh grant: a rotated refresh token is reported, an unknown one is a fact only', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await oidcApprove(app)
  const tokens = (await oidcToken(app, { body: { grant_type: 'authorization_code', code, redirect_uri: CALLBACK } })).json()
  const again = (body: Record<string, string>) => oidcToken(app, { body: { grant_type: 'refresh_token', ...body } })
  t.equal((await again({ refresh_token: tokens.refresh_token })).statusCode, 200)
  t.equal((await again({ refresh_token: tokens.refresh_token })).statusCode, 400)
  t.same(await lastFacts(app), { credential: 'rotated_refresh', credential_track_id: trackId })
  t.equal((await again({ refresh_token: 'B'.repeat(128) })).statusCode, 400)
  t.same(await lastFacts(app), { credential: 'unknown' })
  t.equal((await oidcToken(app, { body: { grant_type: 'refresh_token' } })).statusCode, 400)
  t.same(await lastFacts(app), undefined, 'no credential, no verdict')
  t.same((await findings(app, 'refresh-token-rotated')).map((f) => f[1]), ['POST /api/v1/oidc/token (entry 6, 2030-01-01T00:00:00.000Z) answered 400: the refresh token had already been rotated'])
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH }, payload: {} })).statusCode, 422)
  t.same(await lastFacts(app), undefined)
})
