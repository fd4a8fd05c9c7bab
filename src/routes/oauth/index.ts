import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore, tokenGuard } from '../../http/guards.js'
import { authorizeRoute } from './authorize.js'
import { getProfileRoutes } from './get-profile.js'
import { provisioningRoutes } from './provisioning.js'
import { exchangeRoute, refreshRoute } from './token.js'
import { userRoutes } from './user.js'

/**
 * Freedom ID's OAuth2 API under /api/v1/oauth. Its answers are never cached; each route lives
 * behind the guard of the credential it takes, and the guard checks it before the body is read
 * (as Laravel's middleware does: a stranger learns nothing from a 422):
 * - the client guard (HTTP Basic client_id:client_secret): authorize, the code exchange; `request.client`;
 * - the token guard (Bearer access token): user data, KYC, provisioning; `request.token`;
 * - the refresh (PATCH token) takes a refresh token, which it looks up itself.
 * Both guards note the client and the track for the journal and the log.
 */
export const oauthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  await app.register(async (clientScope) => {
    clientScope.addHook('onRequest', clientScope.basicAuth)
    await clientScope.register(authorizeRoute)
    await clientScope.register(exchangeRoute)
  })
  await app.register(async (tokenScope) => {
    tokenScope.addHook('onRequest', tokenGuard)
    await tokenScope.register(userRoutes)
    await tokenScope.register(getProfileRoutes)
    await tokenScope.register(provisioningRoutes)
  })
  await app.register(refreshRoute)
}
