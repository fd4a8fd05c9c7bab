import t from 'tap'
import { FAULT_CAP, createFaultQueue } from '../../src/domain/faults.js'
import { createRedisStore } from '../../src/domain/redis-store.js'
import { createMemoryStore, type Store, type Transaction } from '../../src/domain/store.js'
import { AUTHORIZE, CLOCK, DEMO_AUTH, authorizeBody, testApp } from '../helpers/app.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/**
 * Faults are kept in one list per route: a request reads the faults of its own route (its path
 * and its pattern), never the whole queue, on either store. Checked by what the store hands out
 * (the lists read, their bytes), not by a timing.
 */

const redis = await startRedis()
t.teardown(() => redis.stop())

interface Read { list: string, bytes: number }

/** `inner`, noting every list a transition reads and the bytes of its items. */
function spying (inner: Store): { store: Store, reads: Read[] } {
  const reads: Read[] = []
  const store: Store = {
    ...inner,
    atomically: (step) => inner.atomically((tx) => step({
      ...tx,
      async items<T> (name: string) {
        const items = await tx.items<T>(name)
        reads.push({ list: name, bytes: Buffer.byteLength(JSON.stringify(items)) })
        return items
      }
    } satisfies Transaction))
  }
  return { store, reads }
}

const STORES = [
  { name: 'memory', make: async () => createMemoryStore({ now: () => Date.parse(CLOCK), sweepIntervalMs: 0 }) },
  { name: 'redis', make: () => createRedisStore({ url: redis.url, prefix: uniquePrefix('faults'), now: () => Date.parse(CLOCK) }) }
]

for (const kind of STORES) {
  t.test(`${kind.name}: with ${FAULT_CAP} faults of 60 KiB queued for other routes, a request reads only its own route's faults`, async (t) => {
    const inner = await kind.make()
    t.teardown(() => inner.close())
    const { store, reads } = spying(inner)
    const { app } = await testApp(t, { logLevel: 'silent' }, undefined, { store })
    for (let i = 0; i < FAULT_CAP + 5; i++) {
      const res = await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: `GET /nobody/${i}`, status: 500, body: { pad: 'p'.repeat(60 * 1024) } } })
      t.equal(res.statusCode, 201)
    }
    const queued = (await app.inject({ url: '/__sandbox/faults' })).json() as Array<{ id: number, route: string }>
    t.equal(queued.length, FAULT_CAP, 'the queue is full')
    t.same([queued[0]!.route, queued.at(-1)!.route], ['GET /nobody/5', `GET /nobody/${FAULT_CAP + 4}`], 'the oldest went first, the rest in order')

    reads.length = 0
    const res = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
    t.equal(res.statusCode, 200)
    t.same(reads, [{ list: 'faults:POST /api/v1/oauth/authorize', bytes: 2 }], 'one list read, its own route\'s, empty')

    reads.length = 0
    const missed = await app.inject({ url: '/nobody/7/x' })
    t.equal(missed.statusCode, 404)
    t.same(reads.map((read) => read.list), ['faults:GET /nobody/7/x', 'faults:GET '], 'an unknown path: its own list and the no-pattern one')

    reads.length = 0
    const hit = await app.inject({ url: `/nobody/${FAULT_CAP}` })
    t.equal(hit.statusCode, 500, 'a queued fault still hits its route')
    t.ok(reads.every((read) => read.list === `faults:GET /nobody/${FAULT_CAP}` || read.list === 'faults:GET ' || read.list === 'fault-index'), 'only its own route, and the index it leaves')
    t.ok(reads.filter((read) => read.list.startsWith('faults:')).reduce((sum, read) => sum + read.bytes, 0) < 62 * 1024, 'one fault\'s bytes read, not the queue\'s')
    const left = (await app.inject({ url: '/__sandbox/faults' })).json() as Array<{ route: string }>
    t.equal(left.length, FAULT_CAP - 1)
    t.notOk(left.some((fault) => fault.route === `GET /nobody/${FAULT_CAP}`), 'the fault taken is gone from the list')
  })
}

for (const kind of STORES) {
  t.test(`${kind.name}: faults for a path and for its pattern: the first queued hits first, whichever it is`, async (t) => {
    const store = await kind.make()
    t.teardown(() => store.close())
    const faults = createFaultQueue({ store })
    const take = async () => (await faults.consume('GET', ['/a/x', '/a/:id']))?.status
    await faults.add({ route: 'GET /a/:id', status: 501 })
    await faults.add({ route: 'GET /a/x', status: 502 })
    await faults.add({ route: 'GET /a/:id', status: 503 })
    t.same([await take(), await take(), await take(), await take()], [501, 502, 503, undefined])
    t.same(await faults.list(), [], 'all taken')
  })
}
