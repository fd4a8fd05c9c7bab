import basicAuth from '@fastify/basic-auth'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ProviderError } from '../errors.js'
import { authenticated } from '../http/guards.js'

/**
 * HTTP Basic `base64(client_id:client_secret)` against clients.json, as `app.basicAuth` for a
 * route's onRequest, so credentials are checked before the body is even parsed.
 */
async function clientAuth (app: FastifyInstance): Promise<void> {
  await app.register(basicAuth, {
    authenticate: { realm: 'Freedom ID sandbox' },
    async validate (clientId, secret, request) {
      const client = request.sandbox.clients.verify(clientId, secret)
      if (client === undefined) return new ProviderError('unauthenticated')
      authenticated(request, client)
      return undefined
    }
  })
}

export default fp(clientAuth, { name: 'client-auth', fastify: '5.x' })
