import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose'
import type { FreedomIdClient, FreedomUser, OidcDiscovery } from './freedom-id.js'
import { cookieOf, randomToken, sameSecret } from './security.js'
import { problemPage } from './views.js'

/** This browser's OIDC sign-in in progress: the cookie names it, the shop keeps what it sent. */
export const OIDC_COOKIE = 'demo_shop_oidc'

interface Pending {
  state: string
  nonce: string
  codeVerifier: string
}

export interface OidcRoutesOptions {
  freedomId: FreedomIdClient
  clientId: string
  grants: string[]
  publicUrl(): string
  send(reply: FastifyReply, status: number, html: string): FastifyReply
  startSession(reply: FastifyReply, user: FreedomUser, accessToken: string, clearCookie: string): FastifyReply
}

/**
 * Sign-in with Freedom ID's OIDC flow, every check a relying party owes: state bound to this
 * browser, PKCE (S256), and the id_token verified (signature against the JWKS, RS256 only, iss,
 * aud, exp/nbf, and the nonce this browser's sign-in sent) before anyone is signed in.
 */
export function oidcRoutes (app: FastifyInstance, options: OidcRoutesOptions): void {
  const { freedomId, send } = options
  const pending = new Map<string, Pending>()
  let provider: Promise<{ discovery: OidcDiscovery, keys: JWTVerifyGetKey }> | undefined
  // Discovery once, when first needed; a failed look is tried again next time.
  const providerOnce = () => (provider ??= freedomId.discovery().then((discovery) => ({ discovery, keys: createRemoteJWKSet(new URL(discovery.jwks_uri)) }), (error) => {
    provider = undefined
    throw error
  }))
  const redirectUri = () => `${options.publicUrl()}/oidc/callback`
  const clearCookie = `${OIDC_COOKIE}=; Path=/oidc; HttpOnly; SameSite=Lax; Max-Age=0`
  const refuse = (reply: FastifyReply, status: number, message: string) =>
    send(reply.header('set-cookie', clearCookie), status, problemPage('Not signed in', message))

  app.get('/oidc/login', async (_request, reply) => {
    const { discovery } = await providerOnce()
    const id = randomToken()
    const sent: Pending = { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken() }
    pending.set(id, sent)
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: options.clientId,
      redirect_uri: redirectUri(),
      scope: ['openid', ...options.grants].join(' '),
      state: sent.state,
      nonce: sent.nonce,
      code_challenge: createHash('sha256').update(sent.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256'
    })
    return reply.header('set-cookie', `${OIDC_COOKIE}=${id}; Path=/oidc; HttpOnly; SameSite=Lax; Max-Age=900`).redirect(`${discovery.authorization_endpoint}?${query}`, 303)
  })

  app.get<{ Querystring: { code?: string, state?: string, error?: string } }>('/oidc/callback', async (request, reply) => {
    const id = cookieOf(OIDC_COOKIE, request.headers.cookie)
    const sent = id === undefined ? undefined : pending.get(id)
    // One callback per sign-in: whatever it brings, the sign-in is over.
    if (id !== undefined) pending.delete(id)
    if (sent === undefined) return refuse(reply, 403, 'This sign-in was not started in this browser. Start again from the shop.')
    const { code, state, error } = request.query
    // The state first: an answer to a sign-in this browser did not start is not read any further (login CSRF).
    if (!sameSecret(sent.state, state)) return refuse(reply, 403, 'The sign-in came back with another state: it was not started in this browser.')
    if (typeof error === 'string') return refuse(reply, 200, `Sign-in was cancelled (${error})`)
    if (typeof code !== 'string') return refuse(reply, 400, 'Sign-in was cancelled (no code)')
    const { discovery, keys } = await providerOnce()
    const tokens = await freedomId.oidcToken(discovery.token_endpoint, { code, redirectUri: redirectUri(), codeVerifier: sent.codeVerifier })
    try {
      const { payload } = await jwtVerify(tokens.id_token, keys, { issuer: discovery.issuer, audience: options.clientId, algorithms: ['RS256'] })
      if (!sameSecret(sent.nonce, payload.nonce)) throw new Error('the nonce is not the one this sign-in sent')
    } catch (failure) {
      return refuse(reply, 401, `Freedom ID's id_token did not verify: ${(failure as Error).message}`)
    }
    return options.startSession(reply, await freedomId.user(tokens.access_token), tokens.access_token, clearCookie)
  })
}
