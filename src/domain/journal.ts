import { Type, type Static } from '@sinclair/typebox'
import { createHistory, type History } from './history.js'
import type { Store } from './store.js'

/** Requests kept in the journal; beyond it the oldest go first. */
export const JOURNAL_CAP = 1000
/** Bodies longer than this (as JSON, or as text) are cut (a login page is about 4 KiB). */
export const JOURNAL_BODY_LIMIT = 16 * 1024
/**
 * And the entries' JSON at most this many bytes in all: 1,000 entries of full-size bodies and
 * headers would hold about 50 MB. Beyond it the oldest go first.
 */
export const JOURNAL_MAX_BYTES = 8 * 1024 * 1024
export const CREDENTIAL_FACTS = ['expired_access', 'revoked_access', 'access_token', 'refresh_token', 'rotated_refresh', 'code_reused', 'code_expired', 'code_other_client', 'code_other_flow', 'unknown'] as const
export const AUTHORIZATION_FACTS = ['missing', 'credentials_in_body', 'basic_percent_encoded', 'basic_malformed', 'beareer', 'other_scheme'] as const

/** A track_id longer than this is none (a track id is a 36-character UUID). */
const TRACK_ID_LIMIT = 100

/** What the sandbox worked out about a refused or faulted request, for the integration report: facts, never secrets. */
export const JournalFactsSchema = Type.Object({
  client_id: Type.Optional(Type.String({ description: 'The client the refused credential belonged to, when the request authenticated as none' })),
  credential: Type.Optional(Type.Union(CREDENTIAL_FACTS.map((f) => Type.Literal(f)), { description: 'Why the Bearer token or code was refused' })),
  credential_track_id: Type.Optional(Type.String({ description: 'The track the refused credential was issued for' })),
  aborted: Type.Optional(Type.Literal(true, { description: 'The client closed the connection before the answer (its timeout); status is then 0' })),
  authorization: Type.Optional(Type.Union(AUTHORIZATION_FACTS.map((f) => Type.Literal(f)), { description: 'What was wrong with the Authorization header' }))
})

export type JournalFacts = Static<typeof JournalFactsSchema>

export const JournalEntrySchema = Type.Object({
  id: Type.Integer({ description: 'Increases by one per recorded request' }),
  time: Type.String({ description: 'When the request arrived, sandbox clock, ISO 8601' }),
  real_time: Type.String({ description: 'When it arrived by the real clock, ISO 8601 (CLOCK may hold the sandbox clock still): retries are timed by it' }),
  method: Type.String(),
  path: Type.String(),
  query: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Integer(),
  duration_ms: Type.Number(),
  client_id: Type.Optional(Type.String()),
  track_id: Type.Optional(Type.String()),
  request: Type.Object({
    headers: Type.Record(Type.String(), Type.String(), { description: 'Authorization and Cookie values are redacted' }),
    body: Type.Optional(Type.Unknown({ description: `Parsed; password, client_secret, code_verifier, access_token and refresh_token redacted; over ${JOURNAL_BODY_LIMIT / 1024} KiB of JSON, its text cut there and ended with …` }))
  }),
  response: Type.Object({ body: Type.Optional(Type.Unknown({ description: `Parsed JSON, or the text; over ${JOURNAL_BODY_LIMIT / 1024} KiB, the text cut there and ended with …` })) }),
  fault: Type.Optional(Type.Object({ id: Type.Integer(), status: Type.Optional(Type.Integer()), delay_ms: Type.Optional(Type.Integer()), drop: Type.Optional(Type.Boolean()) })),
  facts: Type.Optional(JournalFactsSchema)
})

export type JournalEntry = Static<typeof JournalEntrySchema>

export const JournalQuerySchema = Type.Object({
  method: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  track_id: Type.Optional(Type.String()),
  status: Type.Optional(Type.String({ pattern: '^[1-5]\\d\\d$' })),
  limit: Type.Optional(Type.String({ pattern: '^\\d+$', description: `At most this many entries (default and cap ${JOURNAL_CAP})` }))
})

export type JournalQuery = Static<typeof JournalQuerySchema>

export interface Journal {
  readonly enabled: boolean
  /** The credentials handed out, for explaining refusals; cleared with the journal. */
  readonly history: History
  record(entry: Omit<JournalEntry, 'id'>): Promise<void>
  /** Newest first. */
  query(filter: JournalQuery): Promise<JournalEntry[]>
  clear(): Promise<void>
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie'])
const SECRET_FIELDS = new Set(['password', 'client_secret', 'code_verifier', 'access_token', 'refresh_token'])

/** Header values as strings; credentials keep only their scheme (`Basic [redacted]`). */
export function redactHeaders (headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(', ') : value
    out[name] = SECRET_HEADERS.has(name) ? `${/^\S+(?=\s)/.exec(text)?.[0] ?? ''} [redacted]`.trimStart() : text
  }
  return out
}

/** A copy with password-like fields replaced, at any depth, however cased (some doc pages send `CLIENT_SECRET`). */
export function redactBody (body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactBody)
  if (body === null || typeof body !== 'object') return body
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, SECRET_FIELDS.has(key.toLowerCase()) ? '[redacted]' : redactBody(value)]))
}

const cut = (text: string): string => text.length > JOURNAL_BODY_LIMIT ? `${text.slice(0, JOURNAL_BODY_LIMIT)}…` : text

/**
 * A request body as the journal keeps it: redacted, and plain JSON data whatever was sent (a
 * copy through JSON, so no value can fail the reply's serialiser later); JSON over the limit
 * becomes its text, cut.
 */
export function journalBody (body: unknown): unknown {
  if (body === undefined) return undefined
  // A parsed body (JSON, or a form) always has a JSON text.
  const text = JSON.stringify(redactBody(body))
  return text.length > JOURNAL_BODY_LIMIT ? cut(text) : JSON.parse(text)
}

/** A response body as sent: parsed when it is JSON within the limit, else its text, cut. */
export function journalResponse (payload: string, json: boolean): unknown {
  if (payload.length > JOURNAL_BODY_LIMIT || !json) return cut(payload)
  try {
    return JSON.parse(payload)
  } catch {
    return payload
  }
}

/** A track id as a request gave it (query, body, route), if it is one: only a short string is. */
export const journalTrackId = (...candidates: unknown[]): string | undefined =>
  candidates.find((value): value is string => typeof value === 'string' && value.length <= TRACK_ID_LIMIT)

export function createJournal (deps: { store: Store, enabled: boolean }): Journal {
  const list = deps.store.list<JournalEntry>('journal', JOURNAL_CAP, { maxBytes: JOURNAL_MAX_BYTES })
  const ids = deps.store.counter('journal-ids')
  const history = createHistory(deps)
  return {
    enabled: deps.enabled,
    history,
    async record (entry) {
      await list.push({ id: await ids.add(1), ...entry })
    },
    async query (filter) {
      const limit = Math.min(Number(filter.limit ?? JOURNAL_CAP), JOURNAL_CAP)
      const method = filter.method?.toUpperCase()
      const matches = (await list.items()).reverse().filter((e) =>
        (method === undefined || e.method === method) &&
        (filter.path === undefined || e.path === filter.path) &&
        (filter.client_id === undefined || e.client_id === filter.client_id) &&
        (filter.track_id === undefined || e.track_id === filter.track_id) &&
        (filter.status === undefined || e.status === Number(filter.status)))
      return matches.slice(0, limit)
    },
    async clear () {
      await list.clear()
      await history.clear()
      await ids.set(0)
    }
  }
}
