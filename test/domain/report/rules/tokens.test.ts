import t from 'tap'
import { DEMO, DEMO_AUTH, testApp } from '../../../helpers/app.js'
import { approve, exchange, refresh, userData } from '../../../helpers/flow.js'
import { advance, findings } from '../../../helpers/report.js'

const T0 = '2030-01-01T00:00:00.000Z'

async function signedIn (app: Awaited<ReturnType<typeof testApp>>['app']) {
  const { trackId, code } = await approve(app)
  return { trackId, pair: (await exchange(app, code)).json() }
}

t.test('refresh-token-rotated: the old refresh token presented again', async (t) => {
  const { app } = await testApp(t)
  const { trackId, pair } = await signedIn(app)
  const next = (await refresh(app, pair.refresh_token)).json()
  t.equal((await refresh(app, next.refresh_token)).statusCode, 200)
  t.same(await findings(app, 'refresh-token-rotated'), [], 'each new refresh token used once is fine')
  t.equal((await refresh(app, pair.refresh_token)).statusCode, 401)
  t.same(await findings(app, 'refresh-token-rotated'), [[DEMO.id, `PATCH /api/v1/oauth/token (entry 7, ${T0}) answered 401: the refresh token had already been rotated`, [7], [trackId]]])
})

t.test('access-token-expired: an access token used past access_expire_at', async (t) => {
  const { app } = await testApp(t)
  const { trackId, pair } = await signedIn(app)
  t.equal((await userData(app, pair.access_token)).statusCode, 200)
  await advance(app, 604800)
  const renewed = (await refresh(app, pair.refresh_token)).json()
  t.equal((await userData(app, renewed.access_token)).statusCode, 200)
  t.same(await findings(app, 'access-token-expired'), [], 'refreshing first is fine')
  t.equal((await userData(app, pair.access_token)).statusCode, 401)
  t.same(await findings(app, 'access-token-expired'), [[DEMO.id, 'GET /api/v1/oauth/user (entry 8, 2030-01-08T00:00:00.000Z) answered 401: its access token had expired', [8], [trackId]]])
})

t.test('user-data-with-refresh-token: a refresh token (live or rotated) at the user endpoint', async (t) => {
  const { app } = await testApp(t)
  const { trackId, pair } = await signedIn(app)
  t.equal((await userData(app, pair.access_token)).statusCode, 200)
  t.same(await findings(app, 'user-data-with-refresh-token'), [])
  t.equal((await userData(app, pair.refresh_token)).statusCode, 401)
  await refresh(app, pair.refresh_token)
  t.equal((await userData(app, pair.refresh_token)).statusCode, 401)
  t.same(await findings(app, 'user-data-with-refresh-token'), [
    [DEMO.id, `GET /api/v1/oauth/user (entry 6, ${T0}) answered 401: it carried a refresh token`, [6], [trackId]],
    [DEMO.id, `GET /api/v1/oauth/user (entry 8, ${T0}) answered 401: it carried a refresh token`, [8], [trackId]]
  ])
})

t.test('refresh-token-in-body: the RFC 6749 habit of a refresh token in the body', async (t) => {
  const { app } = await testApp(t)
  const { pair } = await signedIn(app)
  t.equal((await refresh(app, pair.refresh_token)).statusCode, 200)
  t.same(await findings(app, 'refresh-token-in-body'), [], 'PATCH with Bearer and no body is fine')
  const patched = await app.inject({ method: 'PATCH', url: '/api/v1/oauth/token', payload: { refresh_token: pair.refresh_token } })
  t.equal(patched.statusCode, 401)
  const posted = await app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH }, payload: { grant_type: 'refresh_token', refresh_token: pair.refresh_token } })
  t.equal(posted.statusCode, 422)
  t.same(await findings(app, 'refresh-token-in-body'), [
    [DEMO.id, `PATCH /api/v1/oauth/token (entry 6, ${T0}) answered 401: its body carried refresh_token`, [6], []],
    [DEMO.id, `POST /api/v1/oauth/token (entry 7, ${T0}) answered 422: its body carried refresh_token`, [7], []]
  ])
  await app.inject({ method: 'PATCH', url: '/api/v1/oauth/token', payload: { refresh_token: 'not-ours' } })
  t.same((await findings(app, 'refresh-token-in-body'))[2], ['unidentified', `PATCH /api/v1/oauth/token (entry 8, ${T0}) answered 401: its body carried refresh_token`, [8], []], 'a token nobody issued names no client')
  const journal = (await app.inject({ method: 'GET', url: '/__sandbox/requests?path=/api/v1/oauth/token' })).json() as Array<{ id: number, request: { body?: unknown } }>
  t.same(journal.filter((e) => e.id === 6 || e.id === 7).map((e) => e.request.body), [{ grant_type: 'refresh_token', refresh_token: '[redacted]' }, { refresh_token: '[redacted]' }],
    'the journal keeps no refresh token from a body')
})
