import t from 'tap'
import { testApp } from '../../helpers/app.js'
import { approve, authorize, exchange, refresh, userData } from '../../helpers/flow.js'

t.test('reset drops everything and restores the clock; seeded runs repeat byte for byte', async (t) => {
  const { app } = await testApp(t)
  const run = async () => {
    const bodies: string[] = []
    const { trackId, code } = await approve(app)
    bodies.push(trackId, code)
    const pair = await exchange(app, code)
    bodies.push(pair.body)
    await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '1h' } })
    const rotated = await refresh(app, pair.json().refresh_token)
    bodies.push(rotated.body, (await userData(app, rotated.json().access_token)).body)
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
  t.equal(app.sandbox.users.get(id)?.firstname, 'New')
  await app.inject({ method: 'POST', url: '/__sandbox/reset' })
  t.equal(app.sandbox.users.get(id), undefined)
  t.equal(app.sandbox.users.find('+77015559999'), undefined)
  t.equal(app.sandbox.users.get('5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01')?.firstname, 'Aigerim')
})
