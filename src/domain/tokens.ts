import { addCalendarMonth, type Clock } from './clock.js'
import type { Grant } from './grants.js'
import { fingerprint, type History } from './history.js'
import type { Ids } from './ids.js'
import type { Store, Transaction } from './store.js'

/** One issued token pair; `id` is the token id Freedom ID returns (and later posts to revoke_uri). */
export interface TokenRecord {
  id: string
  access_token: string
  refresh_token: string
  client_id: string
  user_id: string
  track_id: string
  grants: Grant[]
  issued_at: number
  access_expires_at: number
  refresh_expires_at: number
  /** OIDC: when the user signed in (unix seconds), kept through refreshes for the id_token's auth_time. */
  auth_time?: number
  /** 'oidc' on a pair of the OIDC flow (from a code of `/openid`), kept through refreshes; absent on the OAuth2 flow's. */
  kind?: 'oidc'
}

export type TokenInput = Pick<TokenRecord, 'client_id' | 'user_id' | 'track_id' | 'grants' | 'auth_time' | 'kind'>

/** What the service adds to a TokenInput when it issues the pair. */
export type IssuedPair = Omit<TokenRecord, keyof TokenInput>

/**
 * The record as it is kept: every field named in one literal, the optional ones added after.
 * Not `{ ...input, ...pair }`: V8 keeps an object made by spreading in a larger layout, and
 * builds it slower (docs/performance.md).
 */
export function tokenRecord (input: TokenInput, pair: IssuedPair): TokenRecord {
  const record: TokenRecord = {
    id: pair.id,
    access_token: pair.access_token,
    refresh_token: pair.refresh_token,
    client_id: input.client_id,
    user_id: input.user_id,
    track_id: input.track_id,
    grants: input.grants,
    issued_at: pair.issued_at,
    access_expires_at: pair.access_expires_at,
    refresh_expires_at: pair.refresh_expires_at
  }
  if (input.auth_time !== undefined) record.auth_time = input.auth_time
  if (input.kind !== undefined) record.kind = input.kind
  return record
}

export interface TokenService {
  issue(input: TokenInput): Promise<TokenRecord>
  /** A new pair, stored with the rest of the transition (a code exchange). */
  issueIn(tx: Transaction, input: TokenInput): Promise<TokenRecord>
  /**
   * A new pair for a live refresh token, which dies at once (a racing second use gets nothing);
   * `grants` narrows it (RFC 6749 section 6: the caller checks they are a subset). At the OAuth2
   * endpoint (`at: 'oauth2'`, no client authentication) a refresh token of the OIDC flow is as
   * unknown: it refreshes only at the OIDC token endpoint, with the client's credentials.
   */
  refresh(refreshToken: string, at: 'oauth2' | 'oidc', grants?: Grant[]): Promise<TokenRecord | undefined>
  findAccess(accessToken: string): Promise<TokenRecord | undefined>
  /**
   * The user's Freedom ID session ends: every pair of theirs with a live access or refresh token
   * stops working at once; answers those pairs (their ids go to the clients' revoke_uri).
   */
  endSession(userId: string): Promise<TokenRecord[]>
  /** The live pair of a refresh token, without using it up (the OIDC endpoint checks its client first). */
  findRefresh(refreshToken: string): Promise<TokenRecord | undefined>
}

/** Pairs remembered per user for logout; beyond it the oldest are forgotten (they still expire as usual). */
export const SESSION_CAP = 10_000

export interface TokenLifetimes {
  accessTtlSeconds: number
  /** Seconds, or undefined for one calendar month (the docs' examples). */
  refreshTtlSeconds: number | undefined
}

const ACCESS = 'access_tokens'
const REFRESH = 'refresh_tokens'
// The pairs issued to each user, so a logout can find them: one bounded list per user, so an
// issue is a push, not a copy of every pair the user ever had. One of a group: the lists of users
// no longer issued pairs go with the pairs they index.
const sessionOf = (userId: string): string => `sessions:${userId}`

export function createTokenService (deps: { store: Store, clock: Clock, ids: Ids, history?: History } & TokenLifetimes): TokenService {
  const { store } = deps
  const access = store.collection<TokenRecord>(ACCESS)
  const refresh = store.collection<TokenRecord>(REFRESH)

  const issueIn: TokenService['issueIn'] = async (tx, input) => {
    // Whole seconds, so the expiries Freedom ID prints (`.000000Z`) are the real ones.
    const now = Math.floor(deps.clock.now() / 1000) * 1000
    const id = await deps.ids.uuidv7(now)
    const accessToken = await deps.ids.token()
    const refreshToken = await deps.ids.token()
    const record = tokenRecord(input, {
      id,
      access_token: accessToken,
      refresh_token: refreshToken,
      issued_at: now,
      access_expires_at: now + deps.accessTtlSeconds * 1000,
      refresh_expires_at: deps.refreshTtlSeconds === undefined ? addCalendarMonth(now) : now + deps.refreshTtlSeconds * 1000
    })
    tx.put(ACCESS, record.access_token, record, record.access_expires_at)
    tx.put(REFRESH, record.refresh_token, record, record.refresh_expires_at)
    tx.push(sessionOf(record.user_id), SESSION_CAP, record, { group: 'sessions', expiresAtMs: Math.max(record.access_expires_at, record.refresh_expires_at) })
    deps.history?.noteIn(tx, { kind: 'pair', ref: fingerprint(refreshToken), access_ref: fingerprint(accessToken), client_id: record.client_id, track_id: record.track_id, token_id: id, at: now, expires_at: record.access_expires_at })
    return record
  }

  return {
    issue: (input) => store.atomically((tx) => issueIn(tx, input)),
    issueIn,
    // The old token dies in the transition that stores the new pair: a refresh that fails takes nothing.
    refresh: (refreshToken, at, grants) => store.atomically(async (tx) => {
      const old = await tx.get<TokenRecord>(REFRESH, refreshToken)
      if (old === undefined || (old.kind === 'oidc' && at !== 'oidc')) return undefined
      tx.delete(REFRESH, refreshToken)
      deps.history?.noteIn(tx, { kind: 'rotated', ref: fingerprint(refreshToken), client_id: old.client_id, track_id: old.track_id, token_id: old.id, at: deps.clock.now(), expires_at: old.access_expires_at })
      return issueIn(tx, { client_id: old.client_id, user_id: old.user_id, track_id: old.track_id, grants: grants ?? old.grants, auth_time: old.auth_time, kind: old.kind })
    }),
    findAccess: (accessToken) => access.get(accessToken),
    // One transition: a pair issued meanwhile (a refresh on another replica) changes the list, and it runs again.
    endSession: (userId) => store.atomically(async (tx) => {
      const issued = await tx.items<TokenRecord>(sessionOf(userId))
      const live = await Promise.all(issued.map(async (pair) =>
        await tx.get(ACCESS, pair.access_token) !== undefined || await tx.get(REFRESH, pair.refresh_token) !== undefined))
      tx.clear(sessionOf(userId))
      for (const pair of issued) {
        tx.delete(ACCESS, pair.access_token)
        tx.delete(REFRESH, pair.refresh_token)
      }
      return issued.filter((_pair, i) => live[i])
    }),
    findRefresh: (refreshToken) => refresh.get(refreshToken)
  }
}
