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
    const { store, clock, journal, faults, deliveries, idTokens } = request.sandbox
    // One store for every replica: clearing it resets them all (tracks, codes, tokens, users, journal, faults, clock, id sequence).
    await idTokens.keepKeyAcross(async () => {
      await store.clear()
      await journal.clear()
      await faults.clear()
      await deliveries.clear()
      await clock.reset()
    })
    return { now: new Date(clock.now()).toISOString(), frozen: clock.frozen }
  })
}
