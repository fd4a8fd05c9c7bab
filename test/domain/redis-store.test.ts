import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { createRedisStore, type RedisStoreOptions } from '../../src/domain/redis-store.js'
import { StoreUnavailableError, type Store } from '../../src/domain/store.js'
import { freePort, startRedis, uniquePrefix, type RedisServer } from '../helpers/redis.js'
import { contract } from './store-contract.js'

const START = 1_893_456_000_000
const MINUTE = 60_000

const shared = await startRedis()
t.teardown(() => shared.stop())

async function redisStore (t: Test, server: RedisServer, options: Partial<RedisStoreOptions> = {}): Promise<Store> {
  const store = await createRedisStore({ url: server.url, prefix: uniquePrefix(), now: () => START, ...options })
  t.teardown(() => store.close())
  return store
}

/** A plain client, to look at the keys the store leaves. */
function rawClient (t: Test, server: RedisServer): Redis {
  const raw = new Redis(server.url)
  t.teardown(() => raw.quit())
  return raw
}

async function ownServer (t: Test): Promise<RedisServer> {
  const server = await startRedis()
  t.teardown(() => server.stop())
  return server
}

/** Resolves with how long `promise` took to settle, in real milliseconds, and its rejection. */
async function timed (promise: Promise<unknown>): Promise<{ ms: number, error: unknown }> {
  const start = performance.now()
  try {
    await promise
    return { ms: performance.now() - start, error: undefined }
  } catch (error) {
    return { ms: performance.now() - start, error }
  }
}

contract('redis', async (t, now) => await redisStore(t, shared, { now }))

t.test('redis: not local; keys under the prefix as a hash tag (one slot on a cluster), with a Redis TTL from the sandbox clock', async (t) => {
  const prefix = uniquePrefix()
  const store = await redisStore(t, shared, { prefix })
  const raw = rawClient(t, shared)
  t.equal(store.local, false)
  const c = store.collection('codes')
  await c.put('finite', { a: 1 }, START + MINUTE)
  await c.put('forever', { a: 2 }, Infinity)
  await c.put('past', { a: 3 }, START - 5)
  t.equal(await c.add('past', { a: 4 }, START), true)
  await store.list('faults', 10).push({ f: 1 })
  await store.counter('ids').add(3)
  t.same((await raw.keys(`{${prefix}}:*`)).sort(), [`{${prefix}}:c:codes:finite`, `{${prefix}}:c:codes:forever`, `{${prefix}}:l:faults`, `{${prefix}}:n:ids`],
    'an expiry already past leaves no key')
  const ttl = await raw.pttl(`{${prefix}}:c:codes:finite`)
  t.ok(ttl > MINUTE - 5000 && ttl <= MINUTE, `a minute on the sandbox clock is a minute of TTL (${ttl})`)
  t.equal(await raw.pttl(`{${prefix}}:c:codes:forever`), -1, 'Infinity: no TTL')
  t.equal(await raw.get(`{${prefix}}:n:ids`), '3')
})

t.test('redis: of two connections taking the same 200 codes, each code goes to exactly one', async (t) => {
  const prefix = uniquePrefix()
  const a = await redisStore(t, shared, { prefix })
  const b = await redisStore(t, shared, { prefix })
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`)
  await Promise.all(keys.map((key) => a.collection('codes').put(key, { key }, START + MINUTE)))
  // One from the first code on, the other from the last: they meet, and race, in the middle.
  const takeAll = async (store: Store, order: string[]): Promise<Map<string, unknown>> => {
    const taken = new Map<string, unknown>()
    for (const key of order) {
      const value = await store.collection('codes').take(key)
      if (value !== undefined) taken.set(key, value)
    }
    return taken
  }
  const [fromA, fromB] = await Promise.all([takeAll(a, keys), takeAll(b, [...keys].reverse())])
  t.same(keys.map((key) => [fromA.get(key), fromB.get(key)].filter((v) => v !== undefined)), keys.map((key) => [{ key }]))
  t.ok(fromA.size > 0 && fromB.size > 0, `both connections took some (${fromA.size} and ${fromB.size})`)
  t.equal(await a.collection('codes').size(), 0)
})

t.test('redis: two connections consuming one fault list consume each fault exactly as often as it allows', async (t) => {
  const prefix = uniquePrefix()
  const a = await redisStore(t, shared, { prefix })
  const b = await redisStore(t, shared, { prefix })
  interface Fault { id: number, remaining: number }
  const faults = Array.from({ length: 20 }, (_, i) => ({ id: i, remaining: 1 + (i % 4) }))
  for (const fault of faults) await a.list<Fault>('faults', 100).push(fault)
  const next = (f: Fault): Fault | undefined => f.remaining > 1 ? { ...f, remaining: f.remaining - 1 } : undefined
  const consumed = new Map<number, number>()
  const worker = async (store: Store): Promise<void> => {
    const list = store.list<Fault>('faults', 100)
    for (let found = await list.takeFirst(() => true, next); found !== undefined; found = await list.takeFirst(() => true, next)) {
      consumed.set(found.id, (consumed.get(found.id) ?? 0) + 1)
    }
  }
  await Promise.all([worker(a), worker(b), worker(a), worker(b)])
  t.same([...consumed].sort(([x], [y]) => x - y), faults.map((f) => [f.id, f.remaining]))
  t.same(await a.list('faults', 100).items(), [])
})

t.test('redis: takeFirst gives up on a list that keeps changing under it', async (t) => {
  const store = await redisStore(t, shared)
  const list = store.list<number>('l', 2)
  await list.push(1)
  await list.push(2)
  let pushed = 100
  // Each read pushes an item, which drops the one found before it can be taken.
  const error = await list.takeFirst(() => { list.push(++pushed).catch(() => {}); return true }, () => undefined).catch((e: unknown) => e)
  t.type(error, StoreUnavailableError)
  t.match((error as Error).message, /the list l kept changing; gave up after 50 tries/)
  t.same(await list.items(), [pushed - 1, pushed])
})

t.test('redis: withLock excludes holders on other connections; one kept too long fails the wait', async (t) => {
  const prefix = uniquePrefix()
  const a = await redisStore(t, shared, { prefix })
  const b = await redisStore(t, shared, { prefix, lockWaitMs: 100 })
  let active = 0
  let most = 0
  const hold = async (store: Store, label: string): Promise<string> => await store.withLock('l', async () => {
    most = Math.max(most, ++active)
    await new Promise((resolve) => setTimeout(resolve, 10))
    active--
    return label
  })
  const slow = await redisStore(t, shared, { prefix, lockWaitMs: 10_000 })
  t.same(await Promise.all([hold(a, 'a1'), hold(slow, 's1'), hold(a, 'a2'), hold(slow, 's2')]), ['a1', 's1', 'a2', 's2'])
  t.equal(most, 1)

  let release!: () => void
  const held = a.withLock('l', async () => await new Promise<string>((resolve) => { release = () => resolve('done') }))
  await new Promise((resolve) => setTimeout(resolve, 20))
  const error = await b.withLock('l', async () => 'never').catch((e: unknown) => e)
  t.type(error, StoreUnavailableError)
  t.match((error as Error).message, /the lock l was not free within 100 ms/)
  release()
  t.equal(await held, 'done')
  t.equal(await b.withLock('l', async () => 'now'), 'now')
})

t.test('redis: clear leaves other prefixes, and held locks, alone', async (t) => {
  const mine = uniquePrefix()
  const theirs = uniquePrefix()
  const store = await redisStore(t, shared, { prefix: mine })
  const other = await redisStore(t, shared, { prefix: theirs })
  const raw = rawClient(t, shared)
  await store.collection('c').put('k', 1, START + MINUTE)
  await other.collection('c').put('k', 2, START + MINUTE)
  await other.list('l', 5).push('x')
  await other.counter('n').set(4)
  await store.withLock('held', async () => {
    await store.clear()
    t.equal(await raw.exists(`{${mine}}:lock:held`), 1, 'the lock is still held')
    await store.clear()
  })
  t.same(await raw.keys(`{${mine}}:*`), [])
  t.equal(await other.collection('c').get('k'), 2)
  t.same(await other.list('l', 5).items(), ['x'])
  t.equal(await other.counter('n').get(), 4)
})

t.test('redis: creation fails fast, naming the URL without its password', async (t) => {
  const port = await freePort()
  const { ms, error } = await timed(createRedisStore({ url: `redis://:secret@127.0.0.1:${port}/0`, prefix: 'p', now: () => START }))
  t.type(error, StoreUnavailableError)
  t.equal((error as Error).message, `Redis at redis://127.0.0.1:${port}/0 is not reachable (connection refused)`)
  t.notMatch((error as Error).message, /secret/)
  t.ok(ms < 3000, `in ${Math.round(ms)} ms`)

  const wrongDb = await createRedisStore({ url: `${shared.url.slice(0, -2)}/99`, prefix: 'p', now: () => START }).catch((e: unknown) => e)
  t.type(wrongDb, StoreUnavailableError)
  t.equal((wrongDb as Error).message, `Redis at redis://127.0.0.1:${shared.port}/99 has no database 99 (ERR DB index is out of range)`)

  for (const url of ['http://127.0.0.1:6379', 'redis://[nope']) {
    const bad = await createRedisStore({ url, prefix: 'p', now: () => START }).catch((e: unknown) => e)
    t.type(bad, StoreUnavailableError)
    t.equal((bad as Error).message, 'the Redis URL is not of the form redis://[:password@]host[:port][/db]')
  }
})

t.test('redis: creation against a hung Redis gives up after the connect timeout', async (t) => {
  const server = await ownServer(t)
  server.pause()
  const first = await timed(createRedisStore({ url: server.url, prefix: 'p', now: () => START }))
  t.type(first.error, StoreUnavailableError)
  t.equal((first.error as Error).message, `Redis at ${server.url} did not answer within 2500 ms`, 'the connect timeout')
  t.ok(first.ms >= 2400 && first.ms < 3500, `in ${Math.round(first.ms)} ms`)

  const slow = await timed(createRedisStore({ url: server.url, prefix: 'p', now: () => START, commandTimeoutMs: 10_000 }))
  server.resume()
  t.type(slow.error, StoreUnavailableError)
  t.equal((slow.error as Error).message, `Redis at ${server.url} did not answer within 2500 ms`, 'nothing timed out before')
  t.ok(slow.ms >= 2400 && slow.ms < 3500, `in ${Math.round(slow.ms)} ms`)
})

t.test('redis: a hung Redis fails commands within the timeout; they answer again once it resumes', async (t) => {
  const server = await ownServer(t)
  const store = await redisStore(t, server)
  const c = store.collection<number>('c')
  await c.put('k', 1, START + MINUTE)
  server.pause()
  const { ms, error } = await timed(c.get('k'))
  t.type(error, StoreUnavailableError)
  t.equal((error as Error).message, `Redis at ${server.url} did not answer within 1000 ms`)
  t.equal(((error as Error).cause as Error).message, 'Command timed out', 'the cause is kept')
  t.ok(ms < 1500, `in ${Math.round(ms)} ms`)
  await t.rejects(store.ping(), StoreUnavailableError)
  server.resume()
  t.equal(await c.get('k'), 1)

  // The lock is taken, then Redis hangs: what fn did stands; the lock lapses on its own.
  t.equal(await store.withLock('l', async () => { server.pause(); return 'done' }), 'done')
  server.resume()
  await t.resolves(store.ping())
})

t.test('redis: restarted on the same port, the store reconnects by itself', async (t) => {
  const server = await ownServer(t)
  const store = await redisStore(t, server)
  const c = store.collection<number>('c')
  await c.put('k', 1, START + MINUTE)
  await server.stop()
  const { ms, error } = await timed(c.get('k'))
  t.type(error, StoreUnavailableError)
  t.ok(ms < 1500, `in ${Math.round(ms)} ms`)
  await server.restart()
  let answered = false
  for (let i = 0; i < 100 && !answered; i++) {
    answered = await store.ping().then(() => true, async () => { await new Promise((resolve) => setTimeout(resolve, 50)); return false })
  }
  t.ok(answered, 'answers again within 5 s')
  t.equal(await c.get('k'), undefined, 'a fresh Redis is empty')
  await c.put('k', 2, START + MINUTE)
  t.equal(await c.get('k'), 2)

  await server.stop()
  await t.resolves(store.close(), 'closing while Redis is gone does not throw')
})

/** An OutageLog that keeps its lines, and waits for the next one. */
function outageLog () {
  const lines: string[] = []
  let waiting: (() => void) | undefined
  const push = (level: string) => (message: string) => { lines.push(`${level} ${message}`); waiting?.() }
  return {
    lines,
    log: { warn: push('warn'), info: push('info') },
    async next (count: number): Promise<void> {
      const deadline = Date.now() + 10_000
      while (lines.length < count && Date.now() < deadline) await new Promise<void>((resolve) => { waiting = resolve; setTimeout(resolve, 100) })
    }
  }
}

t.test('redis: an outage is told once, in words, when Redis goes away, and once when it is back', async (t) => {
  const server = await ownServer(t)
  const { lines, log, next } = outageLog()
  const store = await redisStore(t, server, { log })
  const c = store.collection<number>('c')
  await c.put('k', 1, START + MINUTE)
  t.same(lines, [], 'nothing to tell while Redis answers')

  await server.stop()
  await next(1)
  const down = `Redis at ${server.url} is not reachable (connection refused)`
  t.same(lines, [`warn ${down}; retrying, and answering 503 meanwhile`], 'told as soon as the reconnect is refused, before any command')
  for (let i = 0; i < 5; i++) {
    const error = await c.get('k').catch((e: unknown) => e)
    t.type(error, StoreUnavailableError)
    t.equal((error as Error).message, down, 'each command says why, in the same words')
  }
  await new Promise((resolve) => setTimeout(resolve, 700))
  t.equal(lines.length, 1, 'five failed commands and a few reconnects: still one line')

  await server.restart()
  await next(2)
  t.match(lines[1], new RegExp(`^info Redis at ${server.url.replaceAll('.', '\\.')} is back after \\d+\\.\\d s$`))
  t.equal(await c.get('k'), undefined, 'it answers (a fresh Redis is empty)')
  t.equal(lines.length, 2)
})

t.test('redis: a hung Redis and a Redis refusing writes are outages too, told once each', async (t) => {
  const server = await ownServer(t)
  const { lines, log, next } = outageLog()
  const store = await redisStore(t, server, { log })
  const raw = new Redis(server.url)
  const c = store.collection<string>('c')

  server.pause()
  const hung = await Promise.all([c.get('a'), c.get('b'), store.ping()].map(async (p) => await p.catch((e: unknown) => (e as Error).message)))
  t.same(hung, Array.from({ length: 3 }, () => `Redis at ${server.url} did not answer within 1000 ms`))
  server.resume()
  await next(2)
  t.equal(lines[0], `warn Redis at ${server.url} did not answer within 1000 ms; retrying, and answering 503 meanwhile`)
  t.match(lines[1], /^info Redis at .* is back after \d+\.\d s$/)

  await raw.config('SET', 'maxmemory', '1')
  for (let i = 0; i < 3; i++) {
    t.equal(await c.put('k', 'x'.repeat(100), START + MINUTE).catch((e: unknown) => (e as Error).message),
      `Redis at ${server.url} refused the write: out of memory (maxmemory)`)
    t.equal(await c.get('k'), undefined, 'reads still answer in between')
  }
  await new Promise((resolve) => setTimeout(resolve, 700))
  t.same(lines.slice(2), [`warn Redis at ${server.url} refused the write: out of memory (maxmemory); retrying, and answering 503 meanwhile`],
    'one line: the reads that answered do not end the outage, only a write that is taken does')
  await raw.config('SET', 'maxmemory', '0')
  await next(4)
  t.match(lines[3], /^info Redis at .* is back after \d+\.\d s$/)
  await c.put('k', 'x', START + MINUTE)
  t.equal(await c.get('k'), 'x')
  raw.disconnect()
  await store.close()
  await server.stop()
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(lines.length, 4, 'a closed store tells nothing more')
})

t.test('redis: a list lives on as long as the latest expiry pushed into it, never shorter; a list pushed without one has no TTL', async (t) => {
  const prefix = uniquePrefix()
  const store = await redisStore(t, shared, { prefix })
  const raw = rawClient(t, shared)
  const list = store.list<number>('sessions:a', 10, { group: 'sessions' })
  await list.push(1, START + 10 * MINUTE)
  const first = await raw.pttl(`{${prefix}}:l:sessions:a`)
  t.ok(first > 9 * MINUTE && first <= 10 * MINUTE, `${first} ms`)
  await list.push(2, START + 5 * MINUTE)
  t.ok(await raw.pttl(`{${prefix}}:l:sessions:a`) > 9 * MINUTE, 'an earlier expiry does not shorten it')
  await list.push(3, START + 30 * MINUTE)
  t.ok(await raw.pttl(`{${prefix}}:l:sessions:a`) > 29 * MINUTE, 'a later one lengthens it')
  await list.push(4, START - MINUTE)
  t.same(await list.items(), [1, 2, 3, 4], 'an item already expired is pushed, the list kept')
  await store.list<number>('journal', 10).push(1)
  t.equal(await raw.pttl(`{${prefix}}:l:journal`), -1)

  // The same through a transition (a pair issued in the code exchange), and not for a list without an expiry.
  await store.atomically(async (tx) => { tx.push('sessions:b', 10, 1, { group: 'sessions', expiresAtMs: START + 10 * MINUTE }) })
  const inTx = await raw.pttl(`{${prefix}}:l:sessions:b`)
  t.ok(inTx > 9 * MINUTE && inTx <= 10 * MINUTE, `${inTx} ms`)
  await store.atomically(async (tx) => { tx.push('sessions:b', 10, 2, { group: 'sessions', expiresAtMs: START + 5 * MINUTE }) })
  t.ok(await raw.pttl(`{${prefix}}:l:sessions:b`) > 9 * MINUTE, 'an earlier expiry does not shorten it')
  await store.atomically(async (tx) => { tx.push('faults', 10, 1) })
  t.equal(await raw.pttl(`{${prefix}}:l:faults`), -1)
  t.same(await store.list<number>('sessions:b', 10).items(), [1, 2])
})
