import t from 'tap'
import { DEMO, DEMO_AUTH, INVALID_TOKEN, KITAP_AUTH, NO_TOKEN, basic, testApp } from '../../helpers/app.js'
import { AIGERIM, approve, authorize, exchange, refresh, signIn, consent, userData } from '../../helpers/flow.js'
import { codeGrant, oidcApprove, oidcToken } from '../../helpers/oidc.js'

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const TOKEN = /^[A-Za-z0-9]{128}$/
const INVALID_CODE = { error: { message: 'Invalid authorization_code.', code: 100101 } }
const UNAUTHENTICATED = { error: { message: 'Unauthenticated.', code: 100401 } }

t.test('a code buys a token pair in the documented shape', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await approve(app)
  const res = await exchange(app, code)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.same(Object.keys(body), ['id', 'access_token', 'refresh_token', 'access_expire_at', 'refresh_expire_at'])
  t.match(body.id, V7)
  t.equal(parseInt(body.id.replace(/-/g, '').slice(0, 12), 16), Date.UTC(2030, 0, 1), 'the id carries the issue time')
  t.match(body.access_token, TOKEN)
  t.match(body.refresh_token, TOKEN)
  t.equal(body.access_expire_at, '2030-01-08T00:00:00.000000Z', '7 days')
  t.equal(body.refresh_expire_at, '2030-02-01T00:00:00.000000Z', 'one calendar month')
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'exchanged')
})

t.test('ACCESS_TTL and REFRESH_TTL set the lives', async (t) => {
  const { app } = await testApp(t, { accessTtl: 60, refreshTtl: 3600 })
  const body = (await exchange(app, (await approve(app)).code)).json()
  t.equal(body.access_expire_at, '2030-01-01T00:01:00.000000Z')
  t.equal(body.refresh_expire_at, '2030-01-01T01:00:00.000000Z')
})

t.test('codes: single use, bound to their client, CODE_TTL, unknown', async (t) => {
  const { app } = await testApp(t, { codeTtl: 30 })
  const { code } = await approve(app)
  t.equal((await exchange(app, code)).statusCode, 200)
  const replay = await exchange(app, code)
  t.equal(replay.statusCode, 400)
  t.equal(replay.headers['content-type'], 'application/json; charset=utf-8')
  t.same(replay.json(), INVALID_CODE, 'a replayed code')

  const other = await approve(app)
  const wrongClient = await exchange(app, other.code, KITAP_AUTH)
  t.equal(wrongClient.statusCode, 400)
  t.same(wrongClient.json(), INVALID_CODE, 'a code from another client')
  t.equal((await exchange(app, other.code)).statusCode, 200, 'the other client\'s attempt did not burn it')

  const late = await approve(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 29 } })
  const inTime = await approve(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 1 } })
  t.same((await exchange(app, late.code)).json(), INVALID_CODE, 'an expired code')
  t.equal((await exchange(app, inTime.code)).statusCode, 200, 'a code within CODE_TTL')

  t.same((await exchange(app, 'x'.repeat(64))).json(), INVALID_CODE, 'an unknown code')
})

t.test('exchange: client auth first, then the body', async (t) => {
  const { app } = await testApp(t)
  const { code } = await approve(app)
  const noAuth = await app.inject({ method: 'POST', url: '/api/v1/oauth/token', payload: { authorization_code: code } })
  t.equal(noAuth.statusCode, 401)
  t.equal(noAuth.headers['www-authenticate'], 'Basic realm="Freedom ID sandbox", charset="UTF-8"')
  t.same(noAuth.json(), UNAUTHENTICATED)
  t.equal((await exchange(app, code, basic(DEMO.id, 'bad'))).statusCode, 401)
  for (const [payload, message] of [[{}, 'The Authorization code field is required.'], [{ authorization_code: '' }, 'The Authorization code field is required.'], [{ authorization_code: 5 }, 'The Authorization code field must be a string.']] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH }, payload })
    t.equal(res.statusCode, 422)
    t.same(res.json(), { error: { message: 'Error validating transmitted data.', errors: { authorization_code: [message] } } })
  }
  t.equal((await exchange(app, code)).statusCode, 200, 'failed attempts left the code alone')
})

t.test('refresh rotates: a new pair, the old refresh token dead, the old access token alive until it expires', async (t) => {
  const { app } = await testApp(t)
  const first = (await exchange(app, (await approve(app)).code)).json()
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '1d' } })
  const res = await refresh(app, first.refresh_token)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const second = res.json()
  t.same(Object.keys(second), ['id', 'access_token', 'refresh_token', 'access_expire_at', 'refresh_expire_at'])
  t.not(second.id, first.id)
  t.not(second.access_token, first.access_token)
  t.not(second.refresh_token, first.refresh_token)
  t.equal(second.access_expire_at, '2030-01-09T00:00:00.000000Z')
  t.equal(second.refresh_expire_at, '2030-02-02T00:00:00.000000Z')

  const again = await refresh(app, first.refresh_token)
  t.equal(again.statusCode, 401)
  t.equal(again.headers['www-authenticate'], INVALID_TOKEN, 'a dead refresh token is an invalid_token')
  t.same(again.json(), UNAUTHENTICATED)
  t.equal((await userData(app, first.access_token)).statusCode, 200, 'the old access token still works')
  t.equal((await userData(app, second.access_token)).json().id, AIGERIM, 'the new one carries the same user')
  t.equal((await refresh(app, second.refresh_token)).statusCode, 200)
})

t.test('refresh: any case of Bearer, a JSON content type with no body, garbage refused', async (t) => {
  const { app } = await testApp(t)
  const pair = (await exchange(app, (await approve(app)).code)).json()
  const res = await app.inject({ method: 'PATCH', url: '/api/v1/oauth/token', headers: { authorization: `bearer ${pair.refresh_token}`, 'content-type': 'application/json' } })
  t.equal(res.statusCode, 200)
  const cases: Array<[string | undefined, string]> = [[undefined, NO_TOKEN], ['Bearer', INVALID_TOKEN], [`Basic ${pair.refresh_token}`, NO_TOKEN],
    [`Beareer ${pair.refresh_token}`, NO_TOKEN], [`Bearer ${pair.access_token}`, INVALID_TOKEN], ['Bearer a b', INVALID_TOKEN]]
  for (const [authorization, challenge] of cases) {
    const denied = await app.inject({ method: 'PATCH', url: '/api/v1/oauth/token', headers: authorization === undefined ? {} : { authorization } })
    t.equal(denied.statusCode, 401, String(authorization).slice(0, 20))
    t.equal(denied.headers['www-authenticate'], challenge, String(authorization).slice(0, 20))
    t.same(denied.json(), UNAUTHENTICATED)
  }
})

t.test('an expired refresh token is dead', async (t) => {
  const { app } = await testApp(t, { refreshTtl: 120 })
  const pair = (await exchange(app, (await approve(app)).code)).json()
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 120 } })
  const expired = await refresh(app, pair.refresh_token)
  t.equal(expired.statusCode, 401)
  t.equal(expired.headers['www-authenticate'], INVALID_TOKEN)
})

t.test('the track moves issued -> opened -> signed_in -> code_issued -> exchanged', async (t) => {
  const { app } = await testApp(t)
  const { trackId, path } = await authorize(app)
  const states = [(await app.sandbox.tracks.find(trackId))?.state]
  await app.inject({ method: 'GET', url: path })
  states.push((await app.sandbox.tracks.find(trackId))?.state)
  await signIn(app, { track_id: trackId, persona: AIGERIM })
  states.push((await app.sandbox.tracks.find(trackId))?.state)
  const code = new URL((await consent(app, trackId, 'allow')).headers.location as string).searchParams.get('authorization_code')!
  states.push((await app.sandbox.tracks.find(trackId))?.state)
  await exchange(app, code)
  states.push((await app.sandbox.tracks.find(trackId))?.state)
  t.same(states, ['issued', 'opened', 'signed_in', 'code_issued', 'exchanged'])
})

t.test('ERROR_STATUS=200 for the code errors too', async (t) => {
  const { app } = await testApp(t, { errorStatus: '200' })
  const res = await exchange(app, 'nope')
  t.equal(res.statusCode, 200)
  t.same(res.json(), INVALID_CODE)
})

t.test('refresh: a refresh token of the OIDC flow is unknown here; it refreshes only at the OIDC token endpoint', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app)
  const pair = (await oidcToken(app, { body: codeGrant(code) })).json()
  const refused = await refresh(app, pair.refresh_token)
  t.equal(refused.statusCode, 401)
  t.equal(refused.headers['www-authenticate'], INVALID_TOKEN, 'as for an unknown refresh token')
  t.same(refused.json(), UNAUTHENTICATED)
  const rotated = await oidcToken(app, { body: { grant_type: 'refresh_token', refresh_token: pair.refresh_token } })
  t.equal(rotated.statusCode, 200, 'untouched: the OIDC endpoint, with the client\'s credentials, still refreshes it')
  const next = rotated.json()
  t.equal((await refresh(app, next.refresh_token)).statusCode, 401, 'its successor is of the OIDC flow too')
  t.equal((await oidcToken(app, { body: { grant_type: 'refresh_token', refresh_token: next.refresh_token } })).statusCode, 200)
})
