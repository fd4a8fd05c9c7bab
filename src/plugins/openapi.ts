import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

const DOCUMENT = {
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
      basic: { type: 'http' as const, scheme: 'basic', description: 'client_id:client_secret' },
      bearer: { type: 'http' as const, scheme: 'bearer', description: 'An access token (a refresh token for PATCH /api/v1/oauth/token)' }
    }
  }
}

/** @fastify/swagger, which describes each route as it is added: registered before the routes of an app built to be described. */
export const describing = fp(async (app: FastifyInstance) => {
  const { default: swagger } = await import('@fastify/swagger')
  await app.register(swagger, { openapi: DOCUMENT })
}, { name: 'openapi-describing', fastify: '5.x' })

export interface OpenApiOptions {
  /** Builds an app of the same routes with `describing` registered, and gives its document. */
  describe: () => Promise<unknown>
}

/**
 * `GET /openapi.json`: every route, provider and sandbox, described from the TypeBox schemas
 * that validate them. Worked out on the first call, from an app of the same routes built to be
 * described: swagger (and the YAML it brings) is no part of a start, and most sandboxes are
 * never asked.
 */
async function openapi (app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  let document: Promise<unknown> | undefined
  app.get('/openapi.json', { schema: { hide: true } } as object, async () => {
    document ??= options.describe()
    return document
  })
}

export default fp(openapi, { name: 'openapi', fastify: '5.x' })
