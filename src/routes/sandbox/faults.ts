import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { FAULT_CAP, FaultInputSchema, FaultSchema } from '../../domain/faults.js'
import { ErrorEnvelope, ValidationEnvelope, ValidationFailed } from '../../errors.js'

export const faultRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/faults', {
    schema: {
      summary: 'Queue a fault for the next calls of a route',
      description: `Answer a status (with a body, default the provider's envelope), wait delay_ms first, or drop the connection. Faults are consumed in order; at most ${FAULT_CAP} wait at once (the oldest go first).`,
      tags: ['sandbox'],
      body: FaultInputSchema,
      response: { 201: FaultSchema, 401: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request, reply) => {
    const { status, delay_ms: delay, drop } = request.body
    if (status === undefined && delay === undefined && drop !== true) {
      throw new ValidationFailed({ status: ['The status field is required when none of delay ms / drop are present.'] })
    }
    return reply.code(201).send(await request.sandbox.faults.add(request.body))
  })

  app.get('/faults', {
    schema: { summary: 'The faults still queued, in order', tags: ['sandbox'], response: { 200: Type.Array(FaultSchema), 401: ErrorEnvelope } }
  }, async (request) => request.sandbox.faults.list())

  app.delete('/faults', {
    schema: { summary: 'Drop every queued fault', tags: ['sandbox'], response: { 204: Type.Null(), 401: ErrorEnvelope } }
  }, async (request, reply) => {
    await request.sandbox.faults.clear()
    return reply.code(204).send(null)
  })
}
