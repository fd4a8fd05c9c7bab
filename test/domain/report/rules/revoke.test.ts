import t, { type Test } from 'tap'
import { basic, bundledFixtures, testApp } from '../../../helpers/app.js'
import { AIGERIM, approve, exchange } from '../../../helpers/flow.js'
import { freePort } from '../../../helpers/redis.js'
import { startReceiver } from '../../../helpers/receiver.js'
import { findings } from '../../../helpers/report.js'

const SHOP = { client_id: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', client_secret: 'revoke-shop-secret', name: 'Revoke Shop' }

/** A signed-in user of a client whose revoke_uri answers `respond`, then logged out: the delivery settled. */
// A generous timeout (a loaded machine is slow), but for the hanging receiver's test.
async function loggedOut (t: Test, respond: (n: number) => number | 'hang', timeoutMs = 5000) {
  const receiver = await startReceiver(respond)
  t.teardown(receiver.close)
  const fixtures = await bundledFixtures()
  const { app } = await testApp(t, {}, { ...fixtures, clients: [...fixtures.clients, { ...SHOP, revoke_uri: `${receiver.url}/revoke` }] },
    { deliveryPolicy: { timeoutMs, attempts: 2, backoffMs: 10 } })
  const { code } = await approve(app, { authorization: basic(SHOP.client_id, SHOP.client_secret) })
  const { id } = (await exchange(app, code, basic(SHOP.client_id, SHOP.client_secret))).json()
  t.equal((await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })).statusCode, 200)
  await app.sandbox.deliveries.settled()
  return { app, target: `${receiver.url}/revoke`, tokenId: id as string }
}

const T0 = '2030-01-01T00:00:00.000Z'

t.test('a revoke_uri that answers 2xx at once: no finding', async (t) => {
  const { app } = await loggedOut(t, () => 204)
  t.same(await findings(app, 'revoke-uri-failed'), [])
  t.same(await findings(app, 'revoke-uri-slow'), [])
})

t.test('revoke-uri-failed: a 500, then a 404', async (t) => {
  const { app, target, tokenId } = await loggedOut(t, (n) => n === 1 ? 500 : 404)
  t.same(await findings(app, 'revoke-uri-failed'), [[SHOP.client_id, `POST ${target} (delivery 1, token id ${tokenId}): answered 500 at ${T0}; answered 404 at ${T0}; outcome failed`, [], []]])
  t.same(await findings(app, 'revoke-uri-slow'), [])
})

t.test('revoke-uri-failed: a retry that then succeeds still shows the failed attempt', async (t) => {
  const { app, target, tokenId } = await loggedOut(t, (n) => n === 1 ? 503 : 200)
  t.same(await findings(app, 'revoke-uri-failed'), [[SHOP.client_id, `POST ${target} (delivery 1, token id ${tokenId}): answered 503 at ${T0}; outcome delivered`, [], []]])
})

t.test('revoke-uri-slow: no answer within the delivery timeout', async (t) => {
  const { app, target, tokenId } = await loggedOut(t, (n) => n === 1 ? 'hang' : 200, 300)
  t.same(await findings(app, 'revoke-uri-slow'), [[SHOP.client_id, `POST ${target} (delivery 1, token id ${tokenId}): no answer within 300 ms at ${T0}; outcome delivered`, [], []]])
  t.same(await findings(app, 'revoke-uri-failed'), [])
})

t.test('revoke-uri-failed: nothing listening at the revoke_uri', async (t) => {
  const fixtures = await bundledFixtures()
  const target = `http://127.0.0.1:${await freePort()}/revoke`
  const { app } = await testApp(t, {}, { ...fixtures, clients: [...fixtures.clients, { ...SHOP, revoke_uri: target }] }, { deliveryPolicy: { timeoutMs: 5000, attempts: 1, backoffMs: 10 } })
  const { code } = await approve(app, { authorization: basic(SHOP.client_id, SHOP.client_secret) })
  const { id } = (await exchange(app, code, basic(SHOP.client_id, SHOP.client_secret))).json()
  await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  await app.sandbox.deliveries.settled()
  const [[client, summary] = []] = await findings(app, 'revoke-uri-failed')
  t.equal(client, SHOP.client_id)
  t.match(summary, new RegExp(`^POST ${target} \\(delivery 1, token id ${id}\\): failed \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\) at ${T0}; outcome failed$`))
})
