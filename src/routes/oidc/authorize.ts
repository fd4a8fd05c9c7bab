import helmet from '@fastify/helmet'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { redirectWith } from '../../domain/login.js'
import { checkAuthorizationRequest } from '../../domain/oidc.js'
import { errorPage } from '../../views/login.js'
import { sendPage, signInHref } from '../login/index.js'

const param = (description: string) => Type.Optional(Type.String({ description }))

export const AuthorizeQuery = Type.Object({
  scope: param('Space-separated: openid plus any grant names, e.g. "openid read.email read.firstname"'),
  state: param('Echoed on the redirect back'),
  response_type: param('code'),
  client_id: param('The client_id from clients.json'),
  redirect_uri: param("Exactly one of the client's redirect_uris when it has them, else any absolute http(s) URL"),
  nonce: param('Echoed in the id_token'),
  code_challenge: param('PKCE: BASE64URL(SHA256(code_verifier))'),
  code_challenge_method: param('PKCE: S256 (plain is refused)')
})

/**
 * `GET /openid`: the OIDC authorization request. A good one becomes a track and the browser goes
 * to the same login pages as the OAuth2 flow; a bad one gets an error page, or (once the client
 * and its redirect_uri are known good) a redirect with `error` and `state`.
 */
export const oidcAuthorizeRoute: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(helmet, { global: false })
  const { clients, tracks } = app.sandbox

  app.get('/openid', {
    // The handler reads the raw query itself: a repeated parameter is an OIDC error, not a 422.
    attachValidation: true,
    schema: {
      summary: 'OIDC authorization request: redirects (303) to the login page, or back with error and state',
      tags: ['oidc'],
      querystring: AuthorizeQuery
    }
  }, async (request, reply) => {
    const checked = checkAuthorizationRequest(request.query as Record<string, unknown>, clients)
    if (checked.outcome === 'page') return sendPage(reply, 400, errorPage('Cannot sign in', checked.message))
    request.client = checked.client
    if (checked.outcome === 'redirect') return reply.redirect(redirectWith(checked.redirectUri, checked.params), 303)
    const track = await tracks.issue({ clientId: checked.client.client_id, redirectUri: checked.redirectUri, grants: checked.grants, oidc: checked.oidc })
    request.trackId = track.track_id
    return reply.redirect(signInHref(track), 303)
  })
}
