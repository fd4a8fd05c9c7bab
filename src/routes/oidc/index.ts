import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../config.js'
import type { SandboxContext } from '../../context.js'
import { oidcAuthorizeRoute } from './authorize.js'
import { discoveryRoutes } from './discovery.js'
import { oidcTokenRoutes } from './token.js'
import { oidcUserInfoRoute } from './userinfo.js'

/** Freedom ID's OIDC flow (`/openid`, the OIDC token endpoint) and the sandbox's discovery, JWKS and UserInfo. */
/** What shapes the OIDC routes themselves: OIDC_ERRORS picks the token endpoint's error bodies (and its documented schemas). */
export interface OidcRouteOptions {
  oidcErrors: Config['oidcErrors']
}

export const oidcRoutes: FastifyPluginAsyncTypebox<OidcRouteOptions> = async (app, options) => {
  // A generated key is made in the background (a worker thread) from the first OIDC request on
  // (discovery, as a rule), not in the token request: under load that took longer than
  // openid-client 5's 3.5 s timeout. Not at start: a sandbox that serves only OAuth2 never pays
  // for RSA key generation. A failure (the store unreachable) is left for the request that needs
  // the key to report.
  const asked = new WeakSet<SandboxContext>()
  app.addHook('onRequest', async (request) => {
    const { sandbox } = request
    if (asked.has(sandbox)) return
    asked.add(sandbox)
    sandbox.idTokens.jwks().catch(() => {})
  })
  await app.register(oidcAuthorizeRoute)
  await app.register(oidcTokenRoutes, options)
  await app.register(oidcUserInfoRoute)
  await app.register(discoveryRoutes)
}
