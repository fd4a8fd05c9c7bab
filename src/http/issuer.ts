import type { FastifyRequest } from 'fastify'
import type { SandboxContext } from '../context.js'

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
/** A DNS name or IPv4 address (dotted labels), or a bracketed IPv6 address; then an optional port. */
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::[0-9]{1,5})?$`)

/**
 * A `Host` header that is a plain `host[:port]`, in the canonical form a URL gives it (lower
 * case, no `:80`), or undefined for anything else: user info, a path, `127.1`, a port with a
 * leading zero, an invalid IPv6 address, a name too long.
 */
export function plainHost (header: string | undefined): string | undefined {
  if (header === undefined || header.length > 260) return undefined
  const host = header.toLowerCase()
  if (!HOST.test(host)) return undefined
  let parsed: URL
  try {
    parsed = new URL(`http://${host}`)
  } catch {
    return undefined
  }
  return parsed.host === host.replace(/:80$/, '') ? parsed.host : undefined
}

/** The OIDC token endpoint's documented path, and the docs' literal one (a broken join in their generator), which clients may have copied. */
export const OIDC_TOKEN_PATHS = ['/api/v1/oidc/token', '/api/v1oidc//token'] as const

/** Where a client finds the OIDC endpoints, and the issuer it must then expect. */
export interface OidcAddress {
  /** Base of the endpoints discovery lists. */
  base: string
  /** Discovery's `issuer`, and the `iss` of the id_tokens this request gets. */
  issuer: string
}

/**
 * With PUBLIC_URL or ISSUER set, both are fixed. Without either, they follow the address the
 * client used (its `Host`), so discovery at the printed `http://127.0.0.1:8080` and at
 * `http://localhost:8080` both satisfy libraries that insist the issuer is the URL they
 * discovered; a Host that is not a plain host[:port] gets the default `http://localhost:<port>`.
 */
export function oidcAddress (sandbox: SandboxContext, request: FastifyRequest): OidcAddress {
  const fixed = sandbox.config.publicUrl !== undefined || sandbox.config.issuer !== undefined
  const host = fixed ? undefined : plainHost(request.headers.host)
  if (host === undefined) return { base: sandbox.publicUrl(), issuer: sandbox.idTokens.issuer() }
  const base = `http://${host}`
  return { base, issuer: base }
}
