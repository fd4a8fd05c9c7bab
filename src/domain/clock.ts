import { instantOf, localTimeLine, type TimeLine, type TimeLineState } from './time-line.js'

/**
 * The sandbox clock. Every expiry in the sandbox reads time from here, never from Date.now(),
 * so a test can start the clock at a fixed instant (`CLOCK`), move it, freeze and unfreeze it.
 *
 * Its whole state (frozen or running, and where) is one record in the store, so replicas on a
 * shared store read one clock. `now()` stays synchronous: it reads the state this process last
 * saw, which `sync()` and every change refresh.
 */
export interface Clock {
  /** Milliseconds since the epoch, on the sandbox's time line. */
  now(): number
  /** Real milliseconds since the epoch, whatever the sandbox clock shows: how fast a client retries is judged by it. */
  real(): number
  /** True when the clock stands still until it is set, advanced or unfrozen. */
  readonly frozen: boolean
  /**
   * `set` (an instant) or `advance` (milliseconds), and/or `freeze`, in one step however many
   * replicas change the clock at once; answers false, changing nothing, when the instant shown
   * would fall outside `range` (by default, any a Date can hold).
   */
  change(change: ClockChange, range?: ClockRange): Promise<boolean>
  set(instantMs: number): Promise<void>
  advance(ms: number): Promise<void>
  /** Back to how it started: frozen at the start instant, or real time. */
  reset(): Promise<void>
  /** Reads the state again: another replica may have changed the clock. */
  sync(): Promise<void>
}

export interface ClockChange { set?: number, advance?: number, freeze?: boolean }

/** What a Date holds: 100,000,000 days either side of 1970. */
const ANY_DATE: ClockRange = { earliestMs: -8.64e15, latestMs: 8.64e15 }

export function createClock (start?: Date, options: { timeLine?: TimeLine, realNow?: () => number } = {}): Clock {
  const { timeLine = localTimeLine(), realNow = Date.now } = options
  // A clock with a start stands still there; a real one moves with real time.
  const initial: TimeLineState = start === undefined ? { frozen: false, ms: 0 } : { frozen: true, ms: start.getTime() }
  let state = initial
  const change = async (change: ClockChange, range = ANY_DATE): Promise<boolean> => {
    const next = await timeLine.change(change, { realNow: realNow(), initial, ...range })
    if (next !== undefined) state = next
    return next !== undefined
  }
  return {
    get frozen () { return state.frozen },
    now: () => instantOf(state, realNow()),
    real: realNow,
    change,
    async set (instantMs) { await change({ set: instantMs }) },
    async advance (ms) { await change({ advance: ms }) },
    async reset () {
      await timeLine.clear()
      state = initial
    },
    async sync () { state = await timeLine.get() ?? initial }
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
