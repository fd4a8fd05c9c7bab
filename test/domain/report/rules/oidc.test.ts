import t from 'tap'
import { DEMO, testApp } from '../../../helpers/app.js'
import { CHALLENGE, openid } from '../../../helpers/oidc.js'
import { findings } from '../../../helpers/report.js'

const trackOf = (res: { headers: Record<string, unknown> }) => new URL(res.headers.location as string, 'http://x').searchParams.get('track_id')!
const fresh = (n: number) => ({ state: `state-${n}-${'s'.repeat(24)}`, nonce: `nonce-${n}-${'n'.repeat(24)}`, code_challenge: CHALLENGE, code_challenge_method: 'S256' })

t.test('a fresh state and nonce and PKCE on every sign-in: no finding', async (t) => {
  const { app } = await testApp(t)
  t.equal((await openid(app, fresh(1))).statusCode, 303)
  t.equal((await openid(app, fresh(2))).statusCode, 303)
  for (const rule of ['oidc-no-pkce', 'oidc-state-reused', 'oidc-nonce-reused']) t.same(await findings(app, rule), [], rule)
})

t.test('oidc-no-pkce: /openid without code_challenge', async (t) => {
  const { app } = await testApp(t)
  await openid(app, fresh(1))
  const a = trackOf(await openid(app, { ...fresh(2), code_challenge: undefined, code_challenge_method: undefined }))
  t.same(await findings(app, 'oidc-no-pkce'), [[DEMO.id, '1 /openid request(s) carried no code_challenge', [2], [a]]])
})

t.test('oidc-state-reused and oidc-nonce-reused: one value on two sign-ins', async (t) => {
  const { app } = await testApp(t)
  const a = trackOf(await openid(app, fresh(1)))
  const b = trackOf(await openid(app, { ...fresh(2), state: fresh(1).state }))
  const c = trackOf(await openid(app, { ...fresh(3), nonce: fresh(1).nonce }))
  t.same(await findings(app, 'oidc-state-reused'), [[DEMO.id, 'The same state was sent on 2 different sign-ins', [1, 2], [a, b]]])
  t.same(await findings(app, 'oidc-nonce-reused'), [[DEMO.id, 'The same nonce was sent on 2 different sign-ins', [1, 3], [a, c]]])
  const report = await app.inject({ method: 'GET', url: '/__sandbox/report' })
  t.notOk(report.body.includes(fresh(1).state) || report.body.includes(fresh(1).nonce), 'the values themselves are not shown')
})

t.test('an /openid request of an unknown client is refused and nobody\'s finding', async (t) => {
  const { app } = await testApp(t)
  const res = await openid(app, { client_id: '00000000-0000-4000-8000-000000000000', code_challenge: undefined })
  t.ok(res.statusCode >= 400)
  const body = await (await app.inject({ method: 'GET', url: '/__sandbox/report' })).json()
  t.same(body.clients, [])
})
