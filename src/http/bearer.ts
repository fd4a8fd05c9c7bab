import type { FastifyRequest } from 'fastify'
import { ProviderError } from '../errors.js'

// The provider's endpoints read a Bearer token strictly (RFC 6750's b64token after spaces); the
// control API's guard and the journal's facts read any credential without whitespace after any.
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i
const ANY_BEARER = /^Bearer\s+(\S+)\s*$/i

const REALM = 'Freedom ID sandbox'

/**
 * A `WWW-Authenticate: Bearer` challenge (RFC 6750 section 3). Without an error code it only says
 * "send a token"; libraries read `invalid_token` as "this one is bad or expired, get another".
 */
export function bearerChallenge (error?: 'invalid_token' | 'insufficient_scope', scope?: string): Record<string, string> {
  const parts = [`Bearer realm="${REALM}"`]
  if (error === 'invalid_token') parts.push('error="invalid_token"', 'error_description="The access token is unknown, expired or revoked."')
  if (error === 'insufficient_scope') parts.push('error="insufficient_scope"', `scope="${scope}"`)
  return { 'www-authenticate': parts.join(', ') }
}

/** A request that carried no Bearer credentials at all: the challenge without an error code (RFC 6750 section 3.1). */
export const BEARER_CHALLENGE = bearerChallenge()

/** The 401 for a Bearer token that was sent but is no good (unknown, expired, revoked, a refresh token where an access token belongs). */
export const invalidToken = (): ProviderError => new ProviderError('unauthenticated', undefined, bearerChallenge('invalid_token'))

/**
 * The token of an `Authorization: Bearer <token>` header (scheme in any case), or a 401 in the
 * envelope: with `error="invalid_token"` when a malformed Bearer token was sent, without an
 * error code when there was no Bearer header at all (none, or another scheme).
 */
export function bearerToken (request: FastifyRequest): string {
  const header = request.headers.authorization ?? ''
  const match = BEARER.exec(header)
  if (match !== null) return match[1]!
  if (/^Bearer(\s|$)/i.test(header)) throw invalidToken()
  throw new ProviderError('unauthenticated', undefined, BEARER_CHALLENGE)
}

/** Whatever credential `Authorization: Bearer <credential>` carries, read leniently; undefined without one. */
export const bearerCredential = (header: string | undefined): string | undefined => ANY_BEARER.exec(header ?? '')?.[1]
