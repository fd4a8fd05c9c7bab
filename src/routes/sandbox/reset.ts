import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorEnvelope } from '../../errors.js'
import { ClockReply } from './clock.js'

export const resetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/reset', {
    schema: {
      summary: 'Back to the start: drop every track, code, token, journal entry, fault, delivery and provisioned user; restore the clock and the seeded ids',
      tags: ['sandbox'],
      response: { 200: ClockReply, 401: ErrorEnvelope }
    }
  }, async (request) => {
    const { clock, reset } = request.sandbox
    await reset()
    return { now: new Date(clock.now()).toISOString(), frozen: clock.frozen }
  })
}
