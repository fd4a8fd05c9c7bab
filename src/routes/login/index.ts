import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { unixSeconds } from '../../domain/clock.js'
import { LoginError, type Credentials } from '../../domain/login.js'
import { noteFailure } from '../../http/logging.js'
import type { Track } from '../../domain/tracks.js'
import { consentPage, errorPage, signInPage, type ShopLink } from '../../views/login.js'
import { FAVICON, STYLESHEET } from '../../views/styles.js'
import { LOGIN_FAILURES } from '../../errors.js'
import { pageFailure, sendPage, signInHref } from '../../http/pages.js'
import { sessionIdOf, setSessionCookie } from '../../http/session-cookie.js'

/** Failures shown on the sign-in form itself, so the user can try again right there. */
const SIGN_IN_FAILURES = new Set<LoginError['kind']>(['wrong_credentials', 'unknown_user', 'locked', 'not_signed_in'])
/** Provisioned users the sign-in page lists after the bundled ones, newest first; the others sign in by typing. */
export const LISTED_PROVISIONED = 20

export const loginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(formbody)
  await app.register(helmet, { global: false })
  const showSignIn = async (reply: FastifyReply, track: Track, status = 200, error?: string, typed?: string) => {
    const { users, clients } = reply.request.sandbox
    const personas = await users.personas(LISTED_PROVISIONED)
    return sendPage(reply, status, signInPage({
      client: clients.get(track.client_id)!,
      trackId: track.track_id,
      grants: track.grants,
      personas: personas.users,
      morePersonas: personas.more,
      error,
      // OIDC's login_hint prefills the field until the user types something else.
      login: typed ?? track.oidc?.login_hint
    }), track)
  }

  /** Where "Go back to the shop" leads: the track's stored redirect_uri's origin, never a URL from the request. */
  const shopOf = async (request: FastifyRequest): Promise<ShopLink | undefined> => {
    const { tracks, clients } = request.sandbox
    const trackId = (request.query as { track_id?: unknown }).track_id ?? (request.body as { track_id?: unknown } | undefined)?.track_id
    const track = typeof trackId === 'string' ? await tracks.find(trackId) : undefined
    const client = track === undefined ? undefined : clients.get(track.client_id)
    return track === undefined || client === undefined ? undefined : { name: client.name, origin: new URL(track.redirect_uri).origin }
  }

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof LoginError) return sendPage(reply, error.status, errorPage(LOGIN_FAILURES[error.kind].title, error.message, await shopOf(request)))
    if ((error as { validation?: unknown }).validation !== undefined) {
      return sendPage(reply, 400, errorPage('Incomplete form', 'The form arrived without the fields it needs. Go back to the shop and start again.', await shopOf(request)))
    }
    // A body the server could not read (too large, not a form, broken) is the sender's mistake, not ours.
    const { status, title, message } = pageFailure(error, request, 'login page',
      { title: 'Cannot read the form', message: 'The form arrived in a shape the sandbox cannot read. Go back to the shop and start again.' })
    return sendPage(reply, status, errorPage(title, message, status < 500 ? await shopOf(request) : undefined))
  })

  /** The sign-in form again, saying what went wrong; the request log gets the same words. */
  const refuse = async (reply: FastifyReply, track: Track, status: number, message: string, typed?: string) => {
    noteFailure(reply.request, message)
    return showSignIn(reply, track, status, message, typed)
  }

  app.get('/login/assets/sandbox.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET))
  app.get('/login/assets/favicon.svg', async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(FAVICON))

  app.get('/login', {
    schema: {
      summary: 'The Freedom ID login page for a track (HTML)',
      tags: ['login'],
      querystring: Type.Object({ track_id: Type.Optional(Type.String()), expire_at: Type.Optional(Type.String()) })
    }
  }, async (request, reply) => showSignIn(reply, await request.sandbox.login.open(request.query.track_id ?? '')))

  app.post('/login/sign-in', {
    schema: {
      summary: 'Sign in on the login page: login + password, or one test persona (HTML form)',
      tags: ['login'],
      body: Type.Object({
        track_id: Type.String(),
        login: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        persona: Type.Optional(Type.String())
      })
    }
  }, async (request, reply) => {
    const { login, clock, signInSessions } = request.sandbox
    const { track_id: trackId, login: typed = '', password = '', persona } = request.body
    const track = await login.usable(trackId)
    let credentials: Credentials
    if (persona !== undefined) credentials = { userId: persona }
    else if (typed.trim() !== '' && password !== '') credentials = { login: typed, password }
    else return refuse(reply, track, 422, 'Enter your phone number or e-mail and your password.', typed)
    try {
      const authTime = unixSeconds(clock.now())
      const signedIn = await login.signIn(trackId, credentials, authTime)
      setSessionCookie(reply, await signInSessions.start(signedIn.user.id, authTime))
      return reply.redirect(signedIn.redirect ?? `/login/consent?${new URLSearchParams({ track_id: trackId })}`, 303)
    } catch (error) {
      if (error instanceof LoginError && SIGN_IN_FAILURES.has(error.kind)) return refuse(reply, track, error.status, error.message, typed)
      throw error
    }
  })

  /** What this browser's sign-in allowed, so that a later prompt=none needs no page. */
  const rememberConsent = async (request: FastifyRequest<{ Body: { track_id: string } }>) => {
    const { tracks, signInSessions } = request.sandbox
    const sessionId = sessionIdOf(request)
    const track = sessionId === undefined ? undefined : await tracks.find(request.body.track_id)
    if (track?.state !== 'code_issued' || track.user_id !== (await signInSessions.find(sessionId!))?.user_id) return
    await signInSessions.rememberConsent(sessionId!, track.client_id, track.grants)
  }

  app.get('/login/consent', {
    schema: {
      summary: 'The consent step: Allow or Deny (HTML)',
      tags: ['login'],
      querystring: Type.Object({ track_id: Type.Optional(Type.String()) })
    }
  }, async (request, reply) => {
    const { login, users, clients } = request.sandbox
    const track = await login.usable(request.query.track_id ?? '')
    const user = track.state === 'signed_in' ? await users.get(track.user_id!) : undefined
    if (user === undefined) return reply.redirect(signInHref(track), 303)
    return sendPage(reply, 200, consentPage({ client: clients.get(track.client_id)!, trackId: track.track_id, grants: track.grants, user, signInHref: signInHref(track) }), track)
  })

  app.post('/login/consent', {
    schema: {
      summary: 'Allow or deny: redirects to the merchant with authorization_code or error_code (OIDC tracks: code and state, or error and state)',
      tags: ['login'],
      body: Type.Object({ track_id: Type.String(), decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]) })
    }
  }, async (request, reply) => {
    const { login } = request.sandbox
    try {
      const redirect = await login.consent(request.body.track_id, request.body.decision)
      await rememberConsent(request)
      return reply.redirect(redirect, 303)
    } catch (error) {
      if (error instanceof LoginError && error.kind === 'not_signed_in') {
        return refuse(reply, await login.usable(request.body.track_id), error.status, error.message)
      }
      throw error
    }
  })
}
