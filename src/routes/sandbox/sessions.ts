import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { DELIVERY_CAP, DeliverySchema } from '../../domain/deliveries.js'
import { ErrorEnvelope, ProviderError } from '../../errors.js'

const LogoutReply = Type.Object({
  user_id: Type.String(),
  tokens_ended: Type.Integer({ description: 'Token pairs of this user that stopped working' }),
  deliveries: Type.Array(DeliverySchema, { description: 'The revoke_uri calls started (they finish in the background)' })
})

/** A user's Freedom ID session ending, and the back-channel calls it makes to the clients' revoke_uri. */
export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/users/:user_id/logout', {
    schema: {
      summary: "End a user's Freedom ID session: their tokens and browser sign-ins stop working and each client with a revoke_uri is told",
      description: 'POST {revoke_uri} with {"id": "<token id>"} for each live token pair, in the background: 5 s timeout, 3 attempts (1 s, then 2 s apart); 6 at once per origin, 16 in all, at most 10,000 waiting (more are dropped). Outcomes: GET /__sandbox/deliveries.',
      tags: ['sandbox'],
      params: Type.Object({ user_id: Type.String({ description: 'The user: id, phone or e-mail' }) }),
      response: { 200: LogoutReply, 401: ErrorEnvelope, 404: ErrorEnvelope }
    }
  }, async (request) => {
    const { users, tokens, clients, deliveries, selfUrl, signInSessions } = request.sandbox
    const user = await users.find(request.params.user_id)
    if (user === undefined) throw new ProviderError('notFound', `No user ${request.params.user_id}.`)
    const ended = await tokens.endSession(user.id)
    // The browser's sign-in ends too: prompt=none then answers login_required.
    await signInSessions.endFor(user.id)
    const started = []
    for (const pair of ended) {
      const revokeUri = clients.get(pair.client_id)?.revoke_uri
      if (revokeUri === undefined) continue
      // A path names this sandbox itself (the bundled client's built-in receiver).
      const target = revokeUri.startsWith('/') ? `${selfUrl()}${revokeUri}` : revokeUri
      started.push(await deliveries.send({ target, body: { id: pair.id }, client_id: pair.client_id, user_id: user.id }))
    }
    return { user_id: user.id, tokens_ended: ended.length, deliveries: started }
  })

  app.get('/deliveries', {
    schema: {
      summary: 'Every revoke_uri delivery and its outcome, oldest first',
      description: `The last ${DELIVERY_CAP}; each with its target, body, outcome (pending, delivered, failed, dropped with its reason) and attempts (status or error).`,
      tags: ['sandbox'],
      response: { 200: Type.Array(DeliverySchema), 401: ErrorEnvelope }
    }
  }, async (request) => request.sandbox.deliveries.list())

  app.delete('/deliveries', {
    schema: { summary: 'Forget the delivery log', tags: ['sandbox'], response: { 204: Type.Null(), 401: ErrorEnvelope } }
  }, async (request, reply) => {
    await request.sandbox.deliveries.clear()
    return reply.code(204).send(null)
  })
}
