import t from 'tap'
import { createClock } from '../../src/domain/clock.js'
import { GRANTS, type Grant } from '../../src/domain/grants.js'
import { createIds } from '../../src/domain/ids.js'
import { createMemoryStore } from '../../src/domain/store.js'
import { createTrackBuilder, createTrackService, type NewTrack } from '../../src/domain/tracks.js'
import { retainedBytesEach } from '../helpers/heap.js'

const T0 = Date.UTC(2030, 0, 1)

function service (t: { teardown(fn: () => unknown): void }) {
  const clock = createClock(new Date(T0))
  const store = createMemoryStore({ now: clock.now, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  return { clock, tracks: createTrackService({ store, clock, ids: createIds('tracks'), ttlSeconds: 600, build: createTrackBuilder() }) }
}

const issue = (tracks: ReturnType<typeof service>['tracks'], grants: Grant[]) =>
  tracks.issue({ clientId: 'client', redirectUri: 'https://shop.example/callback', grants })

t.test('a track keeps its grants once each, in the order asked, in a list it cannot change', async (t) => {
  const { tracks } = service(t)
  const track = await issue(tracks, ['read.phone', 'read.email', 'read.phone'])
  t.same(track.grants, ['read.phone', 'read.email'])
  t.ok(Object.isFrozen(track.grants))
  t.same((await tracks.find(track.track_id))?.grants, ['read.phone', 'read.email'])
})

t.test('tracks asking for the same list share one array; past 1,000 lists, each new one gets its own', async (t) => {
  const { tracks } = service(t)
  const first = await issue(tracks, ['read.email', 'read.phone'])
  const second = await issue(tracks, ['read.email', 'read.phone'])
  t.equal(first.grants, second.grants, 'the same array')
  let lists = 0
  for (const a of GRANTS) {
    for (const b of GRANTS) {
      for (const c of GRANTS) {
        if (a !== b && b !== c && a !== c && lists++ < 1_100) await issue(tracks, [a, b, c])
      }
    }
  }
  const late = ['openid', 'read.cards', 'read.profile', 'read.cards'] as Grant[]
  const one = await issue(tracks, late)
  const other = await issue(tracks, late)
  t.same(one.grants, ['openid', 'read.cards', 'read.profile'])
  t.same(other.grants, one.grants)
  t.not(other.grants, one.grants, 'no longer shared')
  t.equal((await issue(tracks, ['read.email', 'read.phone'])).grants, first.grants, 'a list kept before stays shared')
})

t.test('created_at and expires_at: the clock at issue and TRACK_TTL later, also for tracks in the same millisecond', async (t) => {
  const { clock, tracks } = service(t)
  const a = await issue(tracks, ['read.email'])
  const b = await issue(tracks, ['read.email'])
  await clock.advance(1)
  const c = await issue(tracks, ['read.email'])
  t.same([a.created_at, a.expires_at], ['2030-01-01T00:00:00.000Z', '2030-01-01T00:10:00.000Z'])
  t.same([b.created_at, b.expires_at], [a.created_at, a.expires_at])
  t.same([c.created_at, c.expires_at], ['2030-01-01T00:00:00.001Z', '2030-01-01T00:10:00.001Z'])
})

const fields = (grants: Grant[], createdAtMs = T0): NewTrack =>
  ({ trackId: 'f4c1c0de-0000-4000-8000-000000000000', clientId: 'client', redirectUri: 'https://shop.example/callback', grants, createdAtMs, expiresAtMs: createdAtMs + 600_000 })

t.test('the track builder shares grant lists among its own tracks only: two sandboxes never share one', async (t) => {
  const build = createTrackBuilder()
  const other = createTrackBuilder()
  const mine = build(fields(['read.email', 'read.phone']))
  t.equal(build(fields(['read.email', 'read.phone'])).grants, mine.grants, 'the same array')
  const theirs = other(fields(['read.email', 'read.phone']))
  t.same(theirs.grants, mine.grants)
  t.not(theirs.grants, mine.grants, 'another builder, another array')
  const small = createTrackBuilder(1)
  t.equal(small(fields(['read.email'])).grants, small(fields(['read.email'])).grants, 'the first list is kept')
  t.not(small(fields(['read.phone'])).grants, small(fields(['read.phone'])).grants, 'past listsKept, a copy each')
})

t.test('tracks built in one millisecond with the same grants keep only their own fields', async (t) => {
  const build = createTrackBuilder()
  // Each track with its own list and timestamp strings keeps about 120 bytes more (the array and two 24-character strings).
  const each = await retainedBytesEach(20_000, () => build(fields(['read.email', 'read.phone', 'read.firstname'])))
  t.ok(each < 128, `a track keeps ${each} bytes`)
  const apart = await retainedBytesEach(20_000, (i) => build(fields(['read.email', 'read.phone', 'read.firstname'], T0 + i)))
  t.ok(apart > each + 48, `tracks a millisecond apart keep their own timestamps: ${apart} bytes`)
})
