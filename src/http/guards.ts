import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Client } from '../domain/fixtures.js'
import type { TokenRecord } from '../domain/tokens.js'
import { bearerToken, invalidToken } from './bearer.js'

const CLIENT = Symbol('client')
const TOKEN = Symbol('token')

type Guarded = FastifyRequest & { [CLIENT]?: Client, [TOKEN]?: TokenRecord }

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The client that authenticated (HTTP Basic, or the OIDC token endpoint's body), on a route
     * behind a client guard. Reading it anywhere else is a bug in the sandbox, and throws.
     */
    readonly client: Client
    /** The access token of `Authorization: Bearer`, on a route behind the token guard; elsewhere it throws. */
    readonly token: TokenRecord
    /** The client this request is known to be from, when it is known: the journal's and the log's client_id. */
    caller?: Client
  }
}

/** What the guards put on a request, read back through `request.client` and `request.token`. */
export const guardedRequest = {
  client: {
    getter (this: FastifyRequest): Client {
      const client = (this as Guarded)[CLIENT]
      if (client === undefined) throw new Error(`${this.method} ${this.url} has no client guard: request.client is unknown`)
      return client
    }
  },
  token: {
    getter (this: FastifyRequest): TokenRecord {
      const token = (this as Guarded)[TOKEN]
      if (token === undefined) throw new Error(`${this.method} ${this.url} has no token guard: request.token is unknown`)
      return token
    }
  }
}

/** A client authenticated this request: `request.client` from now on, and the journal's and log's client. */
export function authenticated (request: FastifyRequest, client: Client): void {
  (request as Guarded)[CLIENT] = client
  request.caller = client
}

/** Whether a client has authenticated this request yet. */
export const hasClient = (request: FastifyRequest): boolean => (request as Guarded)[CLIENT] !== undefined

/**
 * The Bearer guard of the routes that take an access token: a 401 (`invalid_token`, or a bare
 * challenge without a Bearer header) before anything else is read; then `request.token`, and the
 * token's client and track for the journal and the log.
 */
export async function tokenGuard (request: FastifyRequest): Promise<void> {
  const { tokens, clients } = request.sandbox
  const token = await tokens.findAccess(bearerToken(request))
  if (token === undefined) throw invalidToken()
  ;(request as Guarded)[TOKEN] = token
  request.caller = clients.get(token.client_id)
  request.trackId = token.track_id
}

/** Every answer of a surface that hands out tokens or user data: never kept by a cache (RFC 6749 section 5.1, RFC 6750 section 5.3). */
export function noStore (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
  reply.header('cache-control', 'no-store')
  done(null, payload)
}
