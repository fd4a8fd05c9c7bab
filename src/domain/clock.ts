import { localCounter, type Counter } from './store.js'

/**
 * The sandbox clock. Every expiry in the sandbox reads time from here, never from Date.now(),
 * so a test can start the clock at a fixed instant (`CLOCK`) and move it by hand.
 *
 * Its whole state is one number, the offset from where it started (the `CLOCK` instant, or real
 * time), kept in the store so replicas on a shared store read one clock. `now()` stays
 * synchronous: it reads the offset this process last saw, which `sync()` refreshes.
 */
export interface Clock {
  /** Milliseconds since the epoch, on the sandbox's time line. */
  now(): number
  /** Real milliseconds since the epoch, whatever the sandbox clock shows: how fast a client retries is judged by it. */
  real(): number
  /** True when the clock stands still until it is set or advanced. */
  readonly frozen: boolean
  set(instantMs: number): Promise<void>
  advance(ms: number): Promise<void>
  /** Back to how it started: the fixed start instant, or real time. */
  reset(): Promise<void>
  /** Reads the offset again: another replica may have moved the clock. */
  sync(): Promise<void>
}

export function createClock (start?: Date, options: { offset?: Counter, realNow?: () => number } = {}): Clock {
  const { offset: shared = localCounter(), realNow = Date.now } = options
  const startMs = start?.getTime()
  // A clock with a start stands still; a real one moves with real time, shifted by the offset.
  const base = startMs === undefined ? realNow : () => startMs
  let offset = 0
  return {
    get frozen () { return startMs !== undefined },
    now: () => base() + offset,
    real: realNow,
    async set (instantMs) {
      const next = instantMs - base()
      await shared.set(next)
      offset = next
    },
    async advance (ms) { offset = await shared.add(ms) },
    async reset () {
      await shared.set(0)
      offset = 0
    },
    async sync () { offset = await shared.get() }
  }
}

const DAY_MS = 86_400_000

/**
 * The instants the sandbox clock may show: every route must be able to write now, and now plus
 * the longest life it gives anything (a token, a track kept an hour past its expiry, a KYC
 * request's 24 h), as a JWT's `exp`/`iat` (seconds since 1970, not before it) and in the
 * provider's `Y-m-d` formats (a four-digit year). So from 1970 to the start of year 9999, less
 * the longest span (and at least 31 days, a calendar month of refresh): a real-time clock set
 * to the end still has the rest of that year to run.
 */
export interface ClockRange { earliestMs: number, latestMs: number }

export function clockRange (longestSpanSeconds: number): ClockRange {
  return { earliestMs: 0, latestMs: Date.UTC(9999, 0, 1) - Math.max(longestSpanSeconds * 1000, 31 * DAY_MS) }
}

export const inRange = (range: ClockRange, ms: number): boolean => ms >= range.earliestMs && ms <= range.latestMs

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** `2025-03-04T06:35:50.000000Z`: the token endpoints' format (whole seconds, six zero digits). */
export function formatProviderTimestamp (ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.000000Z`
}

/** `2025-02-25T06:50:46.555000Z`: the status `datetime` has six fraction digits; the sandbox clock has three. */
export const formatMicroTimestamp = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z')

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000)

/** Same wall-clock time one calendar month later, clamped to the month's end (Carbon's addMonthNoOverflow). */
export function addCalendarMonth (ms: number): number {
  const d = new Date(ms)
  const year = d.getUTCFullYear()
  const month = d.getUTCMonth() + 1
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  d.setUTCDate(1)
  d.setUTCMonth(month)
  d.setUTCDate(Math.min(new Date(ms).getUTCDate(), lastDay))
  return d.getTime()
}
