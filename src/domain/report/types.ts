import { Type, type Static } from '@sinclair/typebox'
import type { Delivery } from '../deliveries.js'
import type { HistoryEvent } from '../history.js'
import type { JournalEntry } from '../journal.js'

export const SEVERITIES = ['error', 'warning', 'notice'] as const
export type Severity = typeof SEVERITIES[number]

/** A journal entry as the rules read it: its instants as numbers, its client worked out. */
export interface SeenRequest {
  entry: JournalEntry
  /** Sandbox clock, ms. */
  at: number
  /** Real clock, ms: retries are timed by it. */
  realAt: number
  /** The client it came from: authenticated, named by its refused credential, or in the /openid query. */
  clientId?: string
  /** `METHOD /path`. */
  route: string
}

/** Everything the rules see, read once from the store (shared by every replica on Redis). */
export interface Snapshot {
  /** Sandbox clock, ms. */
  now: number
  /** The journal, oldest first. */
  requests: SeenRequest[]
  /** Codes and token pairs handed out, rotations, oldest first. */
  history: HistoryEvent[]
  deliveries: Delivery[]
  /** How long a revoke_uri may take to answer. */
  deliveryTimeoutMs: number
  /** Fields the merchant's code reads from the user (`?expect=`), if it said. */
  expected: string[]
}

/** What a rule found: one problem, at one client, with its evidence. */
export interface RawFinding {
  client_id: string
  /** What was seen, in a sentence: never a credential. */
  summary: string
  /** The journal entries that show it, oldest first. */
  entries?: SeenRequest[]
  track_ids?: string[]
  /** Instants (sandbox clock, ms) that are not journal entries' (a code's issue, a delivery attempt). */
  times?: number[]
}

/** One check, as data: what it is called, how bad, why it matters against the real Freedom ID, how to fix it. */
export interface Rule {
  id: string
  severity: Severity
  title: string
  why: string
  fix: string
  evaluate(snapshot: Snapshot): RawFinding[]
}

export const FindingSchema = Type.Object({
  rule: Type.String({ description: 'Stable rule id' }),
  severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))),
  title: Type.String(),
  seen: Type.Object({
    summary: Type.String(),
    entries: Type.Array(Type.Object({ id: Type.Integer(), time: Type.String(), method: Type.String(), path: Type.String(), status: Type.Integer() }), { description: 'Journal entries (GET /__sandbox/requests), oldest first; at most 20' }),
    track_ids: Type.Array(Type.String()),
    first: Type.String({ description: 'The earliest instant of the evidence, sandbox clock, ISO 8601' }),
    last: Type.String({ description: 'The latest' })
  }),
  why: Type.String({ description: 'Why it matters against the real Freedom ID' }),
  fix: Type.String()
})

export type Finding = Static<typeof FindingSchema>

export const ReportSchema = Type.Object({
  generated_at: Type.String({ description: 'Sandbox clock, ISO 8601' }),
  journal: Type.Object({
    enabled: Type.Boolean(),
    entries: Type.Integer(),
    oldest: Type.Optional(Type.String()),
    newest: Type.Optional(Type.String())
  }),
  summary: Type.Object({ error: Type.Integer(), warning: Type.Integer(), notice: Type.Integer() }),
  rules: Type.Array(Type.Object({ id: Type.String(), severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))), title: Type.String() })),
  clients: Type.Array(Type.Object({
    client_id: Type.String(),
    name: Type.Optional(Type.String()),
    findings: Type.Array(FindingSchema),
    omitted: Type.Integer({ description: 'Findings beyond the 50 shown per rule' })
  }))
})

export type Report = Static<typeof ReportSchema>
