import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { DestinationStream } from 'pino'
import type { Config } from './config.js'
import type { SandboxContext } from './context.js'
import { createClientRegistry } from './domain/clients.js'
import { createClock, type Clock } from './domain/clock.js'
import type { Fixtures } from './domain/fixtures.js'
import { createIds, type Ids } from './domain/ids.js'
import { createIdTokenService } from './domain/id-token.js'
import { createKycService } from './domain/kyc.js'
import type { OutageLog } from './domain/redis-health.js'
import { createMemoryStore, type Store } from './domain/store.js'
import { signingKeySource } from './domain/signing-key.js'
import { createCodeService } from './domain/codes.js'
import { createDeliveries, type DeliveryPolicy } from './domain/deliveries.js'
import { createFaultQueue } from './domain/faults.js'
import { createJournal } from './domain/journal.js'
import { createLoginFlow } from './domain/login.js'
import { createSignInSessions } from './domain/sign-in-sessions.js'
import { createTokenService } from './domain/tokens.js'
import { createTrackBuilder, createTrackService } from './domain/tracks.js'
import { createUserDirectory } from './domain/users.js'
import fp from 'fastify-plugin'
import clientAuth from './plugins/client-auth.js'
import controlHooks from './plugins/control-hooks.js'
import sharedState from './plugins/shared-state.js'
import draining from './plugins/draining.js'
import { tooDeep } from './plugins/json-depth.js'
import openapi from './plugins/openapi.js'
import errorHandler, { clientErrorHandler, renderError, sendError } from './plugins/error-handler.js'
import { REDACT, RequestLog, noteLoginFailure } from './plugins/logging.js'
import { ajvOptions } from './plugins/validation.js'
import { rewriteUrl } from './plugins/normalize-url.js'
import { lazyCompilers, type CompiledSchemas } from './plugins/lazy-schemas.js'
import { healthRoutes } from './routes/health/index.js'
import { homeRoutes } from './routes/home/index.js'
import { loginRoutes } from './routes/login/index.js'
import { oidcRoutes } from './routes/oidc/index.js'
import { authorizeRoute } from './routes/oauth/authorize.js'
import { tokenRoutes } from './routes/oauth/token.js'
import { userRoutes } from './routes/oauth/user.js'
import { getProfileRoutes } from './routes/oauth/get-profile.js'
import { provisioningRoutes } from './routes/oauth/provisioning.js'
import { sandboxRoutes } from './routes/sandbox/index.js'

export const BODY_LIMIT = 64 * 1024

export interface AppOptions {
  config: Config
  fixtures: Fixtures
  /** Defaults to a clock started at `config.clock` (frozen), or real time. */
  clock?: Clock
  /** Defaults to ids seeded by `config.seed`, or random. */
  ids?: Ids
  /** Defaults to the bounded in-memory store. */
  store?: Store
  /** Where log lines go (default: stdout). */
  logStream?: DestinationStream
  /** Timeout and retries of revoke_uri deliveries (default: 5 s, 3 attempts, 1 s backoff). */
  deliveryPolicy?: DeliveryPolicy
  /** Where compiled schemas are kept (default: this app's own); startSandbox() shares one per process. */
  compiledSchemas?: CompiledSchemas
}

/** STORE: the bounded memory store, or Redis (loaded only then: a memory sandbox never pays for the client). */
async function openStore (config: Config, now: () => number, log: OutageLog): Promise<Store> {
  if (config.store === 'memory') return createMemoryStore({ now, maxEntries: config.maxRecords })
  const { createRedisStore } = await import('./domain/redis-store.js')
  return createRedisStore({ url: config.store, prefix: config.storePrefix, now, log })
}

/** Builds a sandbox with every route registered. It never listens and never reads the environment. */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config, fixtures } = options
  // A SIGNING_KEY file is read first: a bad one stops the start (a ConfigError) before anything runs.
  const signingKey = await signingKeySource(config, () => store)
  // The store reads time from the clock, and the clock keeps its offset in the store.
  const now = (): number => clock.now()
  // A Redis outage is told in the app's log (the store reports none before the app exists).
  const store = options.store ?? await openStore(config, now, { warn: (message) => app.log.warn(message), info: (message) => app.log.info(message) })
  const clock = options.clock ?? createClock(config.clock === undefined ? undefined : new Date(config.clock), { timeLine: store.timeLine('clock') })
  const ids = options.ids ?? createIds(config.seed, store.counter('ids'))
  const errorStatus = config.errorStatus

  const app = Fastify({
    // Silent means no logger at all: Fastify then skips a child logger per request.
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: REDACT, ...(options.logStream === undefined ? {} : { stream: options.logStream }) },
    logController: new RequestLog(),
    bodyLimit: BODY_LIMIT,
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    // One spelling of every target, for routing and everything after it.
    rewriteUrl,
    // draining.ts answers in the provider's envelope while closing.
    return503OnClosing: false,
    // Errors raised before routing (a URL with broken percent-encoding) get the envelope too.
    frameworkErrors: (error, request, reply) => { sendError(reply, renderError(error, request), errorStatus) },
    // And those of Node's HTTP parser, before any request exists.
    clientErrorHandler
  }).withTypeProvider<TypeBoxTypeProvider>()
  const compilers = lazyCompilers(ajvOptions, options.compiledSchemas)
  app.setValidatorCompiler(compilers.validator)
  app.setSerializerCompiler(compilers.serializer)

  const users = createUserDirectory(fixtures.users, store)
  const tracks = createTrackService({ store, clock, ids, ttlSeconds: config.trackTtl, build: createTrackBuilder() })
  const journal = createJournal({ store, enabled: config.journal === 'on' })
  const codes = createCodeService({ store, clock, ids, ttlSeconds: config.codeTtl, history: journal.history })
  const tokens = createTokenService({ store, clock, ids, accessTtlSeconds: config.accessTtl, refreshTtlSeconds: config.refreshTtl, history: journal.history })
  const context: SandboxContext = {
    config,
    clock,
    ids,
    store,
    clients: createClientRegistry(fixtures.clients),
    users,
    tracks,
    codes,
    tokens,
    login: createLoginFlow({ store, tracks, users, codes, tokens, clock }),
    signInSessions: createSignInSessions({ store, clock, ids }),
    kyc: createKycService({ store, clock }),
    journal,
    faults: createFaultQueue({ store }),
    deliveries: createDeliveries({ store, clock, policy: options.deliveryPolicy }),
    idTokens: createIdTokenService({ key: signingKey, clock, issuer: () => config.issuer ?? publicUrl, ttlSeconds: config.accessTtl }),
    publicUrl: () => publicUrl,
    selfUrl: () => selfUrl
  }
  // Known once listening (PORT=0 picks the port then); worked out once, not per request.
  let publicUrl = config.publicUrl?.replace(/\/+$/, '') ?? `http://localhost:${config.port}`
  let selfUrl = publicUrl
  app.addHook('onListen', async () => {
    const address = app.server.address()
    if (typeof address === 'object' && address !== null) {
      if (config.publicUrl === undefined) publicUrl = `http://localhost:${address.port}`
      // A wildcard address is reached over loopback.
      const ipv6 = address.family === 'IPv6'
      const ip = address.address === '0.0.0.0' || address.address === '::' ? (ipv6 ? '::1' : '127.0.0.1') : address.address
      selfUrl = `http://${ipv6 ? `[${ip}]` : ip}:${address.port}`
    }
  })
  await app.register(fp(async (instance) => { instance.decorate('sandbox', context) }, { name: 'sandbox-context' }))
  app.addHook('onClose', async () => {
    await context.deliveries.close()
    await store.close()
  })
  if (!store.local) await app.register(sharedState)

  // Only JSON bodies are the provider's; text/plain would reach validation as a string.
  app.removeContentTypeParser('text/plain')
  // An empty JSON body is no body (clients send the header on a body-less PATCH); validation then names what is missing.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else {
      const deep = tooDeep(body as string)
      if (deep !== undefined) done(deep, undefined)
      else parseJson(request, body as string, done)
    }
  })
  app.addHook('onError', noteLoginFailure)
  await app.register(errorHandler, { errorStatus })
  await app.register(draining)
  await app.register(openapi)
  await app.register(clientAuth)
  await app.register(controlHooks)

  await app.register(healthRoutes)
  await app.register(authorizeRoute)
  await app.register(tokenRoutes)
  await app.register(userRoutes)
  await app.register(oidcRoutes)
  await app.register(getProfileRoutes)
  await app.register(provisioningRoutes)
  await app.register(loginRoutes)
  await app.register(homeRoutes, { fixtureUsers: fixtures.users })
  await app.register(sandboxRoutes, { prefix: '/__sandbox' })
  return app
}
