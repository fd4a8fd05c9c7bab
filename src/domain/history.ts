import { hash } from 'node:crypto'
import type { Store, Transaction } from './store.js'

/** Credentials remembered for the report; beyond it the oldest go first (about three per sign-in). */
export const HISTORY_CAP = 3000
const HISTORY = 'history'

/**
 * What the sandbox handed out, remembered so a failed request can say why it failed (a code used
 * twice, an access token past its expiry, a refresh token already rotated): never the credential,
 * only a fingerprint of it (the first 64 bits of its SHA-256), which nobody can turn back into one.
 */
export interface HistoryEvent {
  kind: 'code' | 'pair' | 'rotated'
  /** The code's, the pair's refresh token's, or the rotated refresh token's fingerprint. */
  ref: string
  /** A pair's access token's fingerprint. */
  access_ref?: string
  client_id: string
  track_id: string
  /** Token id of a pair, or of the pair a rotated refresh token belonged to. */
  token_id?: string
  /** Set on OIDC codes. */
  oidc?: true
  /** When it was issued (rotated), sandbox clock, ms. */
  at: number
  /** A code's or an access token's expiry, ms. */
  expires_at: number
}

/** Why a presented credential was refused, as far as the history tells. */
export type CredentialVerdict =
  | { kind: 'expired_access' | 'revoked_access' | 'access_token' | 'refresh_token' | 'rotated_refresh', event: HistoryEvent }
  | { kind: 'code_reused' | 'code_expired' | 'code_other_client' | 'code_other_flow', event: HistoryEvent }

export const fingerprint = (secret: string): string => hash('sha256', secret, 'hex').slice(0, 16)

export interface History {
  /** Remembers a credential handed out, in the transition that hands it out (so stored with it or not at all). */
  noteIn(tx: Transaction, event: HistoryEvent): void
  events(): Promise<HistoryEvent[]>
  /** Why a refused Bearer token was refused; undefined when it was never one of ours. */
  bearer(token: string, now: number): Promise<CredentialVerdict | undefined>
  /** Why a refused code was refused, presented by `clientId` at the `oidc` (or OAuth2) token endpoint. */
  code(code: string, clientId: string, oidc: boolean, now: number): Promise<CredentialVerdict | undefined>
  clear(): Promise<void>
}

/** The history, or (JOURNAL=off: nobody will ask) one that keeps nothing. */
export function createHistory (deps: { store: Store, enabled: boolean }): History {
  const list = deps.store.list<HistoryEvent>(HISTORY, HISTORY_CAP)
  // Newest first: a rotated token's latest fate wins.
  const newest = async () => (await list.items()).reverse()
  return {
    noteIn (tx, event) { if (deps.enabled) tx.push(HISTORY, HISTORY_CAP, event) },
    events: () => list.items(),
    async bearer (token, now) {
      const ref = fingerprint(token)
      for (const event of await newest()) {
        if (event.kind === 'pair' && event.access_ref === ref) return { kind: now >= event.expires_at ? 'expired_access' : 'revoked_access', event }
        if (event.kind === 'rotated' && event.ref === ref) return { kind: 'rotated_refresh', event }
        if (event.kind === 'pair' && event.ref === ref) return { kind: 'refresh_token', event }
      }
      return undefined
    },
    async code (code, clientId, oidc, now) {
      const ref = fingerprint(code)
      const event = (await newest()).find((e) => e.kind === 'code' && e.ref === ref)
      if (event === undefined) return undefined
      if (event.client_id !== clientId) return { kind: 'code_other_client', event }
      if ((event.oidc === true) !== oidc) return { kind: 'code_other_flow', event }
      return { kind: now >= event.expires_at ? 'code_expired' : 'code_reused', event }
    },
    clear: () => list.clear()
  }
}
