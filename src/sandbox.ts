import type { Config } from './config.js'
import type { SandboxContext } from './context.js'
import { createClientRegistry } from './domain/clients.js'
import { createClock, type Clock } from './domain/clock.js'
import { createCodeExchange } from './domain/code-exchange.js'
import { createCodeService } from './domain/codes.js'
import { createDeliveries, type DeliveryPolicy } from './domain/deliveries.js'
import { createFaultQueue } from './domain/faults.js'
import type { Fixtures } from './domain/fixtures.js'
import { createIdTokenService } from './domain/id-token.js'
import { createIds, type Ids } from './domain/ids.js'
import { createJournal } from './domain/journal.js'
import { createKycService } from './domain/kyc.js'
import { createLoginFlow } from './domain/login.js'
import { createLogout } from './domain/logout.js'
import { createOidcService } from './domain/oidc.js'
import type { OutageLog } from './domain/redis-health.js'
import { createReset } from './domain/reset.js'
import { createSignInSessions } from './domain/sign-in-sessions.js'
import { signingKeySource } from './domain/signing-key.js'
import { createMemoryStore, type Store } from './domain/store.js'
import { createTokenService } from './domain/tokens.js'
import { createTrackBuilder, createTrackService } from './domain/tracks.js'
import { createUserDirectory } from './domain/users.js'

export interface SandboxDeps {
  config: Config
  fixtures: Fixtures
  /** Defaults to a clock started at `config.clock` (frozen), or real time. */
  clock?: Clock
  /** Defaults to ids seeded by `config.seed`, or random. */
  ids?: Ids
  /** Defaults to the bounded in-memory store, or Redis when `config.store` is a URL. */
  store?: Store
  /** Timeout and retries of revoke_uri deliveries (default: 5 s, 3 attempts, 1 s backoff). */
  deliveryPolicy?: DeliveryPolicy
  /** Where a Redis store tells its outages (the sandbox's log). */
  outages: OutageLog
}

/** A sandbox's services, and what ends them. */
export interface Sandbox {
  context: SandboxContext
  /** Where the sandbox is reached, once known (a PORT of 0 is known only once listening). */
  located(address: { publicUrl: string, selfUrl: string }): void
  /** Ends its deliveries and closes its store. */
  close(): Promise<void>
}

/** STORE: the bounded memory store, or Redis (loaded only then: a memory sandbox never pays for the client). */
async function openStore (config: Config, now: () => number, log: OutageLog): Promise<Store> {
  if (config.store === 'memory') return createMemoryStore({ now, maxEntries: config.maxRecords })
  const { createRedisStore } = await import('./domain/redis-store.js')
  return createRedisStore({ url: config.store, prefix: config.storePrefix, now, log })
}

/**
 * Builds every service of one sandbox: what the HTTP layer reaches as `request.sandbox`. Nothing
 * here knows HTTP or Fastify; it never listens and never reads the environment.
 */
export async function createSandbox (deps: SandboxDeps): Promise<Sandbox> {
  const { config, fixtures } = deps
  // A SIGNING_KEY file is read first: a bad one stops the start (a ConfigError) before anything runs.
  const signingKey = await signingKeySource(config, () => store)
  // The store reads time from the clock, and the clock keeps its offset in the store.
  const now = (): number => clock.now()
  const store = deps.store ?? await openStore(config, now, deps.outages)
  const clock = deps.clock ?? createClock(config.clock === undefined ? undefined : new Date(config.clock), { timeLine: store.timeLine('clock') })
  const ids = deps.ids ?? createIds(config.seed, store.counter('ids'))

  const users = createUserDirectory(fixtures.users, store)
  const clients = createClientRegistry(fixtures.clients)
  const tracks = createTrackService({ store, clock, ids, ttlSeconds: config.trackTtl, build: createTrackBuilder() })
  const journal = createJournal({ store, enabled: config.journal === 'on' })
  const codes = createCodeService({ store, clock, ids, ttlSeconds: config.codeTtl, history: journal.history })
  const tokens = createTokenService({ store, clock, ids, accessTtlSeconds: config.accessTtl, refreshTtlSeconds: config.refreshTtl, history: journal.history })
  const login = createLoginFlow({ store, tracks, users, codes, clock })
  const codeExchange = createCodeExchange({ store, codes, tokens, tracks })
  const signInSessions = createSignInSessions({ store, clock, ids })
  const faults = createFaultQueue({ store })
  const deliveries = createDeliveries({ store, clock, policy: deps.deliveryPolicy })
  const idTokens = createIdTokenService({ key: signingKey, clock, issuer: () => config.issuer ?? publicUrl, ttlSeconds: config.accessTtl })
  // Until it listens: PUBLIC_URL, or localhost on the configured port.
  let publicUrl = config.publicUrl?.replace(/\/+$/, '') ?? `http://localhost:${config.port}`
  let selfUrl = publicUrl
  const context: SandboxContext = {
    config,
    fixtures,
    clock,
    ids,
    store,
    clients,
    users,
    tracks,
    codes,
    tokens,
    login,
    codeExchange,
    signInSessions,
    kyc: createKycService({ store, clock }),
    journal,
    faults,
    deliveries,
    idTokens,
    oidc: createOidcService({ codeExchange, tokens, idTokens }),
    logout: createLogout({ users, tokens, signInSessions, clients, deliveries, selfUrl: () => selfUrl }),
    reset: createReset({ store, clock, journal, faults, deliveries, idTokens }),
    publicUrl: () => publicUrl,
    selfUrl: () => selfUrl,
    lifecycle: { listening: false, closing: false, waits: new AbortController() }
  }
  return {
    context,
    located (address) {
      publicUrl = address.publicUrl
      selfUrl = address.selfUrl
    },
    async close () {
      context.lifecycle.waits.abort()
      try {
        await context.deliveries.close()
      } finally {
        await store.close()
      }
    }
  }
}

/**
 * The links of a sandbox listening at `address`: PUBLIC_URL, or localhost on the port it got;
 * and where it answers itself (a wildcard address is reached over loopback).
 */
export function addresses (address: { address: string, family: string, port: number }, config: Pick<Config, 'publicUrl'>): { publicUrl: string, selfUrl: string } {
  const ipv6 = address.family === 'IPv6'
  const ip = address.address === '0.0.0.0' || address.address === '::' ? (ipv6 ? '::1' : '127.0.0.1') : address.address
  return {
    publicUrl: config.publicUrl?.replace(/\/+$/, '') ?? `http://localhost:${address.port}`,
    selfUrl: `http://${ipv6 ? `[${ip}]` : ip}:${address.port}`
  }
}
