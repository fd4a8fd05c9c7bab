import t from 'tap'
import { TOKEN_LENGTH, createIds, seededBytes } from '../../src/domain/ids.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

for (const seed of [undefined, 'seed']) {
  t.test(`formats (${seed === undefined ? 'random' : 'seeded'})`, async (t) => {
    const ids = createIds(seed)
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const v4 = ids.uuidv4()
      t.match(v4, V4)
      seen.add(v4)
      const token = ids.token()
      t.equal(token.length, TOKEN_LENGTH)
      t.match(token, /^[A-Za-z0-9]+$/)
    }
    t.equal(seen.size, 200, 'no repeats')
    const at = Date.UTC(2025, 1, 25, 6, 35, 50, 355)
    const v7 = ids.uuidv7(at)
    t.match(v7, V7)
    t.equal(parseInt(v7.replace(/-/g, '').slice(0, 12), 16), at, 'the first 48 bits are the time')
  })
}

t.test('the same seed gives the same sequence; another seed another one', async (t) => {
  const run = (seed: string) => {
    const ids = createIds(seed)
    return [ids.uuidv4(), ids.token(), ids.uuidv7(0), ids.uuidv4()]
  }
  t.same(run('42'), run('42'))
  t.not(run('42')[0], run('43')[0])
  t.not(createIds().uuidv4(), createIds().uuidv4())
})

t.test('reset starts a seeded sequence again; unseeded ids have nothing to reset', async (t) => {
  const seeded = createIds('x')
  const first = [seeded.uuidv4(), seeded.token()]
  seeded.reset()
  t.same([seeded.uuidv4(), seeded.token()], first)
  const random = createIds()
  const before = random.uuidv4()
  random.reset()
  t.not(random.uuidv4(), before)
})

t.test('seeded bytes are a stream: sizes do not change what follows', async (t) => {
  const a = seededBytes('x')
  const b = seededBytes('x')
  const joined = Buffer.concat([Buffer.from(a(5)), Buffer.from(a(40))])
  t.same(joined, Buffer.from(b(45)))
})
