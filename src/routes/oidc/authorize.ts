import helmet from '@fastify/helmet'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { redirectWith } from '../../domain/login.js'
import { checkAuthorizationRequest, errorParams } from '../../domain/oidc.js'
import { silentSignIn } from '../../domain/sign-in-sessions.js'
import { errorPage } from '../../views/login.js'
import { sendPage, signInHref } from '../../http/pages.js'
import { sessionIdOf } from '../../http/session-cookie.js'

const param = (description: string) => Type.Optional(Type.String({ description }))

export const AuthorizeQuery = Type.Object({
  scope: param('Space-separated: openid plus any grant names, e.g. "openid read.email read.firstname"'),
  state: param('Echoed on the redirect back'),
  response_type: param('code'),
  client_id: param('The client_id from clients.json'),
  redirect_uri: param("Exactly one of the client's redirect_uris when it has them, else any absolute http(s) URL"),
  nonce: param('Echoed in the id_token'),
  code_challenge: param('PKCE: BASE64URL(SHA256(code_verifier))'),
  code_challenge_method: param('PKCE: S256 (plain is refused)'),
  prompt: param('none: a code without any page for a browser already signed in and consenting, else error=login_required or consent_required; login, consent, select_account: the pages (always shown)'),
  max_age: param('Seconds: with prompt=none, a sign-in older than this answers login_required; auth_time is in every id_token'),
  login_hint: param('Prefills the login field (phone or e-mail); with prompt=none, must name the user signed in')
})

/**
 * `GET /openid`: the OIDC authorization request. A good one becomes a track and the browser goes
 * to the same login pages as the OAuth2 flow (with prompt=none, straight back with a code or an
 * error); a bad one gets an error page, or (once the client and its redirect_uri are known good)
 * a redirect with `error` and `state`.
 */
export const oidcAuthorizeRoute: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(helmet, { global: false })
  app.get('/openid', {
    // The handler reads the raw query itself: a repeated parameter is an OIDC error, not a 422.
    attachValidation: true,
    schema: {
      summary: 'OIDC authorization request: redirects (303) to the login page, or back with error and state',
      tags: ['oidc'],
      querystring: AuthorizeQuery
    }
  }, async (request, reply) => {
    const { clients, tracks, login, users, clock, signInSessions } = request.sandbox
    const checked = checkAuthorizationRequest(request.query as Record<string, unknown>, clients)
    if (checked.outcome === 'page') return sendPage(reply, 400, errorPage('Cannot sign in', checked.message))
    request.caller = checked.client
    if (checked.outcome === 'redirect') return reply.redirect(redirectWith(checked.redirectUri, checked.params), 303)
    const { client, redirectUri, grants, oidc } = checked
    const silent = checked.prompt.includes('none')
      ? await silentSignIn({ sessions: signInSessions, users, clock }, { sessionId: sessionIdOf(request), client, grants, maxAge: checked.maxAge, loginHint: oidc.login_hint })
      : undefined
    if (silent?.outcome === 'refused') return reply.redirect(redirectWith(redirectUri, errorParams(silent.error, silent.description, oidc.state)), 303)
    const track = await tracks.issue({ clientId: client.client_id, redirectUri, grants, oidc })
    request.trackId = track.track_id
    if (silent === undefined) return reply.redirect(signInHref(track), 303)
    // The earlier sign-in and consent stand in for both pages; auth_time stays that sign-in's.
    const signedIn = await login.signIn(track.track_id, { userId: silent.session.user_id }, silent.session.auth_time)
    return reply.redirect(signedIn.redirect ?? await login.consent(track.track_id, 'allow'), 303)
  })
}
