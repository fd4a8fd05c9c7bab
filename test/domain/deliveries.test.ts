import t from 'tap'
import { createClock } from '../../src/domain/clock.js'
import { createDeliveries } from '../../src/domain/deliveries.js'
import { createMemoryStore } from '../../src/domain/store.js'
import { startReceiver } from '../helpers/receiver.js'

// Generous timeouts (a loaded machine is slow); only the hanging receiver's test needs a short one.
const setup = (t: { teardown(fn: () => unknown): void }, policy = { timeoutMs: 5000, attempts: 3, backoffMs: 20 }) => {
  const clock = createClock(new Date('2030-01-01T00:00:00Z'))
  const store = createMemoryStore({ now: clock.now, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  return createDeliveries({ store, clock, policy })
}
const input = (target: string) => ({ target, body: { id: 'token-1' }, client_id: 'client-1', user_id: 'user-1' })

t.test('a 2xx on the first attempt: delivered', async (t) => {
  const receiver = await startReceiver(() => 204)
  t.teardown(receiver.close)
  const deliveries = setup(t)
  const queued = await deliveries.send(input(`${receiver.url}/revoke?x=1`))
  t.same(queued, { id: 1, ...input(`${receiver.url}/revoke?x=1`), outcome: 'pending', attempts: [] }, 'send answers at once')
  await deliveries.settled()
  t.same(receiver.received, [{ method: 'POST', path: '/revoke?x=1', contentType: 'application/json', body: { id: 'token-1' } }])
  t.same(await deliveries.list(), [{ ...queued, outcome: 'delivered', attempts: [{ at: '2030-01-01T00:00:00.000Z', status: 204 }] }])
})

t.test('a failing receiver is retried, then given up on', async (t) => {
  const receiver = await startReceiver((n) => n < 3 ? 500 : 200)
  t.teardown(receiver.close)
  const deliveries = setup(t)
  await deliveries.send(input(receiver.url))
  await deliveries.settled()
  t.match(await deliveries.list(), [{ outcome: 'delivered', attempts: [{ status: 500 }, { status: 500 }, { status: 200 }] }])

  const always = await startReceiver(() => 503)
  t.teardown(always.close)
  await deliveries.send(input(always.url))
  await deliveries.settled()
  t.match((await deliveries.list())[1], { outcome: 'failed', attempts: [{ status: 503 }, { status: 503 }, { status: 503 }] })
  t.equal(always.received.length, 3, 'bounded: three attempts in all')
})

t.test('a receiver that hangs times out; one that is not there is refused', async (t) => {
  const hangs = await startReceiver(() => 'hang')
  t.teardown(hangs.close)
  const deliveries = setup(t, { timeoutMs: 100, attempts: 2, backoffMs: 10 })
  const started = performance.now()
  await deliveries.send(input(hangs.url))
  t.ok(performance.now() - started < 50, 'sending never waits for the receiver')
  const gone = await startReceiver()
  await gone.close()
  await deliveries.send(input(gone.url))
  await deliveries.send(input('http://127.0.0.1:1/revoke'))
  await deliveries.send(input('not a url'))
  await deliveries.settled()
  const [hung, refused, blocked, invalid] = await deliveries.list()
  t.match(hung, { outcome: 'failed', attempts: [{ error: 'no answer within 100 ms' }, { error: 'no answer within 100 ms' }] })
  t.match(refused, { outcome: 'failed', attempts: [{ error: /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/ }, { error: /ECONNREFUSED/ }] })
  t.match(blocked, { outcome: 'failed', attempts: [{ error: 'bad port' }, { error: 'bad port' }] })
  t.match(invalid, { outcome: 'failed', attempts: [{ error: 'Invalid URL' }, { error: 'Invalid URL' }] })
  await deliveries.clear()
  t.same(await deliveries.list(), [])
  t.equal((await deliveries.send(input(hangs.url))).id, 1, 'numbering starts again')
  await deliveries.settled()
})
