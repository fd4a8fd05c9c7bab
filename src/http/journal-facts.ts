import type { FastifyRequest } from 'fastify'
import type { SandboxContext } from '../context.js'
import type { CredentialVerdict } from '../domain/history.js'
import type { JournalFacts } from '../domain/journal.js'
import { bearerCredential } from './bearer.js'
import { OIDC_TOKEN_PATHS } from './issuer.js'

/** The token endpoints that redeem codes: true for OIDC's. */
const CODE_ENDPOINTS: Record<string, boolean> = { '/api/v1/oauth/token': false, ...Object.fromEntries(OIDC_TOKEN_PATHS.map((path) => [path, true])) }

/** What is wrong with the Authorization header of a request answered 401, if anything the docs could have caused. */
export function authorizationFact (header: string | undefined, body: unknown): JournalFacts['authorization'] {
  if (header === undefined || header.trim() === '') {
    const keys = body !== null && typeof body === 'object' ? Object.keys(body).map((k) => k.toLowerCase()) : []
    return keys.includes('client_id') || keys.includes('client_secret') ? 'credentials_in_body' : 'missing'
  }
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2)
  if (/^beareer$/i.test(scheme)) return 'beareer'
  if (/^bearer$/i.test(scheme)) return undefined
  if (!/^basic$/i.test(scheme)) return 'other_scheme'
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').toString('utf8') : ''
  if (!decoded.includes(':')) return 'basic_malformed'
  return /%[0-9A-Fa-f]{2}/.test(decoded) ? 'basic_percent_encoded' : undefined
}

/** The client id a Basic header names (known clients only: anything else is no fact). */
function basicClient (header: string, sandbox: SandboxContext): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header)
  const id = match === null ? undefined : Buffer.from(match[1]!, 'base64').toString('utf8').split(':', 1)[0]
  return id === undefined ? undefined : sandbox.clients.get(id)?.client_id
}

/** The client of a token sent under another scheme (`Beareer <token>`, copied from the docs). */
async function anySchemeClient (header: string, sandbox: SandboxContext): Promise<string | undefined> {
  const token = /^\S+\s+(\S+)\s*$/.exec(header)?.[1]
  return token === undefined ? undefined : (await sandbox.journal.history.bearer(token, sandbox.clock.now()))?.event.client_id
}

/** The client of a refresh token sent in a body (where Freedom ID does not read it). */
async function bodyTokenClient (body: unknown, sandbox: SandboxContext): Promise<string | undefined> {
  const token = stringField(body, 'refresh_token')
  return token === undefined ? undefined : (await sandbox.journal.history.bearer(token, sandbox.clock.now()))?.event.client_id
}

/** The client a body names (CLIENT_ID, as some doc pages send it), known clients only. */
function bodyClient (body: unknown, sandbox: SandboxContext): string | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const id = Object.entries(body).find(([key]) => key.toLowerCase() === 'client_id')?.[1]
  return typeof id === 'string' ? sandbox.clients.get(id)?.client_id : undefined
}

const stringField = (body: unknown, name: string): string | undefined => {
  const value = (body as Record<string, unknown> | null | undefined)?.[name]
  return typeof value === 'string' ? value : undefined
}

/** Why the credential a refused request carried was refused, from the history of what was handed out. */
async function verdictOf (request: FastifyRequest, route: string, sandbox: SandboxContext): Promise<CredentialVerdict | 'unknown' | undefined> {
  const { history } = sandbox.journal
  const now = sandbox.clock.now()
  const flow = CODE_ENDPOINTS[route]
  const body = request.body
  if (flow !== undefined && request.caller !== undefined) {
    const code = stringField(body, flow ? 'code' : 'authorization_code')
    const refresh = flow ? stringField(body, 'refresh_token') : undefined
    if (code !== undefined && (!flow || stringField(body, 'grant_type') === 'authorization_code')) return await history.code(code, request.caller.client_id, flow, now) ?? 'unknown'
    if (refresh !== undefined) return await history.bearer(refresh, now) ?? 'unknown'
  }
  const token = bearerCredential(request.headers.authorization)
  if (token === undefined) return undefined
  const verdict = await history.bearer(token, now)
  // A live access token where a refresh token belongs (PATCH) is refused for what it is, not for its age.
  if (verdict?.kind === 'revoked_access' && await sandbox.tokens.findAccess(token) !== undefined) return { kind: 'access_token', event: verdict.event }
  return verdict ?? 'unknown'
}

/**
 * The facts the integration report needs about a request that was refused (4xx) or given a
 * fault: which client it was, why its credential failed, what was wrong with its header.
 * Nothing is worked out for a request that succeeded without a fault.
 */
export async function factsOf (request: FastifyRequest, route: string, status: number, sandbox: SandboxContext): Promise<JournalFacts | undefined> {
  // A fault's own status or dropped connection is no verdict on the request; a delay lets the route answer.
  const fault = request.fault
  const faulted = fault !== undefined && (fault.status !== undefined || fault.drop === true)
  const refused = !faulted && status >= 400 && status < 500
  if (!refused && fault === undefined && request.aborted !== true) return undefined
  const facts: JournalFacts = request.aborted === true ? { aborted: true } : {}
  const header = request.headers.authorization
  let owner: string | undefined
  if (refused) {
    if (status === 401) facts.authorization = authorizationFact(header, request.body)
    const verdict = await verdictOf(request, route, sandbox)
    if (verdict === 'unknown') facts.credential = 'unknown'
    else if (verdict !== undefined) {
      facts.credential = verdict.kind
      facts.credential_track_id = verdict.event.track_id
      owner = verdict.event.client_id
    }
  } else if (request.caller === undefined) {
    // A fault answered before authentication: whose request it was, from its credentials.
    const token = bearerCredential(request.headers.authorization)
    owner = token === undefined ? undefined : (await sandbox.journal.history.bearer(token, sandbox.clock.now()))?.event.client_id
  }
  owner ??= header === undefined ? bodyClient(request.body, sandbox) ?? await bodyTokenClient(request.body, sandbox) : basicClient(header, sandbox) ?? await anySchemeClient(header, sandbox)
  if (request.caller === undefined && owner !== undefined) facts.client_id = owner
  for (const key of Object.keys(facts) as Array<keyof JournalFacts>) if (facts[key] === undefined) delete facts[key]
  return Object.keys(facts).length === 0 ? undefined : facts
}
