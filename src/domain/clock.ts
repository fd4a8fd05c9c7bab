/**
 * The sandbox clock. Every expiry in the sandbox reads time from here, never from Date.now(),
 * so a test can start the clock at a fixed instant (`CLOCK`) and move it by hand.
 */
export interface Clock {
  /** Milliseconds since the epoch, on the sandbox's time line. */
  now(): number
  /** True when the clock stands still until it is set or advanced. */
  readonly frozen: boolean
  set(instantMs: number): void
  advance(ms: number): void
  /** Back to how it started: the fixed start instant, or real time. */
  reset(): void
}

export function createClock (start?: Date, realNow: () => number = Date.now): Clock {
  const startMs = start?.getTime()
  // A clock with a start stands still; set/advance on a real clock shifts it by an offset.
  let fixed = startMs
  let offset = 0
  return {
    get frozen () { return startMs !== undefined },
    now: () => fixed ?? realNow() + offset,
    set (instantMs) {
      if (fixed === undefined) offset = instantMs - realNow()
      else fixed = instantMs
    },
    advance (ms) {
      if (fixed === undefined) offset += ms
      else fixed += ms
    },
    reset () {
      fixed = startMs
      offset = 0
    }
  }
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
