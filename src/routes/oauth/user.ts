import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { UserInfoSchema, userInfo } from '../../domain/users.js'
import { ErrorEnvelope } from '../../errors.js'
import { invalidToken } from '../../http/bearer.js'

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/oauth/user', {
    schema: {
      summary: "The signed-in user's data: id and exactly the fields the grants allow",
      tags: ['oauth2'],
      security: [{ bearer: [] }],
      response: { 200: UserInfoSchema, 401: ErrorEnvelope }
    }
  }, async (request) => {
    const { token } = request
    // A token of a user since gone (a reset in between) is no good either.
    const user = await request.sandbox.users.get(token.user_id)
    if (user === undefined) throw invalidToken()
    return userInfo(user, token.grants)
  })
}
