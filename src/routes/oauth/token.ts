import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { formatProviderTimestamp } from '../../domain/clock.js'
import type { TokenRecord } from '../../domain/tokens.js'
import { ErrorEnvelope, ValidationEnvelope } from '../../errors.js'
import { bearerToken, invalidToken } from '../../http/bearer.js'

export const TokenReply = Type.Object({
  id: Type.String({ description: 'Token id, a UUID v7 (what a revoke_uri later receives)' }),
  access_token: Type.String({ description: '128 characters of [a-zA-Z0-9]' }),
  refresh_token: Type.String({ description: '128 characters of [a-zA-Z0-9]' }),
  access_expire_at: Type.String({ description: 'YYYY-MM-DDTHH:MM:SS.000000Z' }),
  refresh_expire_at: Type.String({ description: 'YYYY-MM-DDTHH:MM:SS.000000Z' })
})

const ExchangeBody = Type.Object({
  authorization_code: Type.String({ minLength: 1, description: 'The authorization_code the login redirect carried' })
})

const reply = (record: TokenRecord) => ({
  id: record.id,
  access_token: record.access_token,
  refresh_token: record.refresh_token,
  access_expire_at: formatProviderTimestamp(record.access_expires_at),
  refresh_expire_at: formatProviderTimestamp(record.refresh_expires_at)
})

/** The exchange, behind the surface's client guard (HTTP Basic). */
export const exchangeRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/oauth/token', {
    schema: {
      summary: 'Exchange an authorization_code for a token pair',
      tags: ['oauth2'],
      security: [{ basic: [] }],
      body: ExchangeBody,
      response: { 200: TokenReply, 400: ErrorEnvelope, 401: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => {
    const { code, pair } = await request.sandbox.codeExchange.exchange(request.body.authorization_code, request.client.client_id, 'oauth2')
    request.trackId = code.track_id
    return reply(pair)
  })
}

/** The refresh: its Bearer credential is a refresh token, which no guard of the surface takes. */
export const refreshRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.patch('/api/v1/oauth/token', {
    schema: {
      summary: 'Refresh: a new token pair for a refresh token, which dies at once',
      tags: ['oauth2'],
      security: [{ bearer: [] }],
      response: { 200: TokenReply, 401: ErrorEnvelope }
    }
  }, async (request) => {
    const { clients, tokens } = request.sandbox
    const record = await tokens.refresh(bearerToken(request), 'oauth2')
    if (record === undefined) throw invalidToken()
    request.caller = clients.get(record.client_id)
    request.trackId = record.track_id
    return reply(record)
  })
}
