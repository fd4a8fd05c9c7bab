import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { clockRange, inRange } from '../../domain/clock.js'
import { ErrorEnvelope, ValidationEnvelope, ValidationFailed } from '../../errors.js'

const DURATION = /^(\d+)([smhd])$/
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** `90`, `"90"`, `"15m"`, `"7d"` -> seconds. */
export function parseDuration (value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined
  if (/^-?\d+$/.test(value)) return Number(value)
  const match = DURATION.exec(value)
  return match === null ? undefined : Number(match[1]) * UNIT_SECONDS[match[2]!]!
}

export const ClockReply = Type.Object({
  now: Type.String({ description: 'The sandbox clock, ISO 8601' }),
  frozen: Type.Boolean({ description: 'true when CLOCK was set: the clock moves only when told to' })
})

/** Either `set` or `advance`, not both (checked by the handler, which can name the field). */
export const ClockChange = Type.Object({
  set: Type.Optional(Type.String({ format: 'iso-instant', description: 'Jump to this ISO 8601 instant' })),
  advance: Type.Optional(Type.Union([Type.Integer(), Type.String({ pattern: '^(-?\\d+|\\d+[smhd])$' })], {
    description: 'Seconds (an integer, may be negative) or a duration such as "15m", "7d"'
  }))
})

export const clockRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { clock, config } = app.sandbox
  const range = clockRange(Math.max(config.trackTtl, config.codeTtl, config.accessTtl, config.refreshTtl ?? 0, 86_400))
  const shown = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
  const outside = (field: string, verb: string) => new ValidationFailed({
    [field]: [`The ${field.charAt(0).toUpperCase()}${field.slice(1)} field ${verb} beyond the dates a clock can show: from ${shown(range.earliestMs)} to ${shown(range.latestMs)}.`]
  })
  const reply = () => ({ now: new Date(clock.now()).toISOString(), frozen: clock.frozen })

  app.get('/clock', {
    schema: { summary: 'Read the sandbox clock', tags: ['sandbox'], response: { 200: ClockReply, 401: ErrorEnvelope } }
  }, async () => reply())

  app.post('/clock', {
    schema: {
      summary: 'Set or advance the sandbox clock; every expiry follows it',
      tags: ['sandbox'],
      body: ClockChange,
      response: { 200: ClockReply, 401: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => {
    const { set, advance } = request.body
    if ((set === undefined) === (advance === undefined)) {
      throw new ValidationFailed({ set: ['Send either set or advance, not both.'] })
    }
    if (set !== undefined) {
      if (!inRange(range, Date.parse(set))) throw outside('set', 'is')
      await clock.set(Date.parse(set))
      return reply()
    }
    const ms = parseDuration(advance!)! * 1000
    if (!inRange(range, clock.now() + ms)) throw outside('advance', 'moves the clock')
    // An advance, not a set: two replicas advancing at once both count.
    await clock.advance(ms)
    return reply()
  })
}
