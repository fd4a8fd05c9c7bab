import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorEnvelope, ProviderError } from '../../errors.js'

const Health = Type.Object({ status: Type.Literal('ok') })
const Ready = Type.Object({
  status: Type.Literal('ready'),
  clients: Type.Integer({ description: 'clients loaded from clients.json' }),
  users: Type.Integer({ description: 'users loaded from users.json (provisioned ones not counted)' })
})

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    schema: { summary: 'Liveness: the process answers', tags: ['sandbox'], response: { 200: Health } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    schema: {
      summary: 'Readiness: fixtures loaded, the server listening and the store (Redis) answering',
      tags: ['sandbox'],
      response: { 200: Ready, 503: ErrorEnvelope }
    }
  }, async (request) => {
    const { lifecycle, store, clients, users } = request.sandbox
    if (!lifecycle.listening) throw new ProviderError('notReady', 'Not ready: the server is not listening yet.')
    try {
      await store.ping()
    } catch (error) {
      throw new ProviderError('notReady', `Not ready: ${(error as Error).message}`)
    }
    return { status: 'ready' as const, clients: clients.all().length, users: users.fixtureCount }
  })
}
