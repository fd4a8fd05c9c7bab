import type { Config } from './config.js'
import type { Clock } from './domain/clock.js'
import type { ClientRegistry } from './domain/clients.js'
import type { CodeExchange } from './domain/code-exchange.js'
import type { CodeService } from './domain/codes.js'
import type { Deliveries } from './domain/deliveries.js'
import type { FaultQueue } from './domain/faults.js'
import type { Journal } from './domain/journal.js'
import type { Fixtures } from './domain/fixtures.js'
import type { Ids } from './domain/ids.js'
import type { IdTokenService } from './domain/id-token.js'
import type { KycService } from './domain/kyc.js'
import type { LoginFlow } from './domain/login.js'
import type { Logout } from './domain/logout.js'
import type { OidcService } from './domain/oidc.js'
import type { Reset } from './domain/reset.js'
import type { SignInSessions } from './domain/sign-in-sessions.js'
import type { Store } from './domain/store.js'
import type { TokenService } from './domain/tokens.js'
import type { TrackService } from './domain/tracks.js'
import type { UserDirectory } from './domain/users.js'

/** Where a sandbox is in its life, as its HTTP layer sees it. */
export interface Lifecycle {
  /** Its server listens (`/ready` answers 503 before). */
  listening: boolean
  /** It is closing: every request answers 503 with `Connection: close`. */
  closing: boolean
  /** Aborted once it has closed (its server stopped, its connections drained or cut): a fault's delay still running ends then, and its request with it, so nothing keeps the process waiting. */
  readonly waits: AbortController
}

/**
 * What every route reaches through `request.sandbox`: the one bag of state a sandbox owns. One
 * HTTP app may serve several sandboxes (startSandbox() shares one per process), so routes read it
 * per request, never at registration.
 */
export interface SandboxContext {
  config: Config
  fixtures: Fixtures
  clock: Clock
  ids: Ids
  store: Store
  clients: ClientRegistry
  users: UserDirectory
  tracks: TrackService
  codes: CodeService
  tokens: TokenService
  login: LoginFlow
  /** The code exchange of both token endpoints. */
  codeExchange: CodeExchange
  /** The OIDC token endpoint's grants: a code or a refresh token for tokens and an id_token. */
  oidc: OidcService
  /** Browsers' Freedom ID sign-ins (the login page's cookie), for prompt=none. */
  signInSessions: SignInSessions
  kyc: KycService
  journal: Journal
  faults: FaultQueue
  deliveries: Deliveries
  /** Signs OIDC id_tokens; its issuer() and jwks() feed discovery. */
  idTokens: IdTokenService
  /** A user's Freedom ID session ending (`POST /__sandbox/users/:user_id/logout`). */
  logout: Logout
  /** Back to the start (`POST /__sandbox/reset`). */
  reset: Reset
  /** Base of the links the sandbox hands out: PUBLIC_URL, or http://localhost:<listening port>. */
  publicUrl(): string
  /** Where this process answers itself (its listening address; PUBLIC_URL before it listens): a revoke_uri given as a path. */
  selfUrl(): string
  lifecycle: Lifecycle
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The sandbox of an app built for one (buildApp); an app shared by several throws: read `request.sandbox`. */
    sandbox: SandboxContext
  }
  interface FastifyRequest {
    /** The sandbox this request is for. */
    readonly sandbox: SandboxContext
  }
}
