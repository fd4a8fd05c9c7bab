import t from 'tap'
import { createMemoryStore } from '../../src/domain/store.js'

t.test('put, get, take, delete, size and expiry on the given clock', async (t) => {
  let now = 1000
  const store = createMemoryStore({ now: () => now, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  const things = store.collection<{ n: number }>('things')
  await things.put('a', { n: 1 }, 2000)
  await things.put('b', { n: 2 }, 3000)
  t.same(await things.get('a'), { n: 1 })
  t.equal(await things.size(), 2)
  t.same(await things.take('a'), { n: 1 })
  t.equal(await things.take('a'), undefined, 'take is single-use')
  t.equal(await things.get('a'), undefined)
  t.equal(await things.delete('b'), true)
  t.equal(await things.delete('b'), false)

  await things.put('c', { n: 3 }, 2000)
  now = 2000
  t.equal(await things.get('c'), undefined, 'gone at its expiry')
  t.equal(await things.take('c'), undefined)
  await things.put('d', { n: 4 }, 2500)
  now = 3000
  t.equal(await things.delete('d'), false, 'an expired record is not deleted twice')
  t.equal(await store.collection('things').size(), 0, 'the same name is the same collection')
})

t.test('collections are separate; clear empties all', async (t) => {
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  await store.collection('a').put('k', 1, 10)
  await store.collection('b').put('k', 2, 10)
  t.equal(await store.collection('a').get('k'), 1)
  t.equal(await store.collection('b').get('k'), 2)
  await store.clear()
  t.equal(await store.collection('a').size(), 0)
  t.equal(await store.collection('b').size(), 0)
})

t.test('bounded: beyond the cap the oldest record goes first', async (t) => {
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

t.test('sweep drops expired records; the timer sweeps by itself', async (t) => {
  let now = 0
  const manual = createMemoryStore({ now: () => now, sweepIntervalMs: 0 })
  t.teardown(() => manual.close())
  const c = manual.collection<number>('c')
  await c.put('old', 1, 10)
  await c.put('new', 1, 100)
  now = 50
  t.equal(await manual.sweep(), 1)
  t.equal(await c.size(), 1)

  const timed = createMemoryStore({ now: () => now, sweepIntervalMs: 5 })
  t.teardown(() => timed.close())
  const d = timed.collection<number>('d')
  await d.put('x', 1, 60)
  now = 70
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(await d.size(), 0, 'swept without being read')
})

t.test('lists: bounded, oldest first, take-first with replacement, cleared with the store', async (t) => {
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  const list = store.list<{ n: number, left: number }>('l', 3)
  for (let n = 1; n <= 4; n++) await list.push({ n, left: 2 })
  t.same((await list.items()).map((i) => i.n), [2, 3, 4])
  const next = (item: { n: number, left: number }) => item.left > 1 ? { ...item, left: item.left - 1 } : undefined
  t.same(await list.takeFirst((i) => i.n === 3, next), { n: 3, left: 2 })
  t.same(await list.items(), [{ n: 2, left: 2 }, { n: 3, left: 1 }, { n: 4, left: 2 }])
  await list.takeFirst((i) => i.n === 3, next)
  t.same((await list.items()).map((i) => i.n), [2, 4])
  t.equal(await list.takeFirst((i) => i.n === 9, next), undefined)
  await store.clear()
  t.same(await list.items(), [])
  await list.push({ n: 5, left: 1 })
  await list.clear()
  t.same(await store.list('l', 3).items(), [])
})
