import { timingSafeEqual, createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { TrackSchema } from '../../domain/tracks.js'
import { ErrorEnvelope, ProviderError, ValidationEnvelope } from '../../errors.js'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

const DURATION = /^(\d+)([smhd])$/
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** `90`, `"90"`, `"15m"`, `"7d"` -> seconds. */
export function parseDuration (value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined
  if (/^-?\d+$/.test(value)) return Number(value)
  const match = DURATION.exec(value)
  return match === null ? undefined : Number(match[1]) * UNIT_SECONDS[match[2]!]!
}

const ClockReply = Type.Object({
  now: Type.String({ description: 'The sandbox clock, ISO 8601' }),
  frozen: Type.Boolean({ description: 'true when CLOCK was set: the clock moves only when told to' })
})

const ClockChange = Type.Union([
  Type.Object({ set: Type.String({ format: 'iso-instant', description: 'Jump to this ISO 8601 instant' }) }, { additionalProperties: false }),
  Type.Object({
    advance: Type.Union([Type.Integer(), Type.String({ pattern: '^(-?\\d+|\\d+[smhd])$' })], {
      description: 'Seconds (an integer, may be negative) or a duration such as "15m", "7d"'
    })
  }, { additionalProperties: false })
])

/**
 * The control API under `/__sandbox`, for tests that drive the sandbox. With SANDBOX_TOKEN set,
 * every route here needs `Authorization: Bearer <token>`.
 */
export const sandboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, clock, tracks } = app.sandbox
  const expected = config.sandboxToken === undefined ? undefined : digest(config.sandboxToken)
  if (expected !== undefined) {
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization ?? ''
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (match === null || !timingSafeEqual(digest(match[1]!), expected)) {
        throw new ProviderError('unauthenticated', 'Unauthenticated: the control API needs "Authorization: Bearer <SANDBOX_TOKEN>".', {
          'www-authenticate': 'Bearer realm="freedom-id-sandbox control API"'
        })
      }
    })
  }

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
    const body = request.body
    if ('set' in body) clock.set(Date.parse(body.set))
    else clock.advance(parseDuration(body.advance)! * 1000)
    return reply()
  })

  app.get('/tracks/:track_id', {
    schema: {
      summary: 'A login track as the sandbox holds it',
      tags: ['sandbox'],
      params: Type.Object({ track_id: Type.String() }),
      response: { 200: Type.Composite([TrackSchema, Type.Object({ expired: Type.Boolean() })]), 401: ErrorEnvelope, 404: ErrorEnvelope }
    }
  }, async (request) => {
    const track = await tracks.find(request.params.track_id)
    if (track === undefined) throw new ProviderError('notFound', `No track ${request.params.track_id} (unknown, or expired more than an hour ago).`)
    return { ...track, expired: tracks.isExpired(track) }
  })
}
