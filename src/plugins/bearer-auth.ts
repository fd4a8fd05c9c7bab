import type { FastifyRequest } from 'fastify'
import { ProviderError } from '../errors.js'

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i

export const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer realm="Freedom ID sandbox"' }

/** The token of an `Authorization: Bearer <token>` header (scheme in any case), or a 401 in the envelope. */
export function bearerToken (request: FastifyRequest): string {
  const match = BEARER.exec(request.headers.authorization ?? '')
  if (match === null) throw new ProviderError('unauthenticated', undefined, BEARER_CHALLENGE)
  return match[1]!
}
