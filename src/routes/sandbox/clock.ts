import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SandboxContext } from '../../context.js'
import { Type } from '@sinclair/typebox'
import { clockRange } from '../../domain/clock.js'
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
  frozen: Type.Boolean({ description: 'true while the clock stands still (CLOCK set, or frozen): it moves only when told to' })
})

/** `set` or `advance` (not both), and/or `freeze` (the handler checks the combination, naming the field). */
export const ClockChange = Type.Object({
  set: Type.Optional(Type.String({ format: 'iso-instant', description: 'Jump to this ISO 8601 instant' })),
  advance: Type.Optional(Type.Union([Type.Integer(), Type.String({ pattern: '^(-?\\d+|\\d+[smhd])$' })], {
    description: 'Seconds (an integer, may be negative) or a duration such as "15m", "7d"'
  })),
  freeze: Type.Optional(Type.Boolean({ description: 'true: the clock stands still (after any set or advance); false: it runs on with real time from where it is' }))
})

const FIELDS = new Set(['set', 'advance', 'freeze'])

export const clockRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The range a clock can show: the longest life any record of this sandbox can have must still end in a writable date.
  const rangeOf = ({ config }: SandboxContext) => clockRange(Math.max(config.trackTtl, config.codeTtl, config.accessTtl, config.refreshTtl ?? 0, 86_400))
  const shown = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
  const outside = (range: ReturnType<typeof clockRange>, field: string, verb: string) => new ValidationFailed({
    [field]: [`The ${field.charAt(0).toUpperCase()}${field.slice(1)} field ${verb} beyond the dates a clock can show: from ${shown(range.earliestMs)} to ${shown(range.latestMs)}.`]
  })
  const reply = ({ clock }: SandboxContext) => ({ now: new Date(clock.now()).toISOString(), frozen: clock.frozen })

  app.get('/clock', {
    schema: { summary: 'Read the sandbox clock', tags: ['sandbox'], response: { 200: ClockReply, 401: ErrorEnvelope } }
  }, async (request) => reply(request.sandbox))

  app.post('/clock', {
    schema: {
      summary: 'Set or advance the sandbox clock, freeze or unfreeze it; every expiry follows it',
      tags: ['sandbox'],
      body: ClockChange,
      response: { 200: ClockReply, 401: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => {
    const { set, advance, freeze } = request.body
    const unknown = Object.keys(request.body).filter((field) => !FIELDS.has(field))
    if (unknown.length > 0) {
      throw new ValidationFailed(Object.fromEntries(unknown.slice(0, 3).map((field) => [field.slice(0, 100),
        [`The clock takes set, advance and freeze only; ${field.slice(0, 100)} is none of them.`]])))
    }
    if (set === undefined && advance === undefined && freeze === undefined) {
      throw new ValidationFailed({ body: ['Send set (an ISO 8601 instant), advance (seconds, or a duration such as "15m") or freeze (true or false).'] })
    }
    if (set !== undefined && advance !== undefined) {
      throw new ValidationFailed({ set: ['Send either set or advance, not both.'] })
    }
    // One step on the store: two replicas advancing at once both count, and never pass the range together.
    const change = { set: set === undefined ? undefined : Date.parse(set), advance: advance === undefined ? undefined : parseDuration(advance)! * 1000, freeze }
    const range = rangeOf(request.sandbox)
    if (!await request.sandbox.clock.change(change, range)) throw set === undefined ? outside(range, 'advance', 'moves the clock') : outside(range, 'set', 'is')
    return reply(request.sandbox)
  })
}
