import { addCalendarMonth, type Clock } from './clock.js'
import type { Grant } from './grants.js'
import { fingerprint, type History } from './history.js'
import type { Ids } from './ids.js'
import type { Store } from './store.js'

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
}

export interface TokenService {
  issue(input: Pick<TokenRecord, 'client_id' | 'user_id' | 'track_id' | 'grants' | 'auth_time'>): Promise<TokenRecord>
  /**
   * A new pair for a live refresh token, which dies at once (a racing second use gets nothing);
   * `grants` narrows it (RFC 6749 section 6: the caller checks they are a subset).
   */
  refresh(refreshToken: string, grants?: Grant[]): Promise<TokenRecord | undefined>
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

export function createTokenService (deps: { store: Store, clock: Clock, ids: Ids, history?: History } & TokenLifetimes): TokenService {
  const access = deps.store.collection<TokenRecord>('access_tokens')
  const refresh = deps.store.collection<TokenRecord>('refresh_tokens')
  // The pairs issued to each user, so a logout can find them: one bounded list per user, so an
  // issue is a push, not a copy of every pair the user ever had.
  const session = (userId: string) => deps.store.list<TokenRecord>(`sessions:${userId}`, SESSION_CAP)

  const issue: TokenService['issue'] = async (input) => {
    // Whole seconds, so the expiries Freedom ID prints (`.000000Z`) are the real ones.
    const now = Math.floor(deps.clock.now() / 1000) * 1000
    const id = await deps.ids.uuidv7(now)
    const accessToken = await deps.ids.token()
    const refreshToken = await deps.ids.token()
    // Every field named, no spread of `input`: V8 (Node 20) gives each object built as
    // `{ ...input, more }` a hidden class of its own, about 400 bytes per pair kept.
    const record: TokenRecord = {
      id,
      access_token: accessToken,
      refresh_token: refreshToken,
      client_id: input.client_id,
      user_id: input.user_id,
      track_id: input.track_id,
      grants: input.grants,
      issued_at: now,
      access_expires_at: now + deps.accessTtlSeconds * 1000,
      refresh_expires_at: deps.refreshTtlSeconds === undefined ? addCalendarMonth(now) : now + deps.refreshTtlSeconds * 1000
    }
    if (input.auth_time !== undefined) record.auth_time = input.auth_time
    await access.put(record.access_token, record, record.access_expires_at)
    await refresh.put(record.refresh_token, record, record.refresh_expires_at)
    await session(record.user_id).push(record)
    await deps.history?.note({ kind: 'pair', ref: fingerprint(refreshToken), access_ref: fingerprint(accessToken), client_id: record.client_id, track_id: record.track_id, token_id: id, at: now, expires_at: record.access_expires_at })
    return record
  }

  return {
    issue,
    async refresh (refreshToken, grants) {
      const old = await refresh.take(refreshToken)
      if (old === undefined) return undefined
      await deps.history?.note({ kind: 'rotated', ref: fingerprint(refreshToken), client_id: old.client_id, track_id: old.track_id, token_id: old.id, at: deps.clock.now(), expires_at: old.access_expires_at })
      return issue({ client_id: old.client_id, user_id: old.user_id, track_id: old.track_id, grants: grants ?? old.grants, auth_time: old.auth_time })
    },
    findAccess: (accessToken) => access.get(accessToken),
    async endSession (userId) {
      const ended: TokenRecord[] = []
      const pairs = session(userId)
      const issued = await pairs.items()
      await pairs.clear()
      for (const pair of issued) {
        const liveAccess = await access.take(pair.access_token)
        const liveRefresh = await refresh.take(pair.refresh_token)
        if (liveAccess !== undefined || liveRefresh !== undefined) ended.push(pair)
      }
      return ended
    },
    findRefresh: (refreshToken) => refresh.get(refreshToken)
  }
}
