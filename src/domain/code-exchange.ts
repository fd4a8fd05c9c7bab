import { OAuthError, ProviderError } from '../errors.js'
import type { CodeFlow, CodeRecord, CodeService } from './codes.js'
import type { Store } from './store.js'
import type { TokenRecord, TokenService } from './tokens.js'
import type { TrackService } from './tracks.js'

/** A redeemed code as it was stored (its OIDC binding, a probe's tamper marker) and the pair issued for it. */
export interface Exchanged {
  code: CodeRecord
  pair: TokenRecord
}

export interface CodeExchange {
  /**
   * Redeems a code at `flow`'s token endpoint for a token pair, marking its track exchanged, as one
   * transition: the code is used up only if the pair (and its history) is stored. `check` may
   * refuse the code (throw), which then stays valid. A code that is unknown, used, expired, or of
   * another client or flow is refused as that endpoint words it; it too stays as it was.
   */
  exchange(code: string, clientId: string, flow: CodeFlow, check?: (code: CodeRecord) => void): Promise<Exchanged>
}

/** Freedom ID's envelope at the OAuth2 endpoint; RFC 6749's invalid_grant at the OIDC one (the envelope for OIDC_ERRORS=envelope). */
const refusal = (flow: CodeFlow): Error => flow === 'oauth2'
  ? new ProviderError('invalidAuthorizationCode')
  : new OAuthError('invalid_grant', 'The code is unknown, used, expired, or was issued to another client.', new ProviderError('invalidAuthorizationCode'))

/** The one code exchange behind both token endpoints (`POST /api/v1/oauth/token` and `POST /api/v1/oidc/token`). */
export function createCodeExchange (deps: { store: Store, codes: CodeService, tokens: TokenService, tracks: TrackService }): CodeExchange {
  const { store, codes, tokens, tracks } = deps
  return {
    async exchange (code, clientId, flow, check) {
      const exchanged = await store.atomically(async (tx) => {
        const record = await codes.redeemIn(tx, code, clientId, flow)
        if (record === undefined) return undefined
        check?.(record)
        const pair = await tokens.issueIn(tx, { client_id: record.client_id, user_id: record.user_id, track_id: record.track_id, grants: record.grants, auth_time: record.oidc?.auth_time, ...(record.oidc === undefined ? {} : { kind: 'oidc' as const }) })
        const track = await tracks.findIn(tx, record.track_id)
        if (track !== undefined) tracks.saveIn(tx, { ...track, state: 'exchanged' })
        return { code: record, pair }
      })
      if (exchanged === undefined) throw refusal(flow)
      return exchanged
    }
  }
}
