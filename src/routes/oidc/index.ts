import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { oidcAuthorizeRoute } from './authorize.js'
import { discoveryRoutes } from './discovery.js'
import { oidcTokenRoutes } from './token.js'
import { oidcUserInfoRoute } from './userinfo.js'

/** Freedom ID's OIDC flow (`/openid`, the OIDC token endpoint) and the sandbox's discovery, JWKS and UserInfo. */
export const oidcRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(oidcAuthorizeRoute)
  await app.register(oidcTokenRoutes)
  await app.register(oidcUserInfoRoute)
  await app.register(discoveryRoutes)
}
