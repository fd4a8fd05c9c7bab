import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { JOURNAL_CAP, JournalEntrySchema, JournalQuerySchema } from '../../domain/journal.js'
import { ErrorEnvelope, ValidationEnvelope } from '../../errors.js'

export const journalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/requests', {
    schema: {
      summary: 'The request journal, newest first',
      description: `The last ${JOURNAL_CAP} requests to the provider endpoints and login pages (not the control API), credentials redacted. Empty when JOURNAL=off.`,
      tags: ['sandbox'],
      querystring: JournalQuerySchema,
      response: { 200: Type.Array(JournalEntrySchema), 401: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => request.sandbox.journal.query(request.query))

  app.delete('/requests', {
    schema: { summary: 'Empty the journal', tags: ['sandbox'], response: { 204: Type.Null(), 401: ErrorEnvelope } }
  }, async (request, reply) => {
    await request.sandbox.journal.clear()
    return reply.code(204).send(null)
  })
}
