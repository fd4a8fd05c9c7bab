import type { FastifyReply, FastifyRequest } from 'fastify'

/** The browser's sign-in (domain/sign-in-sessions.ts), on the sandbox's own origin. */
export const SESSION_COOKIE = 'fid_session'

const COOKIE = new RegExp(`(?:^|;)\\s*${SESSION_COOKIE}=([A-Za-z0-9]{128})\\s*(?:;|$)`)

/** The sign-in id the browser sent, if it sent one of the right shape. */
export function sessionIdOf (request: FastifyRequest): string | undefined {
  const header = request.headers.cookie
  return header === undefined ? undefined : COOKIE.exec(header)?.[1]
}

/**
 * HttpOnly, and SameSite=Lax so that it comes along on the merchant's top-level redirect to
 * `/openid` (never on a cross-site form or fetch). No Max-Age: the store's record decides how
 * long it lasts; the browser forgets it when it closes.
 */
export function setSessionCookie (reply: FastifyReply, id: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`)
}
