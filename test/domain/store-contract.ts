import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreUnavailableError, TRANSACTION_TRIES, type Store } from '../../src/domain/store.js'

/** A store for one test, on the given sandbox clock, closed when the test ends. */
export type MakeStore = (t: Test, now: () => number) => Promise<Store>

/** 2030-01-01T00:00:00Z on the sandbox clock. */
const START = 1_893_456_000_000
// Sandbox-clock spans long enough in real time that Redis's own TTL never fires during a test.
const MINUTE = 60_000

interface Fault { n: number, left: number }
const consume = (item: Fault): Fault | undefined => item.left > 1 ? { ...item, left: item.left - 1 } : undefined

/** What every Store does, whatever keeps the state. */
export function contract (name: string, makeStore: MakeStore): void {
  t.test(`${name}: put, get, take, delete, size and expiry on the given clock`, async (t) => {
    let now = START
    const store = await makeStore(t, () => now)
    const things = store.collection<{ n: number }>('things')
    await things.put('a', { n: 1 }, START + MINUTE)
    await things.put('b', { n: 2 }, START + 2 * MINUTE)
    t.same(await things.get('a'), { n: 1 })
    t.equal(await things.size(), 2)
    t.same(await things.take('a'), { n: 1 })
    t.equal(await things.take('a'), undefined, 'take is single-use')
    t.equal(await things.get('a'), undefined)
    t.equal(await things.delete('b'), true)
    t.equal(await things.delete('b'), false)
    t.equal(await things.get('missing'), undefined)

    await things.put('c', { n: 3 }, START + MINUTE)
    await things.put('c', { n: 4 }, START + 10 * MINUTE)
    t.same(await things.get('c'), { n: 4 }, 'a put replaces the record and its expiry')
    now = START + 10 * MINUTE
    t.equal(await things.get('c'), undefined, 'gone at its expiry')
    t.equal(await things.take('c'), undefined)
    await things.put('d', { n: 5 }, now + MINUTE)
    now += 2 * MINUTE
    t.equal(await things.delete('d'), false, 'an expired record is not deleted twice')
    t.equal(await store.collection('things').size(), 0, 'the same name is the same collection')
  })

  t.test(`${name}: Infinity keeps a record; an expiry already past keeps none`, async (t) => {
    let now = START
    const store = await makeStore(t, () => now)
    const c = store.collection<string>('c')
    await c.put('forever', 'yes', Infinity)
    await c.put('past', 'no', START - 1)
    await c.put('now', 'no', START)
    t.equal(await c.get('past'), undefined)
    t.equal(await c.get('now'), undefined, 'expiresAt == now is expired')
    now = START + 1_000_000 * MINUTE
    t.equal(await c.get('forever'), 'yes')
    t.equal(await c.take('forever'), 'yes')
    t.equal(await c.get('forever'), undefined)
  })

  t.test(`${name}: add puts only where no live record is`, async (t) => {
    let now = START
    const store = await makeStore(t, () => now)
    const c = store.collection<{ v: string }>('c')
    t.equal(await c.add('k', { v: 'first' }, START + MINUTE), true, 'absent')
    t.equal(await c.add('k', { v: 'second' }, START + 5 * MINUTE), false, 'present')
    t.same(await c.get('k'), { v: 'first' }, 'the record present is kept')
    now = START + MINUTE
    t.equal(await c.add('k', { v: 'third' }, now + MINUTE), true, 'expired counts as absent')
    t.same(await c.get('k'), { v: 'third' })
    t.equal(await c.add('forever', { v: 'f' }, Infinity), true)
    t.equal(await c.add('forever', { v: 'g' }, Infinity), false)
    t.same(await c.get('forever'), { v: 'f' })
    t.equal(await c.add('past', { v: 'p' }, now - 1), true, 'an add already expired is done, and gone')
    t.equal(await c.get('past'), undefined)
    t.equal(await c.add('past', { v: 'q' }, now + MINUTE), true)
    t.same(await c.get('past'), { v: 'q' })
  })

  t.test(`${name}: collections are separate; clear empties records, lists and counters`, async (t) => {
    const store = await makeStore(t, () => START)
    await store.collection('a').put('k', 1, START + MINUTE)
    await store.collection('b').put('k', 2, START + MINUTE)
    await store.collection('a:b').put('k', 3, START + MINUTE)
    await store.collection('a*').put('k', 4, START + MINUTE)
    t.equal(await store.collection('a').get('k'), 1)
    t.equal(await store.collection('b').get('k'), 2)
    t.equal(await store.collection('a:b').get('k'), 3)
    t.equal(await store.collection('a').size(), 1, 'a name that starts another is not counted with it')
    t.equal(await store.collection('a*').size(), 1)
    await store.list('l', 5).push('x')
    await store.counter('n').add(7)
    await store.clear()
    for (const name of ['a', 'b', 'a:b', 'a*']) t.equal(await store.collection(name).size(), 0)
    t.equal(await store.collection('a').get('k'), undefined)
    t.same(await store.list('l', 5).items(), [])
    t.equal(await store.counter('n').get(), 0)
    await store.collection('a').put('k', 5, START + MINUTE)
    t.equal(await store.collection('a').get('k'), 5, 'usable after clear')
  })

  t.test(`${name}: sweep drops the expired records and answers how many`, async (t) => {
    let now = START
    const store = await makeStore(t, () => now)
    const c = store.collection<number>('c')
    const d = store.collection<number>('d')
    await c.put('old', 1, START + MINUTE)
    await c.put('new', 1, START + 10 * MINUTE)
    await d.put('old', 1, START + MINUTE)
    await d.put('forever', 1, Infinity)
    t.equal(await store.sweep(), 0)
    now = START + 2 * MINUTE
    t.equal(await store.sweep(), 2)
    t.equal(await c.size(), 1)
    t.equal(await d.size(), 1)
    t.equal(await c.get('new'), 1)
    t.equal(await store.sweep(), 0)
  })

  t.test(`${name}: lists: bounded, oldest first, take-first with replacement, cleared`, async (t) => {
    const store = await makeStore(t, () => START)
    const list = store.list<Fault>('l', 3)
    t.same(await list.items(), [])
    for (let n = 1; n <= 4; n++) await list.push({ n, left: 2 })
    t.same(await list.items(), [{ n: 2, left: 2 }, { n: 3, left: 2 }, { n: 4, left: 2 }], 'the oldest went')
    t.same(await list.takeFirst((i) => i.n === 3, consume), { n: 3, left: 2 })
    t.same(await list.items(), [{ n: 2, left: 2 }, { n: 3, left: 1 }, { n: 4, left: 2 }], 'replaced in place')
    t.same(await list.takeFirst((i) => i.n >= 3, consume), { n: 3, left: 1 }, 'the first that matches')
    t.same(await list.items(), [{ n: 2, left: 2 }, { n: 4, left: 2 }], 'removed')
    t.equal(await list.takeFirst((i) => i.n === 9, consume), undefined, 'no match')
    t.same(await list.items(), [{ n: 2, left: 2 }, { n: 4, left: 2 }])
    await list.push({ n: 4, left: 2 })
    t.same(await list.takeFirst((i) => i.n === 4, () => undefined), { n: 4, left: 2 })
    t.same(await list.items(), [{ n: 2, left: 2 }, { n: 4, left: 2 }], 'one of two equal items goes')
    t.same(await store.list('other', 3).items(), [], 'lists are separate')
    await store.clear()
    t.same(await list.items(), [])
    await list.push({ n: 5, left: 1 })
    await list.clear()
    t.same(await store.list('l', 3).items(), [])
  })

  t.test(`${name}: a list of a group: the same list through any handle, items with an expiry, take-first, cleared alone and with the store`, async (t) => {
    const store = await makeStore(t, () => START)
    const of = (user: string) => store.list<Fault>(`sessions:${user}`, 3, { group: 'sessions' })
    t.same(await of('a').items(), [], 'a list never pushed to is empty')
    t.equal(await of('a').takeFirst(() => true, consume), undefined)
    await of('a').push({ n: 1, left: 2 }, START + MINUTE)
    await of('a').push({ n: 2, left: 2 }, START + 2 * MINUTE)
    await of('b').push({ n: 3, left: 1 }, START + MINUTE)
    t.same(await of('a').items(), [{ n: 1, left: 2 }, { n: 2, left: 2 }])
    t.same(await of('a').last(1), [{ n: 2, left: 2 }])
    t.same(await of('a').takeFirst((i) => i.n === 1, consume), { n: 1, left: 2 })
    t.same(await of('a').items(), [{ n: 1, left: 1 }, { n: 2, left: 2 }])
    await of('a').clear()
    t.same([await of('a').items(), await of('b').items()], [[], [{ n: 3, left: 1 }]], 'cleared alone')
    await of('a').push({ n: 4, left: 1 }, START + MINUTE)
    await store.clear()
    t.same([await of('a').items(), await of('b').items()], [[], []], 'and with the store')
  })

  t.test(`${name}: atomically: reads, then every write stored together; a throw writes nothing`, async (t) => {
    let now = START
    const store = await makeStore(t, () => now)
    const c = store.collection<{ n: number }>('c')
    const list = store.list<string>('l', 3)
    await c.put('a', { n: 1 }, START + MINUTE)
    await c.put('gone', { n: 0 }, START + MINUTE)
    await c.put('late', { n: 9 }, START + MINUTE)
    await list.push('x')
    now = START + MINUTE - 1
    const answer = await store.atomically(async (tx) => {
      const a = await tx.get<{ n: number }>('c', 'a')
      const items = await tx.items<string>('l')
      t.equal(await tx.get('c', 'missing'), undefined)
      tx.put('c', 'b', { n: a!.n + items.length }, START + 2 * MINUTE)
      tx.put('c', 'past', { n: 5 }, START - 1)
      tx.delete('c', 'gone')
      tx.push('l', 3, 'y')
      tx.push('l', 3, 'z')
      tx.push('l', 3, 'w')
      return 'done'
    })
    t.equal(answer, 'done', "the step's answer")
    t.same(await c.get('b'), { n: 2 })
    t.equal(await c.get('past'), undefined, 'an expiry already past keeps nothing')
    t.equal(await c.get('gone'), undefined)
    t.same((await list.items()).slice(-3), ['y', 'z', 'w'], 'pushed in order, the list bounded')
    t.ok((await list.items()).length <= 3)

    now = START + MINUTE
    t.equal(await store.atomically(async (tx) => await tx.get('c', 'late')), undefined, 'an expired record reads as absent')
    await t.rejects(store.atomically(async (tx) => {
      tx.put('c', 'a', { n: 100 }, Infinity)
      tx.clear('l')
      throw new Error('refused')
    }), { message: 'refused' }, "the step's error, as is")
    t.same(await c.get('b'), { n: 2 })
    t.same((await list.items()).slice(-1), ['w'], 'nothing written')
    await store.atomically(async (tx) => { tx.clear('l') })
    t.same(await list.items(), [], 'cleared')
    await store.atomically(async (tx) => { tx.put('never-opened', 'k', 'v', Infinity) })
    t.equal(await store.collection('never-opened').get('k'), 'v', 'a collection written before it is opened')
  })

  t.test(`${name}: atomically: of steps racing on one record, each runs again until it sees the others' writes`, async (t) => {
    const store = await makeStore(t, () => START)
    const c = store.collection<number>('c')
    await c.put('n', 0, Infinity)
    let runs = 0
    let reads = 0
    let allRead!: () => void
    const together = new Promise<void>((resolve) => { allRead = resolve })
    const increment = () => store.atomically(async (tx) => {
      runs++
      const n = await tx.get<number>('c', 'n')
      // The first runs all read before any of them writes.
      if (++reads === 3) allRead()
      if (reads <= 3) await together
      tx.put('c', 'n', n! + 1, Infinity)
      return n
    })
    t.same((await Promise.all([increment(), increment(), increment()])).sort(), [0, 1, 2], 'each saw a different value')
    t.equal(await c.get('n'), 3, 'no increment lost')
    t.ok(runs >= 5, `steps that met a change ran again (${runs} runs)`)
  })

  t.test(`${name}: atomically: a list changed since it was read, or an absent record since added, makes the step run again`, async (t) => {
    const store = await makeStore(t, () => START)
    const list = store.list<string>('l', 10)
    const c = store.collection<string>('c')
    let runs = 0
    const ended = await store.atomically(async (tx) => {
      const items = await tx.items<string>('l')
      if (runs++ === 0) await list.push('late')
      tx.clear('l')
      return items
    })
    t.same(ended, ['late'], 'the second run saw the push')
    t.equal(runs, 2)
    runs = 0
    await store.atomically(async (tx) => {
      const held = await tx.get<string>('c', 'k')
      if (runs++ === 0) await c.put('k', 'theirs', Infinity)
      if (held === undefined) tx.put('c', 'k', 'mine', Infinity)
    })
    t.equal(await c.get('k'), 'theirs', 'the record added meanwhile is kept')
    t.equal(runs, 2)
  })

  t.test(`${name}: atomically: a record that changes every time it is read gives up with StoreUnavailableError`, async (t) => {
    const store = await makeStore(t, () => START)
    const c = store.collection<number>('c')
    let runs = 0
    const failed = await store.atomically(async (tx) => {
      await tx.get('c', 'k')
      await c.put('k', ++runs, Infinity)
      tx.put('c', 'k', 0, Infinity)
    }).catch((error: unknown) => error)
    t.type(failed, StoreUnavailableError)
    t.match((failed as Error).message, new RegExp(`a transaction kept meeting changes by others; gave up after ${TRANSACTION_TRIES} tries$`))
    t.equal(runs, TRANSACTION_TRIES)
    t.equal(await c.get('k'), TRANSACTION_TRIES, 'its writes never stored')
  })

  t.test(`${name}: counters start at 0, add atomically, can be set`, async (t) => {
    const store = await makeStore(t, () => START)
    const ids = store.counter('ids')
    t.equal(await ids.get(), 0)
    t.equal(await ids.add(5), 5)
    t.equal(await ids.add(-2), 3)
    t.same(await Promise.all([ids.add(1), ids.add(1), ids.add(1)]).then((v) => v.sort()), [4, 5, 6])
    await ids.set(100)
    t.equal(await ids.get(), 100)
    t.equal(await store.counter('ids').get(), 100, 'the same name is the same counter')
    t.equal(await store.counter('other').get(), 0)
  })

  t.test(`${name}: a time line: set, advance, freeze and unfreeze in one step, within the range, cleared with the store`, async (t) => {
    const store = await makeStore(t, () => START)
    const line = store.timeLine('clock')
    // Instants past 2^32 seconds and near year 9999 survive the round trip to the digit.
    const step = { realNow: 1_000_000, initial: { frozen: true, ms: START }, earliestMs: 0, latestMs: 253_370_764_799_999 }
    t.equal(await line.get(), undefined, 'nothing stored: the clock is as it started')
    t.same(await line.change({ advance: 1500 }, step), { frozen: true, ms: START + 1500 }, 'from the initial state')
    t.same(await line.change({ freeze: false }, step), { frozen: false, ms: START + 1500 - 1_000_000 }, 'running: an offset from real time')
    t.same(await line.change({ advance: -500 }, { ...step, realNow: 1_000_007 }), { frozen: false, ms: START + 1000 - 1_000_000 })
    t.same(await line.change({ freeze: true }, { ...step, realNow: 1_000_010 }), { frozen: true, ms: START + 1010 }, 'frozen where it had run to')
    t.same(await line.change({ set: step.latestMs, freeze: false }, step), { frozen: false, ms: step.latestMs - 1_000_000 }, 'the last instant is in range')
    t.equal(await line.change({ advance: 1 }, step), undefined, 'one millisecond past it is not')
    t.equal(await line.change({ set: -1, freeze: true }, step), undefined, 'nor before the first')
    t.same(await line.get(), { frozen: false, ms: step.latestMs - 1_000_000 }, 'a refused change changed nothing, its freeze included')
    t.same(await line.change({ freeze: true }, step), { frozen: true, ms: step.latestMs }, 'a freeze alone is never out of range')
    t.same(await store.timeLine('clock').get(), { frozen: true, ms: step.latestMs }, 'the same name is the same time line')
    t.equal(await store.timeLine('other').get(), undefined)

    // Twenty advances of 10 s at once with 95 s to go: nine fit, and the clock never passes the end.
    await line.change({ set: step.latestMs - 95_000 }, step)
    const results = await Promise.all(Array.from({ length: 20 }, async () => await line.change({ advance: 10_000 }, step)))
    t.equal(results.filter((result) => result !== undefined).length, 9)
    t.same(await line.get(), { frozen: true, ms: step.latestMs - 5000 })

    await store.clear()
    t.equal(await line.get(), undefined, 'clear forgets it')
    t.same(await line.change({ freeze: false }, step), { frozen: false, ms: START - 1_000_000 })
    await line.clear()
    t.equal(await line.get(), undefined)
  })

  t.test(`${name}: withLock runs holders of one name one at a time`, async (t) => {
    const store = await makeStore(t, () => START)
    let active = 0
    let most = 0
    const hold = async (label: string): Promise<string> => await store.withLock('l', async () => {
      most = Math.max(most, ++active)
      await sleep(20)
      active--
      return label
    })
    t.same(await Promise.all([hold('a'), hold('b'), hold('c')]), ['a', 'b', 'c'])
    t.equal(most, 1, 'never two at once')

    await t.rejects(store.withLock('l', async () => { throw new Error('boom') }), { message: 'boom' }, "fn's error, as is")
    t.equal(await store.withLock('l', async () => 'free again'), 'free again', 'a failed holder released the lock')
  })

  t.test(`${name}: withLock holders of different names run together`, async (t) => {
    const store = await makeStore(t, () => START)
    let started!: () => void
    const secondStarted = new Promise<void>((resolve) => { started = resolve })
    const first = store.withLock('x', async () => { await secondStarted; return 1 })
    const second = store.withLock('y', async () => { started(); return 2 })
    t.same(await Promise.all([first, second]), [1, 2])
  })

  t.test(`${name}: ping answers`, async (t) => {
    const store = await makeStore(t, () => START)
    await t.resolves(store.ping())
  })
}
