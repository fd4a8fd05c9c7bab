import type { Clock } from './clock.js'
import type { Grant } from './grants.js'
import { fingerprint, type History } from './history.js'
import type { IdTokenTamper } from './id-token-tamper.js'
import type { Ids } from './ids.js'
import type { Store, Transaction } from './store.js'

/** What a code from `/openid` is bound to besides its client: the token request must match it. */
export interface OidcBinding {
  redirect_uri: string
  nonce: string
  /** S256 PKCE challenge, when the authorization request carried one. */
  code_challenge?: string
  /** When the user signed in (unix seconds): the id_token's auth_time. */
  auth_time?: number
}

export interface CodeRecord {
  code: string
  track_id: string
  client_id: string
  user_id: string
  grants: Grant[]
  expires_at: number
  /** Set on codes of the OIDC flow (`/openid`), absent on the OAuth2 flow's. */
  oidc?: OidcBinding
  /** Set by a relying-party probe only: the id_token this code is exchanged for is minted wrong on purpose, this way. */
  tamper?: IdTokenTamper
}

/** What a code is issued for; the service adds the code and its expiry. */
export type CodeInput = Omit<CodeRecord, 'code' | 'expires_at'>

/** Which token endpoint may redeem a code: each flow's codes only at its own. */
export type CodeFlow = 'oauth2' | 'oidc'

const flowOf = (record: CodeRecord): CodeFlow => record.oidc === undefined ? 'oauth2' : 'oidc'

export interface CodeService {
  issue(input: CodeInput): Promise<CodeRecord>
  /** A new code, stored with the rest of the transition. */
  issueIn(tx: Transaction, input: CodeInput): Promise<CodeRecord>
  /** The live code, if it was issued to this client by this flow; nothing is used up. */
  find(code: string, clientId: string, flow?: CodeFlow): Promise<CodeRecord | undefined>
  /**
   * Redeems a code for the client it was issued to, once. A code presented by another client (or
   * at the other flow's token endpoint) is refused and stays valid: a bad request takes nothing away.
   */
  redeem(code: string, clientId: string, flow?: CodeFlow): Promise<CodeRecord | undefined>
  /**
   * For the relying-party probes: rewrites a live code (a tamper marker, a PKCE binding taken
   * away), or with `expire` makes it expire now. Answers false when the code is not live.
   */
  alter(code: string, change: { tamper?: IdTokenTamper, unbindPkce?: true, expire?: true }): Promise<boolean>
  /** The same, used up with the rest of the transition (so only if its result is stored too). */
  redeemIn(tx: Transaction, code: string, clientId: string, flow: CodeFlow): Promise<CodeRecord | undefined>
}

const CODES = 'codes'

/** The record as it is kept: every field named, the optional ones added after (see tokenRecord). */
export function codeRecord (fields: CodeInput, code: string, expiresAt: number): CodeRecord {
  const record: CodeRecord = {
    code,
    track_id: fields.track_id,
    client_id: fields.client_id,
    user_id: fields.user_id,
    grants: fields.grants,
    expires_at: expiresAt
  }
  if (fields.oidc !== undefined) record.oidc = fields.oidc
  if (fields.tamper !== undefined) record.tamper = fields.tamper
  return record
}

export function createCodeService (deps: { store: Store, clock: Clock, ids: Ids, ttlSeconds: number, history?: History }): CodeService {
  const codes = deps.store.collection<CodeRecord>(CODES)
  const usableBy = (record: CodeRecord | undefined, clientId: string, flow: CodeFlow): CodeRecord | undefined =>
    record === undefined || record.client_id !== clientId || flowOf(record) !== flow ? undefined : record
  const find: CodeService['find'] = async (code, clientId, flow = 'oauth2') => usableBy(await codes.get(code), clientId, flow)
  const issueIn: CodeService['issueIn'] = async (tx, input) => {
    const code = await deps.ids.code()
    const record = codeRecord(input, code, deps.clock.now() + deps.ttlSeconds * 1000)
    tx.put(CODES, record.code, record, record.expires_at)
    deps.history?.noteIn(tx, { kind: 'code', ref: fingerprint(code), client_id: record.client_id, track_id: record.track_id, ...(record.oidc === undefined ? {} : { oidc: true }), at: deps.clock.now(), expires_at: record.expires_at })
    return record
  }
  return {
    issue: (input) => deps.store.atomically((tx) => issueIn(tx, input)),
    issueIn,
    find,
    async redeem (code, clientId, flow = 'oauth2') {
      if (await find(code, clientId, flow) === undefined) return undefined
      return codes.take(code)
    },
    alter: (code, change) => deps.store.atomically(async (tx) => {
      const record = await tx.get<CodeRecord>(CODES, code)
      if (record === undefined) return false
      if (change.expire === true) {
        tx.delete(CODES, code)
        return true
      }
      const altered: CodeRecord = { ...record }
      if (change.tamper !== undefined) altered.tamper = change.tamper
      if (change.unbindPkce === true) {
        // Only the probes of the OIDC flow ask, for OIDC codes.
        const { code_challenge: _unbound, ...binding } = record.oidc!
        altered.oidc = binding
      }
      tx.put(CODES, code, codeRecord(altered, code, record.expires_at), record.expires_at)
      return true
    }),
    async redeemIn (tx, code, clientId, flow) {
      const record = usableBy(await tx.get<CodeRecord>(CODES, code), clientId, flow)
      if (record !== undefined) tx.delete(CODES, code)
      return record
    }
  }
}
