import t from 'tap'
import { DEMO, KITAP, KITAP_AUTH, testApp } from '../../../helpers/app.js'
import { AIGERIM, approve, authorize, exchange } from '../../../helpers/flow.js'
import { oidcApprove, oidcToken, CALLBACK } from '../../../helpers/oidc.js'
import { advance, findings } from '../../../helpers/report.js'

const T0 = '2030-01-01T00:00:00.000Z'

t.test('code-reused: a second exchange of one code', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await approve(app)
  t.equal((await exchange(app, code)).statusCode, 200)
  t.same(await findings(app, 'code-reused'), [], 'one exchange is fine')
  t.equal((await exchange(app, code)).statusCode, 400)
  t.same(await findings(app, 'code-reused'), [[DEMO.id, `POST /api/v1/oauth/token (entry 5, ${T0}) answered 400: its code had already been exchanged`, [5], [trackId]]])
})

t.test('code-expired: an exchange after CODE_TTL', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await approve(app)
  await advance(app, 299)
  const fresh = await approve(app)
  t.equal((await exchange(app, fresh.code)).statusCode, 200)
  t.same(await findings(app, 'code-expired'), [], 'in time is fine')
  await advance(app, 1)
  t.equal((await exchange(app, code)).statusCode, 400)
  t.same(await findings(app, 'code-expired'), [[DEMO.id, 'POST /api/v1/oauth/token (entry 8, 2030-01-01T00:05:00.000Z) answered 400: its code had expired', [8], [trackId]]])
})

t.test('code-other-client: Kitap presents Demo Shop\'s code', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await approve(app)
  t.same(await findings(app, 'code-other-client'), [])
  t.equal((await exchange(app, code, KITAP_AUTH)).statusCode, 400)
  t.same(await findings(app, 'code-other-client'), [[KITAP.id, `POST /api/v1/oauth/token (entry 4, ${T0}) answered 400: the code belonged to another client`, [4], [trackId]]])
  t.equal((await exchange(app, code)).statusCode, 200, 'the code still works for its own client')
})

t.test('code-other-flow: each flow\'s code at the other token endpoint', async (t) => {
  const { app } = await testApp(t)
  const oauth = await approve(app)
  const oidc = await oidcApprove(app)
  t.same(await findings(app, 'code-other-flow'), [])
  t.equal((await exchange(app, oidc.code)).statusCode, 400)
  t.equal((await oidcToken(app, { body: { grant_type: 'authorization_code', code: oauth.code, redirect_uri: CALLBACK } })).statusCode, 400)
  t.same(await findings(app, 'code-other-flow'), [
    [DEMO.id, `POST /api/v1/oauth/token (entry 7, ${T0}) answered 400: the code came from the other flow`, [7], [oidc.trackId]],
    [DEMO.id, `POST /api/v1/oidc/token (entry 8, ${T0}) answered 400: the code came from the other flow`, [8], [oauth.trackId]]
  ])
})

t.test('a code nobody issued is no finding of these rules', async (t) => {
  const { app } = await testApp(t)
  t.equal((await exchange(app, 'x'.repeat(40))).statusCode, 400)
  const { clients } = await (await app.inject({ method: 'GET', url: '/__sandbox/report' })).json()
  t.same(clients, [{ client_id: DEMO.id, name: 'Demo Shop', findings: [], omitted: 0 }])
})

t.test('flow-abandoned: a code issued and never exchanged before it expired', async (t) => {
  const { app } = await testApp(t)
  const kept = await approve(app)
  const lost = await approve(app)
  t.equal((await exchange(app, kept.code)).statusCode, 200)
  t.same(await findings(app, 'flow-abandoned'), [], 'a code still valid may yet be exchanged')
  await advance(app, 300)
  t.same(await findings(app, 'flow-abandoned'), [[DEMO.id, `A code was issued for track ${lost.trackId} at ${T0} and never exchanged before it expired at 2030-01-01T00:05:00.000Z`, [4, 5, 6], [lost.trackId]]])
  await app.inject({ method: 'DELETE', url: '/__sandbox/requests' })
  t.same(await findings(app, 'flow-abandoned'), [], 'a cleared journal forgets the codes too')
})

t.test('flow-abandoned: a track none of whose requests is in the journal any more', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  await app.inject({ method: 'DELETE', url: '/__sandbox/requests' })
  t.equal((await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: AIGERIM } })).statusCode, 200)
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })
  await advance(app, 300)
  t.same(await findings(app, 'flow-abandoned'), [[DEMO.id, `A code was issued for track ${trackId} at ${T0} and never exchanged before it expired at 2030-01-01T00:05:00.000Z`, [], [trackId]]])
})
