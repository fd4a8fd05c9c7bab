import type { FastifyRequest } from 'fastify'
import type { ClientRegistry } from '../../domain/clients.js'
import type { Client } from '../../domain/fixtures.js'
import { OAuthError, ProviderError } from '../../errors.js'
import { authenticated, hasClient } from '../../http/guards.js'

/** As the OAuth2 endpoints' (@fastify/basic-auth) challenge: RFC 7617's charset included. */
export const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="Freedom ID sandbox", charset="UTF-8"' }

const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i

const FAILED = 'Client authentication failed: unknown client_id or wrong client_secret.'
const MISSING = 'Client authentication is required: HTTP Basic (client_secret_basic), or client_id and client_secret in the body (client_secret_post).'

/**
 * invalid_client. RFC 6749 section 5.2 asks for the challenge when the client tried the
 * Authorization header (or sent nothing); a client_secret_post failure gets the 401 alone.
 * Freedom ID's reading keeps the challenge on every 401.
 */
const unauthenticated = (description: string, challenge: boolean) =>
  new OAuthError('invalid_client', description, new ProviderError('unauthenticated', undefined, BASIC_CHALLENGE), challenge ? BASIC_CHALLENGE : {})

/** application/x-www-form-urlencoded decoding; undefined for broken percent-encoding. */
function formDecode (value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

/**
 * The client of an `Authorization: Basic` header. OIDC libraries form-encode the id and secret
 * first (RFC 6749 section 2.3.1: `-` becomes `%2D`); Freedom ID's docs show them raw. Raw is tried
 * first, then decoded, both in constant time.
 */
export function clientFromBasic (header: string, clients: ClientRegistry): Client {
  const match = BASIC.exec(header)
  if (match === null) throw unauthenticated('The Authorization header is not HTTP Basic: send Basic base64(client_id:client_secret).', true)
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) throw unauthenticated('The Basic credentials have no colon: send base64(client_id:client_secret).', true)
  const id = decoded.slice(0, colon)
  const secret = decoded.slice(colon + 1)
  const client = clients.verify(id, secret)
  if (client !== undefined) return client
  const formId = formDecode(id)
  const formSecret = formDecode(secret)
  const decodedClient = formId === undefined || formSecret === undefined ? undefined : clients.verify(formId, formSecret)
  if (decodedClient === undefined) throw unauthenticated(FAILED, true)
  return decodedClient
}

/**
 * Client authentication at the OIDC token endpoint: `client_secret_basic` (checked on arrival,
 * before the body is read) or `client_secret_post` (client_id and client_secret in the body).
 */
export function oidcClientAuth () {
  return {
    async onRequest (request: FastifyRequest) {
      const header = request.headers.authorization
      if (header !== undefined) authenticated(request, clientFromBasic(header, request.sandbox.clients))
    },
    async preValidation (request: FastifyRequest) {
      if (hasClient(request)) return
      const body = (request.body ?? {}) as { client_id?: unknown, client_secret?: unknown }
      const { client_id: id, client_secret: secret } = body
      if (id === undefined && secret === undefined) throw unauthenticated(MISSING, true)
      const client = typeof id === 'string' && typeof secret === 'string' ? request.sandbox.clients.verify(id, secret) : undefined
      if (client === undefined) throw unauthenticated(FAILED, false)
      authenticated(request, client)
    }
  }
}
