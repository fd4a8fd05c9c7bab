import t from 'tap'
import { approve, authorize, exchange, refresh, userData } from '../../helpers/flow.js'
import { AUTHORIZE, DEMO_AUTH, testApp } from '../../helpers/app.js'

t.test('reset drops everything and restores the clock; seeded runs repeat byte for byte', async (t) => {
  const { app } = await testApp(t)
  // authorize, headless approve, token, refresh, user, KYC: every body the merchant sees.
  const run = async () => {
    const bodies: string[] = []
    const authorized = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: { redirect_uri: 'https://shop.example/cb', grants: ['read.email', 'read.firstname', 'read.profile'] } })
    const trackId = new URL(authorized.json().redirect_uri).searchParams.get('track_id')!
    const approved = await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: '+77015550101' } })
    const code = new URL(approved.json().redirect_uri).searchParams.get('authorization_code')!
    const pair = await exchange(app, code)
    await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '1h' } })
    const rotated = await refresh(app, pair.json().refresh_token)
    const access = { authorization: `Bearer ${rotated.json().access_token}` }
    const user = await userData(app, rotated.json().access_token)
    const requestId = '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f'
    const kyc = await app.inject({ method: 'POST', url: '/api/v1/oauth/get-profile', headers: access, payload: { request_id: requestId } })
    await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 30 } })
    const status = await app.inject({ method: 'GET', url: `/api/v1/oauth/get-profile/status?request_id=${requestId}`, headers: access })
    t.equal(status.json().status, 'completed')
    bodies.push(authorized.body, approved.body, pair.body, rotated.body, user.body, kyc.body, status.body)
    return { bodies, pair: pair.json(), trackId }
  }
  const first = await run()
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /x', status: 500 } })
  const reset = await app.inject({ method: 'POST', url: '/__sandbox/reset' })
  t.equal(reset.statusCode, 200)
  t.same(reset.json(), { now: '2030-01-01T00:00:00.000Z', frozen: true })
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/requests' })).json(), [])
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/faults' })).json(), [])
  t.equal(await app.sandbox.tracks.find(first.trackId), undefined)
  t.equal((await userData(app, first.pair.access_token)).statusCode, 401, 'tokens are gone')
  await app.inject({ method: 'POST', url: '/__sandbox/reset' })
  const second = await run()
  t.same(second.bodies, first.bodies)
  t.ok((await authorize(app)).trackId)
})

t.test('reset removes provisioned users and undoes updates', async (t) => {
  const { app } = await testApp(t)
  const token = (await exchange(app, (await approve(app)).code)).json().access_token
  const headers = { authorization: `Bearer ${token}` }
  const created = await app.inject({ method: 'POST', url: '/api/v1/oauth/user', headers, payload: { phone: '+77015559999', firstname: 'New' } })
  t.equal(created.statusCode, 200)
  const id = created.json().freedom_id
  await app.inject({ method: 'PUT', url: '/api/v1/oauth/user', headers, payload: { freedom_id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', firstname: 'Changed' } })
  t.equal((await app.sandbox.users.get(id))?.firstname, 'New')
  await app.inject({ method: 'POST', url: '/__sandbox/reset' })
  t.equal((await app.sandbox.users.get(id)), undefined)
  t.equal((await app.sandbox.users.find('+77015559999')), undefined)
  t.equal((await app.sandbox.users.get('5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01'))?.firstname, 'Aigerim')
})
