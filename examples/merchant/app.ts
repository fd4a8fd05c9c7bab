import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import formbody from '@fastify/formbody'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { FreedomIdError, FreedomIdUnexpected, FreedomIdUnreachable, freedomIdClient, type FreedomUser, type ProfileRequest } from './freedom-id.js'
import { oidcRoutes } from './oidc.js'
import { cookieOf, randomToken, sameSecret } from './security.js'
import { homePage, problemPage, profilePage } from './views.js'

export interface MerchantOptions {
  /** Where the server talks to Freedom ID, e.g. http://127.0.0.1:8080 (the sandbox). */
  sandboxUrl: string
  clientId: string
  clientSecret: string
  /** The address browsers use for this app; default http://localhost:<listening port>. */
  publicUrl?: string
  /** What to ask for; default DEFAULT_GRANTS. A restricted client (Kitap Books) needs fewer. */
  grants?: string[]
  /** Called with every error that is the shop's own (a bug); default: printed to stderr. */
  onBug?: (error: Error) => void
}

/** Everything that releases a field, and read.profile for the identity check. */
export const DEFAULT_GRANTS = [
  'read.firstname', 'read.lastname', 'read.patronymic', 'read.date_of_birth', 'read.gender', 'read.country', 'read.nationality',
  'read.identifier', 'read.phone', 'read.phones', 'read.email', 'read.emails', 'read.cards', 'read.profile'
]

export const SESSION_COOKIE = 'demo_shop_session'
/** The sign-in's own nonce, in this browser: Freedom ID's OAuth2 callback carries no state, so the shop binds the flow itself. */
export const SIGN_IN_COOKIE = 'demo_shop_sign_in'
/** How long a started sign-in may take, in seconds: about as long as Freedom ID's login link lives. */
const SIGN_IN_MAX_AGE = 900

interface Session {
  user: FreedomUser
  accessToken: string
  /** The identity check, once asked for. */
  kycRequestId?: string
}

const sessionIdOf = (cookieHeader?: string) => cookieOf(SESSION_COOKIE, cookieHeader)

const send = (reply: FastifyReply, status: number, html: string) => reply.code(status).type('text/html; charset=utf-8').send(html)

/**
 * A shop that signs its customers in with Freedom ID: /login asks for a login link and sends the
 * browser there, /callback turns the authorization_code into the user's data, /kyc asks for the
 * verified profile. Every Freedom ID call is server to server, with the client secret, so the
 * secret never reaches the browser.
 */
export function buildMerchant (options: MerchantOptions): FastifyInstance {
  const app = Fastify({ logger: false })
  app.register(formbody)
  // A demo: sessions live as long as the process.
  const sessions = new Map<string, Session>()
  const freedomId = freedomIdClient({ url: options.sandboxUrl, clientId: options.clientId, clientSecret: options.clientSecret })
  const onBug = options.onBug ?? ((error: Error) => { console.error('example merchant:', error) })

  const publicUrl = () => options.publicUrl ?? `http://localhost:${(app.server.address() as AddressInfo).port}`
  const sessionOf = (cookie: string | undefined) => sessions.get(sessionIdOf(cookie) ?? '')

  // Whose fault it was decides what the page says: Freedom ID's answer, the network, or the shop's own bug.
  app.setErrorHandler(async (error, _request, reply) => {
    if (error instanceof FreedomIdError) {
      const code = error.code === undefined ? '' : `, code ${error.code}`
      return send(reply, 502, problemPage('Sign-in failed', `Freedom ID answered: ${error.message} (HTTP ${error.status}${code})`))
    }
    if (error instanceof FreedomIdUnreachable || error instanceof FreedomIdUnexpected) {
      return send(reply, 502, problemPage('Sign-in failed', error.message))
    }
    const status = (error as { statusCode?: number }).statusCode
    if (status !== undefined && status >= 400 && status < 500) return send(reply, status, problemPage('Bad request', 'The shop could not read that request.'))
    onBug(error as Error)
    // An example tells its developer what broke; a real shop would log it and say less.
    return send(reply, 500, problemPage('The shop failed', `A bug in the example merchant, not in Freedom ID: ${(error as Error).message}`))
  })

  app.get('/', async (request, reply) => send(reply, 200, homePage(sessionOf(request.headers.cookie) !== undefined)))

  // The sign-in's nonce goes in the redirect_uri and in a cookie: the callback must bring both, equal (login CSRF).
  app.get('/login', async (_request, reply) => {
    const nonce = randomToken()
    const link = await freedomId.authorize(`${publicUrl()}/callback?${new URLSearchParams({ sign_in: nonce })}`, options.grants ?? DEFAULT_GRANTS)
    return reply.header('set-cookie', `${SIGN_IN_COOKIE}=${nonce}; Path=/callback; HttpOnly; SameSite=Lax; Max-Age=${SIGN_IN_MAX_AGE}`).redirect(link, 303)
  })

  /** A session for this browser (the sign-in is over, its nonce cookie goes), and on to the profile. */
  const startSession = (reply: FastifyReply, user: FreedomUser, accessToken: string, signInCookie: string) => {
    const sessionId = randomUUID()
    sessions.set(sessionId, { user, accessToken })
    return reply.header('set-cookie', [`${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`, signInCookie]).redirect('/profile', 303)
  }

  // No schema: a repeated parameter arrives as an array and Freedom ID itself rejects it, in its own words.
  app.get<{ Querystring: { authorization_code?: string, error_code?: string, sign_in?: string } }>('/callback', async (request, reply) => {
    const { authorization_code: code, error_code: errorCode, sign_in: nonce } = request.query
    if (code === undefined) {
      // The user saying no is a normal outcome; a callback with neither parameter is not.
      const [status, reason] = errorCode === undefined ? [400, 'no authorization_code'] as const : [200, `error_code ${errorCode}`] as const
      return send(reply, status, problemPage('Not signed in', `Sign-in was cancelled (${reason})`))
    }
    // Before the code is redeemed: a code from a sign-in another browser started (an attacker's) never signs this one in.
    if (!sameSecret(cookieOf(SIGN_IN_COOKIE, request.headers.cookie), nonce)) {
      return send(reply, 403, problemPage('Not signed in', 'This sign-in was not started in this browser. Start again from the shop.'))
    }
    const tokens = await freedomId.exchange(code)
    const user = await freedomId.user(tokens.access_token)
    return startSession(reply, user, tokens.access_token, `${SIGN_IN_COOKIE}=; Path=/callback; HttpOnly; SameSite=Lax; Max-Age=0`)
  })

  oidcRoutes(app, {
    freedomId,
    clientId: options.clientId,
    grants: options.grants ?? DEFAULT_GRANTS,
    publicUrl,
    send,
    startSession
  })

  app.get('/profile', async (request, reply) => {
    const session = sessionOf(request.headers.cookie)
    if (session === undefined) return reply.redirect('/', 303)
    let kyc: ProfileRequest | undefined
    if (session.kycRequestId !== undefined) kyc = await freedomId.profileStatus(session.accessToken, session.kycRequestId)
    return send(reply, 200, profilePage(session.user, kyc))
  })

  app.post('/kyc', async (request, reply) => {
    const session = sessionOf(request.headers.cookie)
    if (session === undefined) return reply.redirect('/', 303)
    const requestId = randomUUID()
    await freedomId.requestProfile(session.accessToken, requestId, new Date().toISOString())
    session.kycRequestId = requestId
    return reply.redirect('/profile', 303)
  })

  app.post('/logout', async (request, reply) => {
    sessions.delete(sessionIdOf(request.headers.cookie) ?? '')
    return reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`).redirect('/', 303)
  })

  return app
}
