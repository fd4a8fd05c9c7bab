import t from 'tap'
import { CODE_LENGTH, TOKEN_LENGTH, createIds, flat, seededBytes } from '../../src/domain/ids.js'
import { localCounter } from '../../src/domain/store.js'
import { retainedBytesEach } from '../helpers/heap.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

for (const seed of [undefined, 'seed']) {
  t.test(`formats (${seed === undefined ? 'random' : 'seeded'})`, async (t) => {
    const ids = createIds(seed)
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const v4 = await ids.uuidv4()
      t.match(v4, V4)
      seen.add(v4)
      const token = await ids.token()
      t.equal(token.length, TOKEN_LENGTH)
      t.match(token, /^[A-Za-z0-9]+$/)
    }
    t.equal(seen.size, 200, 'no repeats')
    const at = Date.UTC(2025, 1, 25, 6, 35, 50, 355)
    const v7 = await ids.uuidv7(at)
    t.match(v7, V7)
    t.equal(parseInt(v7.replace(/-/g, '').slice(0, 12), 16), at, 'the first 48 bits are the time')
  })
}

t.test('the same seed gives the same sequence; another seed another one', async (t) => {
  const run = async (seed: string) => {
    const ids = createIds(seed)
    return [await ids.uuidv4(), await ids.token(), await ids.uuidv7(0), await ids.uuidv4(), await ids.code()]
  }
  t.same(await run('42'), await run('42'))
  t.not((await run('42'))[0], (await run('43'))[0])
  t.not(await createIds().uuidv4(), await createIds().uuidv4())
  t.match(await createIds().code(), /^[A-Za-z0-9]{64}$/)
})

t.test('seeded ids follow their counter: a reset counter starts again, a shared one never repeats', async (t) => {
  const draws = localCounter()
  const seeded = createIds('x', draws)
  const first = [await seeded.uuidv4(), await seeded.token()]
  await draws.set(0)
  t.same([await seeded.uuidv4(), await seeded.token()], first, 'the store reset sets the counter back')
  const replica = createIds('x', draws)
  const both = [await seeded.uuidv4(), await replica.uuidv4(), await seeded.uuidv4(), await replica.uuidv4()]
  t.equal(new Set(both).size, 4, 'two replicas on one counter draw different ids')
  t.equal(await draws.get(), 6)
})

t.test('seeded bytes are a stream: sizes do not change what follows', async (t) => {
  const a = seededBytes('x')
  const b = seededBytes('x')
  const joined = Buffer.concat([Buffer.from(a(5)), Buffer.from(a(40))])
  t.same(joined, Buffer.from(b(45)))
})

t.test('flat: the same text, whatever pieces it was built from', async (t) => {
  const built = ['a', 'b', 'c'].reduce((id, piece) => id + piece, 'x-')
  t.equal(flat(built), 'x-abc')
  t.equal(flat(''), '')
})

for (const seed of [undefined, 'seed']) {
  // Built by concatenation and kept as drawn, a token held 3.7 KB of string pieces, a uuid about 580 bytes.
  t.test(`every id is drawn as one flat string: it keeps little more than its characters (${seed === undefined ? 'random' : 'seeded'})`, async (t) => {
    const ids = createIds(seed)
    const held = {
      token: await retainedBytesEach(20_000, () => ids.token()),
      code: await retainedBytesEach(20_000, () => ids.code()),
      uuidv4: await retainedBytesEach(20_000, () => ids.uuidv4()),
      uuidv7: await retainedBytesEach(20_000, (i) => ids.uuidv7(i))
    }
    // Flat, about its length plus a header: the bound leaves room for what the heap does meanwhile.
    const bound = (length: number) => 2 * length + 100
    t.ok(held.token < bound(TOKEN_LENGTH), `a token keeps ${held.token} bytes`)
    t.ok(held.code < bound(CODE_LENGTH), `a code keeps ${held.code} bytes`)
    t.ok(held.uuidv4 < bound(36), `a uuid v4 keeps ${held.uuidv4} bytes`)
    t.ok(held.uuidv7 < bound(36), `a uuid v7 keeps ${held.uuidv7} bytes`)
  })
}
