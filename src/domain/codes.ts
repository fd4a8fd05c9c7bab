import type { Clock } from './clock.js'
import type { Grant } from './grants.js'
import type { Ids } from './ids.js'
import type { Store } from './store.js'

export interface CodeRecord {
  code: string
  track_id: string
  client_id: string
  user_id: string
  grants: Grant[]
  expires_at: number
}

export interface CodeService {
  issue(input: Omit<CodeRecord, 'code' | 'expires_at'>): Promise<CodeRecord>
  /**
   * Redeems a code for the client it was issued to, once. A code presented by another client is
   * refused and stays valid for its own client: a bad request takes nothing away.
   */
  redeem(code: string, clientId: string): Promise<CodeRecord | undefined>
}

export function createCodeService (deps: { store: Store, clock: Clock, ids: Ids, ttlSeconds: number }): CodeService {
  const codes = deps.store.collection<CodeRecord>('codes')
  return {
    async issue (input) {
      const record = { ...input, code: deps.ids.code(), expires_at: deps.clock.now() + deps.ttlSeconds * 1000 }
      await codes.put(record.code, record, record.expires_at)
      return record
    },
    async redeem (code, clientId) {
      const record = await codes.get(code)
      if (record === undefined || record.client_id !== clientId) return undefined
      return codes.take(code)
    }
  }
}
