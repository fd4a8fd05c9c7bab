import { createHmac } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import type { Clock } from './clock.js'
import type { User } from './fixtures.js'
import type { Grant } from './grants.js'
import type { Store } from './store.js'

/**
 * KYC profile requests (get-profile and its status). The docs name the states but not their
 * timing, so the sandbox scripts them on its clock, counted from the moment the request arrived.
 */

/** `accepted` for the first 5 s. */
export const ACCEPTED_MS = 5_000
/** Then `pending` until 30 s, when the request is decided: `completed`, or `failed` for a `kyc_fails` persona. */
export const DECIDED_AFTER_MS = 30_000
/**
 * A decided (or rejected) request is kept 60 min, then reads `not_found`. The docs keep pending
 * requests 24 h; a sandbox request is pending for 25 s only, so that bound never applies.
 */
export const RETENTION_MS = 60 * 60_000

export const KYC_STATUSES = ['accepted', 'pending', 'completed', 'failed', 'rejected', 'not_found'] as const

export const KycStatusSchema = Type.Union(KYC_STATUSES.map((status) => Type.Literal(status)), { title: 'KycStatus' })

export type KycStatus = Static<typeof KycStatusSchema>

/** `accepted`'s is the docs' own example; the others follow its `WORD: detail` shape. */
export const STATUS_MESSAGES: Record<KycStatus, string> = {
  accepted: 'PROCESS: profile is pending',
  pending: 'PROCESS: profile is pending',
  completed: 'SUCCESS: profile is ready',
  failed: 'FAILED: the profile could not be verified',
  rejected: 'REJECTED: the read.profile grant was not given',
  not_found: 'NOT_FOUND: no such request'
}

/** What the store keeps: the state itself is worked out from the time elapsed since `created_at`. */
export interface KycRecord {
  request_id: string
  client_id: string
  user_id: string
  /** Sandbox-clock milliseconds. */
  created_at: number
  outcome: 'completed' | 'failed' | 'rejected'
}

/** A request as a partner sees it at one instant. */
export interface KycView {
  request_id: string
  status: KycStatus
  status_message: string
  /** Absent for `not_found`: no user is known then. */
  freedom_id?: string
  /** Only when `completed`. */
  payload?: string
  /** When the request entered its current state (for `not_found`: now). */
  changed_at: number
}

/** A request the sandbox holds (anything but `not_found`). */
export type HeldKycView = KycView & { status: Exclude<KycStatus, 'not_found'>, freedom_id: string }

export interface KycSubmission {
  client_id: string
  user_id: string
  request_id: string
  /** The access token's grants: without `read.profile` the request is `rejected`. */
  grants: Grant[]
  behaviour: User['behaviour']
}

export interface KycService {
  /** A new request, or the one this client already holds under `request_id`: a repeat does not restart it. */
  submit(input: KycSubmission): Promise<HeldKycView>
  /** Only the client that created a request can see it; for anyone else it does not exist. */
  status(clientId: string, requestId: string): Promise<KycView>
}

export function kycState (record: KycRecord, now: number): { status: HeldKycView['status'], since: number } {
  if (record.outcome === 'rejected') return { status: 'rejected', since: record.created_at }
  const elapsed = now - record.created_at
  if (elapsed < ACCEPTED_MS) return { status: 'accepted', since: record.created_at }
  if (elapsed < DECIDED_AFTER_MS) return { status: 'pending', since: record.created_at + ACCEPTED_MS }
  return { status: record.outcome, since: record.created_at + DECIDED_AFTER_MS }
}

/** The instant a request becomes `not_found`: 60 min after it was decided (a rejected one: after it arrived). */
export const kycExpiresAt = (record: KycRecord): number =>
  record.created_at + (record.outcome === 'rejected' ? 0 : DECIDED_AFTER_MS) + RETENTION_MS

// Fixed, so that the same request gives the same payload in every run (SEED runs stay byte-identical).
const PAYLOAD_KEY = 'freedom-id-sandbox kyc profile payload'
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
export const PAYLOAD_LENGTH = 96

/** An opaque 96-character alphanumeric string, as in the docs' example: HMAC-SHA256 in counter mode. */
export function profilePayload (clientId: string, requestId: string, userId: string): string {
  let out = ''
  for (let block = 0; out.length < PAYLOAD_LENGTH; block++) {
    const bytes = createHmac('sha256', PAYLOAD_KEY).update(`${block}\n${clientId}\n${requestId}\n${userId}`).digest()
    for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length]
  }
  return out.slice(0, PAYLOAD_LENGTH)
}

function view (record: KycRecord, now: number): HeldKycView {
  const { status, since } = kycState(record, now)
  return {
    request_id: record.request_id,
    status,
    status_message: STATUS_MESSAGES[status],
    freedom_id: record.user_id,
    ...(status === 'completed' ? { payload: profilePayload(record.client_id, record.request_id, record.user_id) } : {}),
    changed_at: since
  }
}

const KYC_REQUESTS = 'kyc_requests'

export function createKycService (deps: { store: Store, clock: Clock }): KycService {
  const requests = deps.store.collection<KycRecord>(KYC_REQUESTS)
  // A client's request ids are its own: two partners may well pick the same UUID.
  const keyOf = (clientId: string, requestId: string) => `${clientId}:${requestId}`

  return {
    // One transition: of two submissions of one request_id at once, one creates it, the other sees it.
    submit: (input) => deps.store.atomically(async (tx) => {
      const key = keyOf(input.client_id, input.request_id)
      const now = deps.clock.now()
      const held = await tx.get<KycRecord>(KYC_REQUESTS, key)
      if (held !== undefined) return view(held, now)
      const record: KycRecord = {
        request_id: input.request_id,
        client_id: input.client_id,
        user_id: input.user_id,
        created_at: now,
        outcome: !input.grants.includes('read.profile') ? 'rejected' : input.behaviour === 'kyc_fails' ? 'failed' : 'completed'
      }
      tx.put(KYC_REQUESTS, key, record, kycExpiresAt(record))
      return view(record, now)
    }),
    async status (clientId, requestId) {
      const now = deps.clock.now()
      const record = await requests.get(keyOf(clientId, requestId))
      if (record !== undefined) return view(record, now)
      return { request_id: requestId, status: 'not_found', status_message: STATUS_MESSAGES.not_found, changed_at: now }
    }
  }
}
