import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { UserInfoSchema, userInfo } from '../../domain/users.js'
import { ErrorEnvelope } from '../../errors.js'
import { bearerToken, invalidToken } from '../../plugins/bearer-auth.js'

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/oauth/user', {
    schema: {
      summary: "The signed-in user's data: id and exactly the fields the grants allow",
      tags: ['oauth2'],
      security: [{ bearer: [] }],
      response: { 200: UserInfoSchema, 401: ErrorEnvelope }
    }
  }, async (request, reply) => {
    const { clients, tokens, users } = request.sandbox
    const token = await tokens.findAccess(bearerToken(request))
    const user = token === undefined ? undefined : await users.get(token.user_id)
    if (token === undefined || user === undefined) throw invalidToken()
    request.client = clients.get(token.client_id)
    request.trackId = token.track_id
    reply.header('cache-control', 'no-store')
    return userInfo(user, token.grants)
  })
}
