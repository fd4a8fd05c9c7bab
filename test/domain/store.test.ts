import t from 'tap'
import { createMemoryStore } from '../../src/domain/store.js'
import { contract } from './store-contract.js'

contract('memory', async (t, now) => {
  const store = createMemoryStore({ now, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  return store
})

t.test('memory: local, since no other process shares it', async (t) => {
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  t.equal(store.local, true)
})

t.test('memory: bounded: beyond the cap the oldest record goes first', async (t) => {
  const store = createMemoryStore({ now: () => 0, maxEntries: 3, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  const c = store.collection<number>('c')
  for (const key of ['a', 'b', 'c']) await c.put(key, 1, 100)
  await c.put('a', 2, 100)
  await c.put('d', 1, 100)
  t.equal(await c.size(), 3)
  t.equal(await c.get('b'), undefined, 'b was the oldest once a was put again')
  t.equal(await c.get('a'), 2)
})

t.test('memory: a collection with capScale keeps that many times the cap, and drops 1% of its own cap', async (t) => {
  const store = createMemoryStore({ now: () => 0, maxEntries: 100, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  const plain = store.collection<number>('plain')
  const doubled = store.collection<number>('doubled', { capScale: 2 })
  for (let n = 0; n <= 200; n++) {
    await plain.put(`k${n}`, n, 1)
    await doubled.put(`k${n}`, n, 1)
  }
  t.equal(await plain.size(), 100, '101 > 100 dropped 1 at n = 100, and so on: one per put once full')
  t.equal(await doubled.size(), 199, '201 > 200 dropped 2')
  t.equal(await doubled.get('k1'), undefined)
  t.equal(await doubled.get('k2'), 2)
})

t.test('memory: a long list drops its oldest 1% at once', async (t) => {
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  const list = store.list<number>('l', 200)
  for (let n = 1; n <= 201; n++) await list.push(n)
  const items = await list.items()
  t.equal(items.length, 198)
  t.equal(items[0], 4)
})

t.test('memory: the timer sweeps by itself', async (t) => {
  let now = 0
  const timed = createMemoryStore({ now: () => now, sweepIntervalMs: 5 })
  t.teardown(() => timed.close())
  const d = timed.collection<number>('d')
  await d.put('x', 1, 60)
  now = 70
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(await d.size(), 0, 'swept without being read')
})

t.test('memory: at most the cap of a group\'s lists, the least recently pushed to going first (1% at once)', async (t) => {
  const store = createMemoryStore({ now: () => 0, maxEntries: 1000, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  const of = (user: number) => store.list<number>(`sessions:${user}`, 10, { group: 'sessions' })
  const others = store.list<number>('journal', 10)
  await others.push(1)
  for (let user = 0; user < 5000; user++) {
    await of(user).push(user, 1)
    // User 0 is pushed to again and again: it stays.
    if (user % 100 === 0) await of(0).push(user, 1)
  }
  let kept = 0
  for (let user = 0; user < 5000; user++) if ((await of(user).items()).length > 0) kept++
  t.ok(kept <= 1000 && kept > 980, `${kept} lists kept of 5,000`)
  t.same(await of(4999).items(), [4999], 'the newest stay')
  t.same(await of(1).items(), [], 'the oldest went')
  t.equal((await of(0).items()).length, 10, 'one pushed to lately stays, with its newest items')
  t.same(await others.items(), [1], 'a list of no group is never pushed out')
})
