import formbody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { OidcRouteOptions } from './index.js'
import { Type, type Static } from '@sinclair/typebox'
import { ErrorEnvelope, OAuthErrorBody, ValidationEnvelope } from '../../errors.js'
import { attributeName } from '../../http/validation.js'
import { oidcClientAuth } from './client-auth.js'
import { OIDC_TOKEN_PATHS, oidcAddress } from '../../http/issuer.js'
import { missingParameters, tokenErrorHandler } from './token-errors.js'

export const OidcTokenBody = Type.Object({
  grant_type: Type.Union([Type.Literal('authorization_code'), Type.Literal('refresh_token')]),
  code: Type.Optional(Type.String({ description: 'authorization_code: the code the redirect carried' })),
  redirect_uri: Type.Optional(Type.String({ description: 'authorization_code: the redirect_uri of the /openid request' })),
  code_verifier: Type.Optional(Type.String({ description: 'authorization_code: the PKCE verifier, when /openid carried a code_challenge' })),
  refresh_token: Type.Optional(Type.String({ description: 'refresh_token: a live refresh token of this client' })),
  scope: Type.Optional(Type.String({ description: 'refresh_token: the grants again, or fewer (openid among them); never more' })),
  client_id: Type.Optional(Type.String({ description: 'client_secret_post (instead of Basic)' })),
  client_secret: Type.Optional(Type.String({ description: 'client_secret_post (instead of Basic)' }))
}, { description: 'JSON or application/x-www-form-urlencoded' })

export const OidcTokenReply = Type.Object({
  access_token: Type.String({ description: '128 characters of [a-zA-Z0-9]; also works at GET /api/v1/oauth/user' }),
  expires_in: Type.Integer({ description: 'Seconds (ACCESS_TTL)' }),
  refresh_token: Type.String({ description: '128 characters of [a-zA-Z0-9]' }),
  token_type: Type.Literal('Bearer'),
  id_token: Type.String({ description: 'RS256 JWT: iss, sub, aud, exp, iat, nonce; keys at /.well-known/jwks.json' })
})

const REQUIRED: Record<Static<typeof OidcTokenBody>['grant_type'], Array<keyof Static<typeof OidcTokenBody>>> = {
  authorization_code: ['code', 'redirect_uri'],
  refresh_token: ['refresh_token']
}

/** The fields this grant needs, missing or empty (RFC 6749 section 3.1: an empty parameter is an omitted one). */
function missingFields (body: Static<typeof OidcTokenBody>) {
  const missing = REQUIRED[body.grant_type].filter((field) => (body[field] ?? '') === '')
  if (missing.length === 0) return undefined
  return missingParameters(missing, Object.fromEntries(missing.map((field) => [field, [`The ${attributeName(field)} field is required.`]])))
}

const optional = (value: string | undefined): string | undefined => value?.trim() === '' ? undefined : value

/**
 * `POST /api/v1/oidc/token`: Basic or client_secret_post; JSON or form body. Errors are RFC 6749's
 * (or with OIDC_ERRORS=envelope, Freedom ID's envelope). Forms are parsed here only: the OAuth2
 * endpoints still take JSON alone.
 */
export const oidcTokenRoutes: FastifyPluginAsyncTypebox<OidcRouteOptions> = async (app, { oidcErrors: reading }) => {
  await app.register(formbody)
  const auth = oidcClientAuth()
  app.setErrorHandler(tokenErrorHandler(reading))
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    reply.header('pragma', 'no-cache')
  })

  for (const url of OIDC_TOKEN_PATHS) {
    app.post(url, {
      onRequest: auth.onRequest,
      preValidation: auth.preValidation,
      schema: {
        summary: url === OIDC_TOKEN_PATHS[0]
          ? 'OIDC token request: authorization_code or refresh_token grant; tokens and an id_token'
          : 'The same, at the path as the docs print it',
        tags: ['oidc'],
        security: [{ basic: [] }],
        body: OidcTokenBody,
        response: reading === 'oauth'
          ? { 200: OidcTokenReply, 400: OAuthErrorBody, 401: OAuthErrorBody }
          : { 200: OidcTokenReply, 400: ErrorEnvelope, 401: ErrorEnvelope, 422: ValidationEnvelope }
      }
    }, async (request) => {
      const { body } = request
      const missing = missingFields(body)
      if (missing !== undefined) throw missing
      const clientId = request.client.client_id
      const { oidc } = request.sandbox
      const { issuer } = oidcAddress(request.sandbox, request)
      const { reply, trackId } = body.grant_type === 'authorization_code'
        ? await oidc.exchange(clientId, { code: body.code!, redirectUri: body.redirect_uri!, codeVerifier: optional(body.code_verifier), issuer })
        : await oidc.refresh(clientId, { refreshToken: body.refresh_token!, scope: optional(body.scope), issuer })
      request.trackId = trackId
      return reply
    })
  }
}
