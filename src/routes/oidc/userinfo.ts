import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { UserInfoSchema, userInfo } from '../../domain/users.js'
import { ErrorEnvelope, ProviderError } from '../../errors.js'
import { bearerChallenge, bearerToken, invalidToken } from '../../plugins/bearer-auth.js'

export const OIDC_USERINFO_PATH = '/api/v1/oidc/userinfo'

/** The OAuth2 user data with `sub` first, which OIDC clients require of a UserInfo reply. */
export const OidcUserInfoSchema = Type.Object({
  sub: Type.String({ description: "The user's Freedom ID: the id_token's sub and the id below" }),
  ...UserInfoSchema.properties
})

/**
 * The OIDC UserInfo endpoint (a sandbox addition: the docs name none). `GET /api/v1/oauth/user`
 * answers the same access token too, but without `sub`, which OIDC libraries insist on.
 */
export const oidcUserInfoRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    method: ['GET', 'POST'],
    url: OIDC_USERINFO_PATH,
    schema: {
      summary: 'OIDC UserInfo: sub plus the user data the grants allow',
      tags: ['oidc'],
      security: [{ bearer: [] }],
      response: { 200: OidcUserInfoSchema, 401: ErrorEnvelope, 403: ErrorEnvelope }
    },
    async handler (request, reply) {
      const { tokens, users, clients } = request.sandbox
      const token = await tokens.findAccess(bearerToken(request))
      const user = token === undefined ? undefined : await users.get(token.user_id)
      if (token === undefined || user === undefined) throw invalidToken()
      request.client = clients.get(token.client_id)
      request.trackId = token.track_id
      if (!token.grants.includes('openid')) throw new ProviderError('forbidden', 'The access token was not granted openid.', bearerChallenge('insufficient_scope', 'openid'))
      reply.header('cache-control', 'no-store')
      return { sub: user.id, ...userInfo(user, token.grants) }
    }
  })
}
