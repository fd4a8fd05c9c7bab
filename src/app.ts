import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { DestinationStream } from 'pino'
import type { Config } from './config.js'
import type { SandboxContext } from './context.js'
import { createClientRegistry } from './domain/clients.js'
import { createClock, type Clock } from './domain/clock.js'
import type { Fixtures } from './domain/fixtures.js'
import { createIds, type Ids } from './domain/ids.js'
import { createMemoryStore, type Store } from './domain/store.js'
import { createTrackService } from './domain/tracks.js'
import fp from 'fastify-plugin'
import clientAuth from './plugins/client-auth.js'
import errorHandler, { renderError, sendError } from './plugins/error-handler.js'
import { REDACT, RequestLog } from './plugins/logging.js'
import { ajvOptions } from './plugins/validation.js'
import { healthRoutes } from './routes/health/index.js'
import { authorizeRoute } from './routes/oauth/authorize.js'
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
}

/** Builds a sandbox with every route registered. It never listens and never reads the environment. */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config, fixtures } = options
  const clock = options.clock ?? createClock(config.clock === undefined ? undefined : new Date(config.clock))
  const ids = options.ids ?? createIds(config.seed)
  const store = options.store ?? createMemoryStore({ now: clock.now })
  const errorStatus = config.errorStatus

  const app = Fastify({
    logger: { level: config.logLevel, redact: REDACT, ...(options.logStream === undefined ? {} : { stream: options.logStream }) },
    logController: new RequestLog(),
    bodyLimit: BODY_LIMIT,
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    ajv: ajvOptions,
    // Errors raised before routing (a URL with broken percent-encoding) get the envelope too.
    frameworkErrors: (error, request, reply) => { sendError(reply, renderError(error, request), errorStatus) }
  }).withTypeProvider<TypeBoxTypeProvider>()

  const context: SandboxContext = {
    config,
    clock,
    ids,
    store,
    clients: createClientRegistry(fixtures.clients),
    users: fixtures.users,
    tracks: createTrackService({ store, clock, ids, ttlSeconds: config.trackTtl }),
    publicUrl () {
      if (config.publicUrl !== undefined) return config.publicUrl.replace(/\/+$/, '')
      const address = app.server.address()
      return `http://localhost:${typeof address === 'object' && address !== null ? address.port : config.port}`
    }
  }
  await app.register(fp(async (instance) => { instance.decorate('sandbox', context) }, { name: 'sandbox-context' }))
  app.addHook('onClose', async () => { await store.close() })

  // Only JSON bodies are the provider's; text/plain would reach validation as a string.
  app.removeContentTypeParser('text/plain')
  await app.register(errorHandler, { errorStatus })
  await app.register(clientAuth)

  await app.register(healthRoutes)
  await app.register(authorizeRoute)
  await app.register(sandboxRoutes, { prefix: '/__sandbox' })
  return app
}
