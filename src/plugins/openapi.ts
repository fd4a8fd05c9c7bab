import swagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * `GET /openapi.json`: every route, provider and sandbox, described from the TypeBox schemas
 * that validate them. Registered before the routes, so it sees each one as it is added.
 */
async function openapi (app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'freedom-id-sandbox',
        version: '0.1.0',
        description: "An offline sandbox of Freedom ID (passport.freedompay.kz). Errors use the provider's envelope " +
          '`{"error":{"message","code"}}`; validation errors the Laravel-style `{"error":{"message","errors":{field:[messages]}}}`.'
      },
      tags: [
        { name: 'oauth2', description: "Freedom ID's OAuth2 flow" },
        { name: 'login', description: 'The fake login pages (HTML)' },
        { name: 'home', description: 'The start page and its built-in demo merchant (callback and revoke_uri receiver)' },
        { name: 'sandbox', description: 'Probes and the /__sandbox control API' }
      ],
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic', description: 'client_id:client_secret' },
          bearer: { type: 'http', scheme: 'bearer', description: 'An access token (a refresh token for PATCH /api/v1/oauth/token)' }
        }
      }
    }
  })
  app.get('/openapi.json', { schema: { hide: true } } as object, async () => app.swagger())
}

export default fp(openapi, { name: 'openapi', fastify: '5.x' })
