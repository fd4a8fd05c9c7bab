import t from 'tap'
import { createMemoryStore, StoreUnavailableError, type CollectionOptions, type ListOptions, type Store, type Transaction } from '../../src/domain/store.js'
import { CLOCK, DEMO_AUTH, testApp } from '../helpers/app.js'
import { AIGERIM, approve, authorize, exchange, signIn, userData } from '../helpers/flow.js'

/**
 * A shared store (local: false, like Redis) that can be cut off: while `down`, every operation
 * rejects as the Redis store does when Redis is gone. What the sandbox answers then, and that it
 * answers normally again once the store is back, is the same for any shared store.
 */
function switchableStore (): { store: Store, set(down: boolean): void } {
  const inner = createMemoryStore({ now: () => Date.parse(CLOCK), sweepIntervalMs: 0 })
  let down = false
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (down) throw new StoreUnavailableError('the store (redis://127.0.0.1:1/0) cannot be reached: connection is closed')
    return fn(...args)
  }
  const store: Store = {
    local: false,
    collection<T>(name: string, options?: CollectionOptions) {
      const c = inner.collection<T>(name, options)
      return { put: guard(c.put), add: guard(c.add), get: guard(c.get), take: guard(c.take), delete: guard(c.delete), size: guard(c.size) }
    },
    list<T>(name: string, max: number, options?: ListOptions) {
      const l = inner.list<T>(name, max, options)
      return { push: guard(l.push), items: guard(l.items), last: guard(l.last), takeFirst: guard(l.takeFirst), clear: guard(l.clear) }
    },
    counter: (name) => {
      const c = inner.counter(name)
      return { get: guard(c.get), add: guard(c.add), set: guard(c.set) }
    },
    timeLine: (name) => {
      const l = inner.timeLine(name)
      return { get: guard(l.get), change: guard(l.change), clear: guard(l.clear) }
    },
    // Reads fail while down, and so does the commit (a step that ends while down writes nothing).
    atomically: guard((step) => inner.atomically(async (tx) => {
      const result = await step({ ...tx, get: guard(tx.get) as Transaction['get'], items: guard(tx.items) as Transaction['items'] })
      await guard(async () => {})()
      return result
    })),
    withLock: guard((name, fn) => inner.withLock(name, fn)),
    ping: guard(inner.ping),
    sweep: guard(inner.sweep),
    clear: guard(inner.clear),
    close: inner.close
  }
  return { store, set: (value) => { down = value } }
}

const ENVELOPE = {
  error: { message: 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.', code: 100503 }
}

t.test('store lost: provider endpoints answer 503 in the envelope, /health stays up, /ready fails; all comes back with the store', async (t) => {
  const { store, set } = switchableStore()
  const { app, logs } = await testApp(t, {}, undefined, { store })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const { code } = await approve(app)
  const pair = (await exchange(app, code)).json()
  const { trackId } = await authorize(app)

  set(true)
  const answers = await Promise.all([
    app.inject({ method: 'POST', url: '/api/v1/oauth/authorize', headers: { authorization: DEMO_AUTH }, payload: { redirect_uri: 'https://shop.example/cb', grants: ['read.email'] } }),
    userData(app, pair.access_token),
    app.inject({ method: 'GET', url: '/__sandbox/clock' })
  ])
  for (const res of answers) {
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '1')
    t.same(res.json(), ENVELOPE)
  }
  const page = await signIn(app, { track_id: trackId, persona: AIGERIM })
  t.equal(page.statusCode, 503)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /cannot reach its store \(Redis\)/)
  t.equal(page.headers['content-security-policy'], "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
  t.equal(page.headers['x-frame-options'], 'DENY')
  t.equal((await fetch(`${base}/health`)).status, 200)
  const ready = await fetch(`${base}/ready`)
  t.equal(ready.status, 503)
  t.same(await ready.json(), { error: { message: 'Not ready: the store (redis://127.0.0.1:1/0) cannot be reached: connection is closed', code: 100503 } })
  const why = 'the store (redis://127.0.0.1:1/0) cannot be reached: connection is closed'
  t.same(logs.filter((line) => line.msg === 'request' && line.status === 503).map((line) => [line.url, line.reason]).sort(), [
    ['/api/v1/oauth/authorize', why], ['/api/v1/oauth/user', why], ['/__sandbox/clock', why], ['/login/sign-in', why], ['/ready', `Not ready: ${why}`]
  ].sort(), 'each 503 request line says why, in the store\'s words')
  t.same(logs.filter((line) => (line.level as number) >= 40), [], 'and nothing else: no warning per request (the Redis store tells an outage once), no error, no stack')
  t.notOk(logs.some((line) => 'err' in line), 'no error object logged')

  set(false)
  t.equal((await fetch(`${base}/ready`)).status, 200)
  t.same((await userData(app, pair.access_token)).json().id, AIGERIM, 'the token from before the outage still works')
  t.equal((await exchange(app, (await approve(app)).code)).statusCode, 200, 'a whole new flow works')
  t.equal((await signIn(app, { track_id: trackId, persona: AIGERIM })).statusCode, 303, 'the track from before the outage signs in')
})

t.test('a lost store while a request is journaled costs the entry, not the answer', async (t) => {
  const { store, set } = switchableStore()
  const { app, logs } = await testApp(t, {}, undefined, { store })
  // The store goes away between the answer and the journal entry.
  app.addHook('onSend', async () => { set(true) })
  const res = await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: 'Bearer nope' } })
  t.equal(res.statusCode, 401)
  t.same(logs.filter((line) => (line.level as number) >= 40), [], 'no warning per request: the Redis store tells an outage once')
  set(false)
  t.same((await store.list('journal', 10).items()), [], 'nothing half-written')
})

t.test('a journal that fails for another reason is a bug: warned, with its stack, and the answer still goes out', async (t) => {
  const { store } = switchableStore()
  const broken: Store = { ...store, list: (name, max, options) => ({ ...store.list(name, max, options), push: async () => { throw new Error('journal bug') } }) }
  const { app, logs } = await testApp(t, {}, undefined, { store: broken })
  const res = await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: 'Bearer nope' } })
  t.equal(res.statusCode, 401)
  const warned = logs.filter((line) => line.msg === 'request not journaled')
  t.equal(warned.length, 1)
  t.match(warned[0], { level: 40, err: { message: 'journal bug', stack: /^Error: journal bug\n/ } })
})

t.test('on a shared store every request reads the clock another replica may have moved', async (t) => {
  const { store } = switchableStore()
  const a = await testApp(t, {}, undefined, { store })
  const b = await testApp(t, {}, undefined, { store })
  await a.app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '1h' } })
  t.same((await b.app.inject({ method: 'GET', url: '/__sandbox/clock' })).json(), { now: '2030-01-01T01:00:00.000Z', frozen: true })
  t.equal(b.app.sandbox.faults.idle(), false, 'another replica may queue a fault: never idle')
  await b.app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /api/v1/oauth/user', status: 500 } })
  t.equal((await a.app.inject({ method: 'GET', url: '/api/v1/oauth/user' })).statusCode, 500, 'a fault queued on one replica hits the other')
})
