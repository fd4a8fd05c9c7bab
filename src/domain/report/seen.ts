import type { JournalEntry } from '../journal.js'
import type { SeenRequest } from './types.js'

export const AUTHORIZE = 'POST /api/v1/oauth/authorize'
export const OPENID = 'GET /openid'
export const OAUTH_TOKEN = '/api/v1/oauth/token'
export const OIDC_TOKEN = ['/api/v1/oidc/token', '/api/v1oidc//token']
export const USER = 'GET /api/v1/oauth/user'
export const USERINFO = 'GET /api/v1/oidc/userinfo'
export const GET_PROFILE = 'POST /api/v1/oauth/get-profile'
export const PROFILE_STATUS = 'GET /api/v1/oauth/get-profile/status'

/** The code exchanges of either flow (OIDC's refresh grant goes there too). */
export const isTokenPost = (r: SeenRequest): boolean => r.entry.method === 'POST' && (r.entry.path === OAUTH_TOKEN || OIDC_TOKEN.includes(r.entry.path))

const queryString = (entry: JournalEntry, name: string): string | undefined => {
  const value = entry.query[name]
  return typeof value === 'string' ? value : undefined
}

/** A journal entry with its instants parsed and its client worked out. */
export function seen (entry: JournalEntry): SeenRequest {
  const route = `${entry.method} ${entry.path}`
  return {
    entry,
    at: Date.parse(entry.time),
    realAt: Date.parse(entry.real_time),
    clientId: entry.client_id ?? entry.facts?.client_id ?? (route === OPENID ? queryString(entry, 'client_id') : undefined),
    route
  }
}

/** A body field of a journal entry (its body as kept: parsed, redacted). */
export function bodyField (entry: JournalEntry, name: string): unknown {
  const body = entry.request.body
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined
}

export const hasBodyKey = (entry: JournalEntry, name: string): boolean => {
  const body = entry.request.body
  return body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).some((key) => key.toLowerCase() === name)
}

export { queryString }

export const iso = (ms: number): string => new Date(ms).toISOString()

/** Items (requests, mostly) grouped by a key (those without one left out), each group oldest first. */
export function groupBy<T, K> (requests: T[], key: (r: T) => K | undefined): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const r of requests) {
    const k = key(r)
    if (k === undefined) continue
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [r])
    else group.push(r)
  }
  return groups
}

/** Where findings about requests that named no client at all go. */
export const UNIDENTIFIED = 'unidentified'

/**
 * One finding per request that matches, at its client: the refused-credential rules. Requests
 * that named no client are left out, unless `anyClient` (then they go under UNIDENTIFIED).
 */
export const perRequest = (requests: SeenRequest[], matches: (r: SeenRequest) => boolean, summary: (r: SeenRequest) => string, anyClient = false) =>
  requests.filter((r) => (anyClient || r.clientId !== undefined) && matches(r)).map((r) => ({
    client_id: r.clientId ?? UNIDENTIFIED,
    summary: summary(r),
    entries: [r],
    track_ids: [r.entry.facts?.credential_track_id ?? r.entry.track_id].filter((t): t is string => t !== undefined)
  }))

/** The distinct track ids of some requests, at most 20. */
export const trackIds = (requests: SeenRequest[]): string[] =>
  [...new Set(requests.map((r) => r.entry.track_id).filter((t): t is string => t !== undefined))].slice(0, 20)

export const describe = (r: SeenRequest): string => `${r.route} (entry ${r.entry.id}, ${r.entry.time}) answered ${r.entry.status}`
