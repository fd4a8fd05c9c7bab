import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { DestinationStream } from 'pino'
import type { Config } from './config.js'
import type { SandboxContext } from './context.js'
import type { Clock } from './domain/clock.js'
import type { DeliveryPolicy } from './domain/deliveries.js'
import type { Fixtures } from './domain/fixtures.js'
import type { Ids } from './domain/ids.js'
import type { Store } from './domain/store.js'
import { addresses, createSandbox } from './sandbox.js'
import { SANDBOX, type BoundRequest } from './http/binding.js'
import { guardedRequest } from './http/guards.js'
import clientAuth from './plugins/client-auth.js'
import controlHooks from './plugins/control-hooks.js'
import sharedState from './plugins/shared-state.js'
import draining, { startDraining } from './plugins/draining.js'
import { tooDeep } from './http/json-depth.js'
import openapi, { describing } from './plugins/openapi.js'
import errorHandler, { HTTP_SERVER_OPTIONS, clientErrorHandler, connectRefused, hostRequired, renderError, sendError } from './plugins/error-handler.js'
import { INFO_OR_MORE, REDACT, RequestLog, noteLoginFailure } from './http/logging.js'
import { ajvOptions } from './http/validation.js'
import { rewriteUrl } from './http/normalize-url.js'
import { lazyCompilers, type CompiledSchemas } from './http/lazy-schemas.js'
import { healthRoutes } from './routes/health/index.js'
import { homeRoutes } from './routes/home/index.js'
import { loginRoutes } from './routes/login/index.js'
import { oidcRoutes } from './routes/oidc/index.js'
import { oauthRoutes } from './routes/oauth/index.js'
import { sandboxRoutes } from './routes/sandbox/index.js'

export const BODY_LIMIT = 64 * 1024

/** Node's timeouts on every sandbox's server (milliseconds): idle socket, whole request, kept-alive connection. */
export const SERVER_TIMEOUTS = { connectionTimeout: 60_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 }

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
  /** Build an app to be described (GET /openapi.json of the others): @fastify/swagger registered before the routes. */
  describing?: boolean
}

export interface HttpOptions {
  /**
   * The app's own sandbox and log settings (buildApp); without it the app serves the sandboxes
   * its requests are bound to, each with its own log, and `logs` says whether any logs at all.
   */
  own?: { context: SandboxContext, logger: { level: string, stream?: DestinationStream } | false }
  logs?: boolean
  /** OIDC_ERRORS: the OIDC token endpoint's error bodies shape its routes (an app serves sandboxes of one setting). */
  oidcErrors: Config['oidcErrors']
  compiledSchemas?: CompiledSchemas
  /** Build an app to be described (GET /openapi.json of the others): @fastify/swagger registered before the routes. */
  describing?: boolean
}

/**
 * The HTTP app: every route, hook and parser. Each request finds its sandbox on Node's request
 * (a Binding under SANDBOX, put there by the server that received it), else the app's own
 * (buildApp). Building it is most of a start: startSandbox() builds one per process and serves
 * every sandbox of the process from it.
 */
export async function buildHttp (options: HttpOptions): Promise<FastifyInstance> {
  const { own } = options
  const sandboxOf = (raw: unknown): SandboxContext => {
    const context = (raw as BoundRequest)[SANDBOX]?.context ?? own?.context
    if (context === undefined) throw new Error('a request to an app that serves several sandboxes came without one')
    return context
  }
  const logger = own === undefined
    // Each request's logger is a child of its sandbox's (childLoggerFactory); the app's own logs nothing.
    ? (options.logs === true ? { level: 'silent' } : false)
    : own.logger === false ? false : { level: own.logger.level, redact: REDACT, stream: own.logger.stream }
  const app = Fastify({
    // Silent means no logger at all: Fastify then skips a child logger per request.
    logger,
    ...(own === undefined && logger !== false
      ? { childLoggerFactory: (parent, bindings, childOptions, raw) => requestLog((raw as BoundRequest)[SANDBOX]?.log ?? parent, bindings, childOptions) }
      : {}),
    logController: new RequestLog(),
    bodyLimit: BODY_LIMIT,
    ...SERVER_TIMEOUTS,
    // One spelling of every target, for routing and everything after it.
    rewriteUrl,
    // draining.ts answers in the provider's envelope while closing.
    return503OnClosing: false,
    // Errors raised before routing (a URL with broken percent-encoding) get the envelope too.
    frameworkErrors: (error, request, reply) => { sendError(reply, renderError(error, request), sandboxOf(request.raw).config.errorStatus) },
    // And those of Node's HTTP parser, before any request exists.
    clientErrorHandler,
    http: HTTP_SERVER_OPTIONS
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.on('connect', connectRefused.bind(app))
  const compilers = lazyCompilers(ajvOptions, options.compiledSchemas)
  app.setValidatorCompiler(compilers.validator)
  app.setSerializerCompiler(compilers.serializer)

  if (own === undefined) app.decorate('sandbox', { getter () { throw new Error('this app serves several sandboxes: read request.sandbox') } })
  else app.decorate('sandbox', own.context)
  app.decorateRequest('client', guardedRequest.client)
  app.decorateRequest('token', guardedRequest.token)
  app.decorateRequest('sandbox', { getter (this: FastifyRequest): SandboxContext { return sandboxOf(this.raw) } })
  app.addHook('onRequest', hostRequired)
  await app.register(sharedState)

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
  await app.register(errorHandler)
  await app.register(draining)
  if (options.describing === true) await app.register(describing)
  else {
    await app.register(openapi, {
      describe: async () => {
        const described = await buildHttp({ oidcErrors: options.oidcErrors, compiledSchemas: options.compiledSchemas, describing: true })
        await described.ready()
        const document = described.swagger()
        await described.close()
        return document
      }
    })
  }
  await app.register(clientAuth)
  await app.register(controlHooks)

  await app.register(healthRoutes)
  await app.register(oauthRoutes)
  await app.register(oidcRoutes, { oidcErrors: options.oidcErrors })
  await app.register(loginRoutes)
  await app.register(homeRoutes)
  await app.register(sandboxRoutes, { prefix: '/__sandbox' })
  return app
}

/**
 * A request's logger: a child carrying its request id, which ties its error lines to its request
 * line. A log above info writes no request lines, so there the sandbox's own logger serves, and a
 * request pays for no child (the library's default level is warn).
 */
function requestLog (log: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return INFO_OR_MORE.has(log.level) ? log.child(bindings, options) : log
}

/** Builds a sandbox and an app of its own with every route registered. It never listens and never reads the environment. */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  // A Redis outage is told in the app's log (the store reports none before the app exists).
  const told: { log?: FastifyBaseLogger } = {}
  const sandbox = await createSandbox({
    ...options,
    outages: { warn: (message) => told.log?.warn(message), info: (message) => told.log?.info(message) }
  })
  const { context } = sandbox
  const app = await buildHttp({
    own: { context, logger: config.logLevel === 'silent' ? false : { level: config.logLevel, stream: options.logStream } },
    oidcErrors: config.oidcErrors,
    compiledSchemas: options.compiledSchemas
  })
  told.log = app.log
  app.addHook('onListen', async () => {
    context.lifecycle.listening = true
    sandbox.located(addresses(app.server.address() as AddressInfo, config))
  })
  // Drains as it closes (a shared app's sandboxes drain when their own server closes).
  app.addHook('preClose', async () => { await startDraining(context.lifecycle, app.server, app.keepAliveGraceMs) })
  app.addHook('onClose', async () => {
    context.lifecycle.listening = false
    await sandbox.close()
  })
  return app
}
