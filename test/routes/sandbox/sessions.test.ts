import t, { type Test } from 'tap'
import { bundledFixtures, basic, testApp } from '../../helpers/app.js'
import { startReceiver } from '../../helpers/receiver.js'
import { AIGERIM, DANIYAR, approve, exchange, refresh, userData } from '../../helpers/flow.js'

const SHOP = { client_id: '2c7e8a41-5d3b-4f6e-9a1c-7b2d4e6f8a10', client_secret: 'shop-secret', name: 'Shop with revoke_uri' }
const QUIET = { client_id: '3d8f9b52-6e4c-4a7f-8b2d-8c3e5f7a9b21', client_secret: 'quiet-secret', name: 'Shop without one' }

// A hanging receiver needs a short timeout to finish the test; the others get room on a loaded machine.
async function setup (t: Test, respond: (n: number) => number | 'hang', timeoutMs = 5000) {
  const receiver = await startReceiver(respond)
  t.teardown(receiver.close)
  const { users } = await bundledFixtures()
  const { app } = await testApp(t, {}, { clients: [{ ...SHOP, revoke_uri: `${receiver.url}/freedom-id/revoke` }, QUIET], users },
    { deliveryPolicy: { timeoutMs, attempts: 2, backoffMs: 10 } })
  const signIn = async (client: typeof SHOP, persona = AIGERIM) => {
    const authorization = basic(client.client_id, client.client_secret)
    return (await exchange(app, (await approve(app, { authorization, persona })).code, authorization)).json()
  }
  return { app, receiver, signIn }
}

t.test('logout: every live token of the user dies, each client with a revoke_uri hears of each', async (t) => {
  const { app, receiver, signIn } = await setup(t, () => 204)
  const first = await signIn(SHOP)
  const rotated = (await refresh(app, first.refresh_token)).json()
  const quiet = await signIn(QUIET)
  const other = await signIn(SHOP, DANIYAR)

  const res = await app.inject({ method: 'POST', url: '/__sandbox/users/+77015550101/logout' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.user_id, AIGERIM)
  t.equal(body.tokens_ended, 3, 'the rotated pair (its access token still lived), the new pair and the other client\'s pair')
  t.same(body.deliveries.map((d: { body: { id: string }, target: string, outcome: string }) => [d.body.id, d.target, d.outcome]), [
    [first.id, `${receiver.url}/freedom-id/revoke`, 'pending'],
    [rotated.id, `${receiver.url}/freedom-id/revoke`, 'pending']
  ])
  await app.sandbox.deliveries.settled()
  // The two deliveries run at once: they may arrive in either order.
  const byId = (a: { body: unknown }, b: { body: unknown }) => JSON.stringify(a.body).localeCompare(JSON.stringify(b.body))
  t.same(receiver.received.map((r) => ({ method: r.method, path: r.path, contentType: r.contentType, body: r.body })).sort(byId), [
    { method: 'POST', path: '/freedom-id/revoke', contentType: 'application/json', body: { id: first.id } },
    { method: 'POST', path: '/freedom-id/revoke', contentType: 'application/json', body: { id: rotated.id } }
  ].sort(byId))
  for (const token of [first.access_token, rotated.access_token, quiet.access_token]) t.equal((await userData(app, token)).statusCode, 401)
  t.equal((await refresh(app, rotated.refresh_token)).statusCode, 401)
  t.equal((await userData(app, other.access_token)).statusCode, 200, 'another user\'s tokens live on')

  const listed = (await app.inject({ method: 'GET', url: '/__sandbox/deliveries' })).json()
  t.match(listed, [{ id: 1, outcome: 'delivered', client_id: SHOP.client_id, user_id: AIGERIM, attempts: [{ status: 204 }] }, { id: 2, outcome: 'delivered' }])
  const again = (await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })).json()
  t.same(again, { user_id: AIGERIM, tokens_ended: 0, deliveries: [] }, 'nothing left to end')
})

t.test('a failing receiver and a hanging one: bounded retries, outcomes listed, requests never wait', async (t) => {
  const failing = await setup(t, () => 500)
  await failing.signIn(SHOP)
  await failing.app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  await failing.app.sandbox.deliveries.settled()
  t.match((await failing.app.inject({ method: 'GET', url: '/__sandbox/deliveries' })).json(), [{ outcome: 'failed', attempts: [{ status: 500 }, { status: 500 }] }])
  t.equal(failing.receiver.received.length, 2)

  const hanging = await setup(t, () => 'hang', 150)
  await hanging.signIn(SHOP)
  const res = await hanging.app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  // Still pending: had the logout waited for the receiver, both attempts would have timed out (failed).
  t.match(res.json(), { deliveries: [{ outcome: 'pending' }] }, 'the logout answers without waiting for the receiver')
  await hanging.app.sandbox.deliveries.settled()
  t.match((await hanging.app.inject({ method: 'GET', url: '/__sandbox/deliveries' })).json(), [{ outcome: 'failed', attempts: [{ error: 'no answer within 150 ms' }, { error: 'no answer within 150 ms' }] }])
  t.equal((await hanging.app.inject({ method: 'DELETE', url: '/__sandbox/deliveries' })).statusCode, 204)
  t.same((await hanging.app.inject({ method: 'GET', url: '/__sandbox/deliveries' })).json(), [])
})

t.test('pairs already dead on both tokens are not counted again', async (t) => {
  const { app, signIn } = await setup(t, () => 204)
  const first = await signIn(SHOP)
  await refresh(app, first.refresh_token)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '8d' } })
  const res = (await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })).json()
  t.equal(res.tokens_ended, 1, 'the first pair: refresh rotated away and access expired; only the second one lived')
  await app.sandbox.deliveries.settled()
})

t.test('unknown users: 404', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'POST', url: '/__sandbox/users/nobody/logout' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: { message: 'No user nobody.', code: 100404 } })
})

t.test('a logout of many pairs at once: at most 6 connections to the revoke_uri, every pair delivered', async (t) => {
  const { app, receiver } = await setup(t, () => 204)
  const issued = new Set<string>()
  for (let n = 0; n < 400; n++) {
    issued.add((await app.sandbox.tokens.issue({ client_id: SHOP.client_id, user_id: AIGERIM, track_id: `track-${n}`, grants: ['read.email'] })).id)
  }
  const res = await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  t.equal(res.json().tokens_ended, 400)
  await app.sandbox.deliveries.settled()
  t.same(new Set(receiver.received.map((r) => (r.body as { id: string }).id)), issued, 'each pair, once')
  t.equal(receiver.received.length, 400)
  t.ok(receiver.connections.most <= 6, `never more than 6 connections open to the receiver (${receiver.connections.most})`)
  const listed = (await app.inject({ method: 'GET', url: '/__sandbox/deliveries' })).json() as Array<{ outcome: string }>
  t.same([listed.length, [...new Set(listed.map((d) => d.outcome))]], [400, ['delivered']])
})
