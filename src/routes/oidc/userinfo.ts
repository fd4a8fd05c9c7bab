import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { UserInfoSchema, userInfo } from '../../domain/users.js'
import { ErrorEnvelope, ProviderError } from '../../errors.js'
import { noStore, tokenGuard } from '../../http/guards.js'
import { bearerChallenge, invalidToken } from '../../http/bearer.js'

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
    // The token guard of the OAuth2 routes: the same access tokens, the same 401s.
    onRequest: tokenGuard,
    onSend: noStore,
    async handler (request) {
      const { token } = request
      const user = await request.sandbox.users.get(token.user_id)
      if (user === undefined) throw invalidToken()
      if (!token.grants.includes('openid')) throw new ProviderError('forbidden', 'The access token was not granted openid.', bearerChallenge('insufficient_scope', 'openid'))
      return { sub: user.id, ...userInfo(user, token.grants) }
    }
  })
}
