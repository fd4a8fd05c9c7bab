import type { Redis } from 'ioredis'
import { TIME_LINE_LUA, decodeTimeLine, encodeTimeLine, type TimeLine } from './time-line.js'

interface TimeLineCommand {
  sandboxTimeLine(key: string, initial: string, realNow: number, earliest: number, latest: number,
    set: string, advance: string, freeze: string): Promise<string | null>
}

/** A clock's state on Redis: one key, read with GET, changed by one script. */
export function redisTimeLine (redis: Redis, key: string, call: <R>(command: Promise<R>) => Promise<R>): TimeLine {
  const client = redis as Redis & Partial<TimeLineCommand>
  if (client.sandboxTimeLine === undefined) client.defineCommand('sandboxTimeLine', { numberOfKeys: 1, lua: TIME_LINE_LUA })
  const script = client as Redis & TimeLineCommand
  const given = (value: number | undefined): string => value === undefined ? '' : String(value)
  return {
    get: async () => decodeTimeLine(await call(redis.get(key))),
    async change (change, step) {
      const freeze = change.freeze === undefined ? '' : change.freeze ? 'frozen' : 'running'
      const stored = await call(script.sandboxTimeLine(key, encodeTimeLine(step.initial), step.realNow, step.earliestMs, step.latestMs,
        given(change.set), given(change.advance), freeze))
      return decodeTimeLine(stored)
    },
    async clear () { await call(redis.del(key)) }
  }
}
