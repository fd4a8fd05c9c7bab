import type { Clock } from './clock.js'
import type { Deliveries } from './deliveries.js'
import type { FaultQueue } from './faults.js'
import type { IdTokenService } from './id-token.js'
import type { Journal } from './journal.js'
import type { Store } from './store.js'

/**
 * Back to the start: every track, code, token, journal entry, fault, delivery and provisioned user
 * dropped; the clock and the seeded ids restored; the signing key kept.
 */
export type Reset = () => Promise<void>

export function createReset (deps: { store: Store, clock: Clock, journal: Journal, faults: FaultQueue, deliveries: Deliveries, idTokens: IdTokenService }): Reset {
  const { store, clock, journal, faults, deliveries, idTokens } = deps
  // One store for every replica: clearing it resets them all (tracks, codes, tokens, users, journal, faults, clock, id sequence).
  return () => idTokens.keepKeyAcross(async () => {
    await store.clear()
    await journal.clear()
    await faults.clear()
    await deliveries.clear()
    await clock.reset()
  })
}
