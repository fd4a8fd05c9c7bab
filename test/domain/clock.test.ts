import t from 'tap'
import { addCalendarMonth, createClock, formatProviderTimestamp, unixSeconds } from '../../src/domain/clock.js'
import { localTimeLine } from '../../src/domain/time-line.js'

t.test('a clock with a start stands still until moved', async (t) => {
  const clock = createClock(new Date('2030-01-01T00:00:00Z'), { realNow: () => 5 })
  t.equal(clock.frozen, true)
  t.equal(clock.now(), Date.UTC(2030, 0, 1))
  await clock.advance(1500)
  t.equal(clock.now(), Date.UTC(2030, 0, 1) + 1500)
  await clock.set(Date.UTC(2031, 0, 1))
  t.equal(clock.now(), Date.UTC(2031, 0, 1))
  await clock.reset()
  t.equal(clock.now(), Date.UTC(2030, 0, 1))
})

t.test('a real clock follows time, shifted by set and advance', async (t) => {
  let real = 1_000_000
  const clock = createClock(undefined, { realNow: () => real })
  t.equal(clock.frozen, false)
  t.equal(clock.now(), 1_000_000)
  real += 10
  t.equal(clock.now(), 1_000_010)
  await clock.advance(60_000)
  t.equal(clock.now(), 1_060_010)
  await clock.set(5_000_000)
  real += 1
  t.equal(clock.now(), 5_000_001)
  await clock.reset()
  t.equal(clock.now(), real)
  t.ok(Math.abs(createClock().now() - Date.now()) < 1000, 'defaults to Date.now')
})

t.test('two clocks on one time line (replicas on one store) read one time once synced', async (t) => {
  const timeLine = localTimeLine()
  const start = new Date('2030-01-01T00:00:00Z')
  const a = createClock(start, { timeLine })
  const b = createClock(start, { timeLine })
  await a.advance(60_000)
  t.equal(b.now(), Date.UTC(2030, 0, 1), 'b has not looked yet')
  await b.sync()
  t.equal(b.now(), Date.UTC(2030, 0, 1) + 60_000)
  await b.advance(1000)
  await a.advance(1000)
  t.equal(a.now(), Date.UTC(2030, 0, 1) + 62_000, 'advances add up, none is lost')
  await b.set(Date.UTC(2031, 0, 1))
  await a.sync()
  t.equal(a.now(), Date.UTC(2031, 0, 1))
  await a.reset()
  await b.sync()
  t.equal(b.now(), Date.UTC(2030, 0, 1))
})

t.test('freeze and unfreeze: the instant stays, only whether time moves it changes', async (t) => {
  let real = 1_000_000
  const clock = createClock(new Date('2030-01-01T00:00:00Z'), { realNow: () => real })
  t.equal(await clock.change({ freeze: false }), true)
  t.equal(clock.frozen, false)
  real += 250
  t.equal(clock.now(), Date.UTC(2030, 0, 1) + 250, 'running from where it stood')
  t.equal(await clock.change({ freeze: true }), true)
  real += 1000
  t.equal(clock.now(), Date.UTC(2030, 0, 1) + 250, 'frozen where it ran to')
  t.equal(await clock.change({ advance: 60_000, freeze: false }), true)
  t.equal(clock.now(), Date.UTC(2030, 0, 1) + 60_250)
  const range = { earliestMs: 0, latestMs: Date.UTC(2030, 0, 2) }
  t.equal(await clock.change({ advance: 86_400_000, freeze: true }, range), false, 'past the range: refused')
  t.equal(clock.frozen, false, 'with its freeze')
  t.equal(await clock.change({ set: Date.UTC(2030, 0, 2), freeze: true }, range), true, 'the range\'s end is in it')
  t.equal(clock.now(), Date.UTC(2030, 0, 2))
  await clock.reset()
  t.equal(clock.frozen, true)
  t.equal(clock.now(), Date.UTC(2030, 0, 1))
})

t.test('provider timestamps: whole seconds and six zero digits', async (t) => {
  t.equal(formatProviderTimestamp(Date.UTC(2025, 2, 4, 6, 35, 50, 355)), '2025-03-04T06:35:50.000000Z')
  t.equal(formatProviderTimestamp(Date.UTC(2030, 0, 1)), '2030-01-01T00:00:00.000000Z')
  t.equal(unixSeconds(1893456000999), 1893456000)
})

t.test('one calendar month, as the docs examples show', async (t) => {
  const month = (iso: string) => new Date(addCalendarMonth(Date.parse(iso))).toISOString()
  t.equal(month('2025-02-25T06:35:50.000Z'), '2025-03-25T06:35:50.000Z')
  t.equal(month('2024-09-25T10:52:21.000Z'), '2024-10-25T10:52:21.000Z')
  t.equal(month('2025-01-31T12:00:00.000Z'), '2025-02-28T12:00:00.000Z')
  t.equal(month('2024-01-31T12:00:00.000Z'), '2024-02-29T12:00:00.000Z')
  t.equal(month('2025-12-15T00:00:00.000Z'), '2026-01-15T00:00:00.000Z')
})
