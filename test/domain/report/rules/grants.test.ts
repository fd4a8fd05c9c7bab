import t from 'tap'
import { DEMO, testApp } from '../../../helpers/app.js'
import { approve, exchange, userData } from '../../../helpers/flow.js'
import { findings } from '../../../helpers/report.js'

const REQUEST_ID = '1f0e2d3c-4b5a-4968-8776-655443322110'
const signedIn = async (app: Awaited<ReturnType<typeof testApp>>['app'], grants = ['read.email', 'read.phone']) => {
  const { trackId, code } = await approve(app, { body: { redirect_uri: 'https://shop.example/callback', grants } })
  return { trackId, pair: (await exchange(app, code)).json() }
}
const getProfile = (app: Awaited<ReturnType<typeof testApp>>['app'], accessToken: string) =>
  app.inject({ method: 'POST', url: '/api/v1/oauth/get-profile', headers: { authorization: `Bearer ${accessToken}` }, payload: { request_id: REQUEST_ID } })

t.test('grants-unused: fields asked for and user data never read; read.profile and no get-profile', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await signedIn(app)
  t.same(await findings(app, 'grants-unused'), [[DEMO.id, 'read.email, read.phone asked for on 1 sign-in(s) that got tokens, and never used: user data was never asked for', [1], [trackId]]])
  const second = await signedIn(app, ['read.email', 'read.profile'])
  t.equal((await userData(app, second.pair.access_token)).statusCode, 200)
  t.same(await findings(app, 'grants-unused'), [[DEMO.id, 'read.profile asked for on 2 sign-in(s) that got tokens, and never used: get-profile was never called', [1, 5], [trackId, second.trackId]]],
    'user data read on one sign-in uses the field grants')
  t.equal((await getProfile(app, second.pair.access_token)).statusCode, 200)
  t.same(await findings(app, 'grants-unused'), [], 'every grant used')
})

t.test('grants-unused: nothing asked and used, nothing exchanged, no finding', async (t) => {
  const { app } = await testApp(t)
  await approve(app)
  t.same(await findings(app, 'grants-unused'), [], 'a sign-in that got no tokens used nothing yet')
  const both = await signedIn(app, ['read.profile', 'read.email'])
  t.same(await findings(app, 'grants-unused'), [[DEMO.id, 'read.profile, read.email asked for on 1 sign-in(s) that got tokens, and never used: get-profile was never called, nor user data', [4], [both.trackId]]])
})

t.test('fields-not-granted: get-profile without read.profile; fields the merchant expects', async (t) => {
  const { app } = await testApp(t)
  const { trackId, pair } = await signedIn(app)
  t.same(await findings(app, 'fields-not-granted', '?expect=email,phone'), [], 'the grants cover what it reads')
  t.same(await findings(app, 'fields-not-granted'), [])
  t.equal((await getProfile(app, pair.access_token)).json().status, 'rejected')
  t.same(await findings(app, 'fields-not-granted', '?expect=email,firstname,date_of_birth'), [
    [DEMO.id, 'POST /api/v1/oauth/get-profile (entry 5, 2030-01-01T00:00:00.000Z) answered 200 "rejected": its sign-in did not ask for read.profile', [5], [trackId]],
    [DEMO.id, '1 sign-in(s) did not ask for the grants of expected fields: firstname (read.firstname), date_of_birth (read.date_of_birth)', [1], [trackId]]
  ])
})

t.test('expect= takes known user fields only', async (t) => {
  const { app } = await testApp(t)
  for (const bad of ['profile', 'email,', 'email,,phone', 'x'.repeat(300), 'EMAIL']) {
    const res = await app.inject({ method: 'GET', url: `/__sandbox/report?expect=${bad}` })
    t.equal(res.statusCode, 422, bad)
    t.same(Object.keys(res.json().error.errors), ['expect'])
  }
})
