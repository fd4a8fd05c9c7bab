import t from 'tap'
import { createClock } from '../../src/domain/clock.js'
import { DELIVERY_LIMITS, createDeliveries, type DeliveryTransport } from '../../src/domain/deliveries.js'
import { createMemoryStore, type Store } from '../../src/domain/store.js'
import { Gauge, startReceiver } from '../helpers/receiver.js'

// Generous timeouts (a loaded machine is slow); only the hanging receiver's test needs a short one.
const setup = (t: { teardown(fn: () => unknown): void }, policy = { timeoutMs: 5000, attempts: 3, backoffMs: 20 }, wrap = (store: Store) => store,
  transport?: () => Promise<DeliveryTransport>) => {
  const clock = createClock(new Date('2030-01-01T00:00:00Z'))
  const store = createMemoryStore({ now: clock.now, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  return createDeliveries({ store: wrap(store), clock, policy, transport })
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

t.test('an HTTP client that cannot be made fails each attempt with its reason, and close() still resolves', async (t) => {
  let loads = 0
  // One attempt each: the backoff's timer is unref'd, and nothing else here would keep the test's process alive.
  const deliveries = setup(t, { timeoutMs: 5000, attempts: 1, backoffMs: 10 }, undefined, async () => {
    loads++
    throw new TypeError('Agent is not a constructor')
  })
  await deliveries.send(input('http://127.0.0.1:1/revoke'))
  await deliveries.send(input('http://127.0.0.1:1/revoke'))
  await deliveries.settled()
  const failed = { outcome: 'failed', attempts: [{ at: '2030-01-01T00:00:00.000Z', error: 'no HTTP client: Agent is not a constructor' }] }
  t.match(await deliveries.list(), [failed, failed], 'never left pending')
  t.equal(loads, 1, 'made once, not per delivery')
  await t.resolves(deliveries.close())
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

t.test('at most 6 attempts at once per target origin and 16 in all; the rest wait their turn, all delivered', async (t) => {
  const requests = new Gauge()
  const receivers = await Promise.all([1, 2, 3].map(() => startReceiver(() => 204, { delayMs: 20, requests })))
  t.teardown(() => Promise.all(receivers.map((r) => r.close())))
  const deliveries = setup(t)
  for (let n = 0; n < 150; n++) for (const receiver of receivers) await deliveries.send(input(`${receiver.url}/revoke`))
  await deliveries.settled()
  t.same(receivers.map((r) => r.received.length), [150, 150, 150], 'every call made, once')
  t.same(receivers.map((r) => r.connections.most), [6, 6, 6], 'six connections per origin, never more')
  t.equal(requests.most, 16, 'sixteen calls in flight over the three, never more')
  const outcomes = new Set((await deliveries.list()).map((d) => d.outcome))
  t.same([...outcomes], ['delivered'])
})

t.test('a hung origin holds only its own slots: another origin is served meanwhile', async (t) => {
  const hangs = await startReceiver(() => 'hang')
  const answers = await startReceiver(() => 204)
  t.teardown(() => Promise.all([hangs.close(), answers.close()]))
  const deliveries = setup(t, { timeoutMs: 5000, attempts: 1, backoffMs: 10 })
  for (let n = 0; n < 40; n++) await deliveries.send(input(hangs.url))
  for (let n = 0; n < 40; n++) await deliveries.send(input(answers.url))
  while (answers.received.length < 40) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(hangs.received.length, 6, 'the hung origin got its six, the rest of its calls wait')
  hangs.release(204)
  await deliveries.settled()
  t.equal(hangs.received.length, 40)
  t.equal((await deliveries.list()).filter((d) => d.outcome === 'delivered').length, 80)
})

const waitFor = async (ready: () => boolean) => { while (!ready()) await new Promise((resolve) => setTimeout(resolve, 5)) }

t.test(`at most ${DELIVERY_LIMITS.waiting} deliveries wait: one more is dropped, with the reason listed`, async (t) => {
  const hangs = await startReceiver(() => 'hang')
  t.teardown(hangs.close)
  const deliveries = setup(t, { timeoutMs: 60_000, attempts: 1, backoffMs: 10 })
  for (let n = 0; n < DELIVERY_LIMITS.waiting; n++) await deliveries.send(input(hangs.url))
  const dropped = await deliveries.send(input(hangs.url))
  const reason = '10000 deliveries were already waiting, the most the sandbox keeps'
  t.same(dropped, { id: 10_001, ...input(hangs.url), outcome: 'dropped', reason, attempts: [] })
  t.same((await deliveries.list()).at(-1), dropped, 'listed as dropped')
  await waitFor(() => hangs.received.length === 6)
  // Cut short: the 9,994 waiting then fail at once, no call made.
  await deliveries.close()
  await deliveries.settled()
  t.equal(hangs.received.length, 6, 'six were in flight, the rest never sent')
  t.equal((await deliveries.send(input(hangs.url))).outcome, 'pending', 'once they are done, new ones wait again')
  await deliveries.settled()
})

t.test('the deliveries waiting take at most 4 MiB: one that would go past it is dropped', async (t) => {
  const hangs = await startReceiver(() => 'hang')
  t.teardown(hangs.close)
  const deliveries = setup(t, { timeoutMs: 60_000, attempts: 1, backoffMs: 10 })
  const long = input(`${hangs.url}/revoke?pad=${'x'.repeat(4000)}`)
  const fit = Math.floor(4 * 1024 * 1024 / Buffer.byteLength(JSON.stringify(long)))
  t.equal(DELIVERY_LIMITS.waitingBytes, 4 * 1024 * 1024)
  const outcomes = new Set<string>()
  for (let n = 0; n < fit; n++) outcomes.add((await deliveries.send(long)).outcome)
  t.same([...outcomes], ['pending'], `${fit} fit`)
  t.match(await deliveries.send(long), { outcome: 'dropped', reason: 'the deliveries waiting would take more than 4194304 bytes, the most the sandbox keeps' })
  t.equal((await deliveries.send(input(hangs.url))).outcome, 'pending', 'a small one still fits')
  await waitFor(() => hangs.received.length === 6)
  hangs.release(204)
  await deliveries.settled()
  t.equal(hangs.received.length, fit + 1)
})

t.test('a delivery the store cannot record is not held: it stops counting as waiting', async (t) => {
  const receiver = await startReceiver(() => 204)
  t.teardown(receiver.close)
  let failing = true
  const deliveries = setup(t, undefined, (store) => ({
    ...store,
    list: <T>(name: string, max: number) => {
      const list = store.list<T>(name, max)
      return { ...list, push: async (item: T) => { if (failing) throw new Error('store down'); await list.push(item) } }
    }
  }))
  const errors = new Set<string>()
  for (let n = 0; n <= DELIVERY_LIMITS.waiting; n++) await deliveries.send(input(receiver.url)).catch((error: Error) => errors.add(error.message))
  t.same([...errors], ['store down'])
  failing = false
  t.equal((await deliveries.send(input(receiver.url))).outcome, 'pending', 'nothing was left counted')
  await deliveries.settled()
  t.equal(receiver.received.length, 1)
})

t.test('close cuts the calls under way and leaves no socket open', async (t) => {
  const hangs = await startReceiver(() => 'hang')
  t.teardown(hangs.close)
  const deliveries = setup(t, { timeoutMs: 60_000, attempts: 1, backoffMs: 10 })
  await deliveries.close()
  await deliveries.send(input(hangs.url))
  await waitFor(() => hangs.received.length === 1)
  await deliveries.close()
  await deliveries.settled()
  t.match(await deliveries.list(), [{ outcome: 'failed', attempts: [{ error: /destroyed/i }] }])
  await waitFor(() => hangs.connections.now === 0)
})
