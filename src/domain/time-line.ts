/**
 * The sandbox clock's whole shared state, one record: whether it stands still, and one number.
 * Frozen, the number is the instant it shows; running, it is the offset from real time. The
 * stores change it in one step (a Lua script on Redis, the same rules as `nextTimeLine` here), so
 * two replicas moving the clock at once never pass a range check together and overshoot it.
 */
export interface TimeLineState { frozen: boolean, ms: number }

/** `set` (an instant) or `advance` (milliseconds), and/or `freeze`: applied in that order, in one step. */
export interface TimeLineChange { set?: number, advance?: number, freeze?: boolean }

export interface TimeLineStep {
  /** Real time now (milliseconds since the epoch), what a running clock is an offset from. */
  realNow: number
  /** The state when none is stored yet: how the clock started. */
  initial: TimeLineState
  /** A `set` or an `advance` that would show an instant outside these changes nothing. */
  earliestMs: number
  latestMs: number
}

/** A clock's state in a store. */
export interface TimeLine {
  /** The stored state, or undefined when none is (the clock is as it started). */
  get(): Promise<TimeLineState | undefined>
  /** Applies the change in one step; answers the new state, or undefined (nothing changed) when the instant falls outside the range. */
  change(change: TimeLineChange, step: TimeLineStep): Promise<TimeLineState | undefined>
  /** Forgets the state: the clock is as it started again. */
  clear(): Promise<void>
}

export const instantOf = (state: TimeLineState, realNow: number): number => state.frozen ? state.ms : realNow + state.ms

/** The rules, for the memory store (SANDBOX_TIME_LINE_LUA is the same for Redis). */
export function nextTimeLine (stored: TimeLineState | undefined, change: TimeLineChange, step: TimeLineStep): TimeLineState | undefined {
  const state = stored ?? step.initial
  let instant = instantOf(state, step.realNow)
  if (change.set !== undefined || change.advance !== undefined) {
    instant = (change.set ?? instant) + (change.advance ?? 0)
    if (instant < step.earliestMs || instant > step.latestMs) return undefined
  }
  const frozen = change.freeze ?? state.frozen
  return { frozen, ms: frozen ? instant : instant - step.realNow }
}

/** A time line in this process's memory (the memory store's, and a clock's when no store is given). */
export function localTimeLine (): TimeLine {
  let state: TimeLineState | undefined
  return {
    get: async () => state,
    async change (change, step) {
      const next = nextTimeLine(state, change, step)
      if (next !== undefined) state = next
      return next
    },
    async clear () { state = undefined }
  }
}

/** Stored as `frozen:<ms>` or `running:<ms>`. */
export const encodeTimeLine = (state: TimeLineState): string => `${state.frozen ? 'frozen' : 'running'}:${state.ms}`

export function decodeTimeLine (stored: string | null): TimeLineState | undefined {
  if (stored === null) return undefined
  const colon = stored.indexOf(':')
  return { frozen: stored.slice(0, colon) === 'frozen', ms: Number(stored.slice(colon + 1)) }
}

/**
 * KEYS[1] the state; ARGV: the initial state (encoded), realNow, earliest, latest, then set,
 * advance and freeze ('' when not given; freeze 'frozen' or 'running'). Answers the new state
 * encoded, or nil when out of range. Every number is a whole millisecond count below 2^53, which
 * a Lua number holds exactly; `%.0f` writes it back without an exponent.
 */
export const TIME_LINE_LUA = `
local stored = redis.call('GET', KEYS[1]) or ARGV[1]
local mode, value = string.match(stored, '^(%a+):(-?%d+)$')
local frozen, ms = mode == 'frozen', tonumber(value)
local realNow, earliest, latest = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local set, advance, freeze = ARGV[5], ARGV[6], ARGV[7]
local instant = ms
if not frozen then instant = realNow + ms end
if set ~= '' or advance ~= '' then
  if set ~= '' then instant = tonumber(set) end
  if advance ~= '' then instant = instant + tonumber(advance) end
  if instant < earliest or instant > latest then return false end
end
if freeze ~= '' then frozen = freeze == 'frozen' end
local next = instant
if not frozen then next = instant - realNow end
local text = (frozen and 'frozen:' or 'running:') .. string.format('%.0f', next)
redis.call('SET', KEYS[1], text)
return text`
