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
