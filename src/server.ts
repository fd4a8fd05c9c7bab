import { createServer as createHttpServer, type Server } from 'node:http'
import { isIPv4, type AddressInfo } from 'node:net'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { pino, type DestinationStream } from 'pino'
import { SERVER_TIMEOUTS, buildApp, buildHttp } from './app.js'
import type { Config } from './config.js'
import type { SandboxContext } from './context.js'
import { loadFixtures, type Client, type Fixtures } from './domain/fixtures.js'
import { SANDBOX, appInject, injector, type AppInject, type Binding, type BoundRequest, type Inject } from './http/binding.js'
import { startDraining } from './plugins/draining.js'
import { HTTP_SERVER_OPTIONS, clientErrorHandler, connectRefused } from './plugins/error-handler.js'
import type { CompiledSchemas } from './http/lazy-schemas.js'
import { INFO_OR_MORE, REDACT, colourWanted, prettyDestination, prettyWanted } from './http/logging.js'
import { addresses, createSandbox } from './sandbox.js'

export interface RunningSandbox {
  /** Where this process answers, e.g. http://127.0.0.1:8080 (a wildcard host is shown as loopback). */
  url: string
  port: number
  /** Base of the login links it hands out (PUBLIC_URL, or http://localhost:<port>). */
  publicUrl: string
  config: Config
  app: FastifyInstance
  /**
   * Stops listening after in-flight requests finish; with `keepAliveGraceMs`, clients connected
   * first get that long of 503 + `Connection: close` (the CLI's SIGTERM: no resets under load).
   */
  close(options?: { keepAliveGraceMs?: number }): Promise<void>
}

export class ListenError extends Error {
  constructor (config: Config, cause: NodeJS.ErrnoException) {
    const reason = cause.code === 'EADDRINUSE'
      ? 'the port is already in use (choose another port, or 0 for any free one)'
      : cause.message
    super(`cannot listen on ${config.host}:${config.port}: ${reason}`)
    this.name = 'ListenError'
  }
}

function reachableHost (address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1'
  if (address.address === '::') return '[::1]'
  return address.family === 'IPv6' ? `[${address.address}]` : address.address
}

/** Where the log goes: pino's JSON lines to stdout (undefined), or pino-pretty's lines when LOG_FORMAT asks or a terminal reads it. */
async function stdoutLog (config: Config): Promise<DestinationStream | undefined> {
  const terminal = process.stdout.isTTY === true
  if (config.logLevel === 'silent' || !prettyWanted(config.logFormat, terminal)) return undefined
  return prettyDestination((text) => process.stdout.write(text), colourWanted(terminal, process.env))
}

/** The name `localhost`, in any case (a host name's case does not matter). */
const isLocalhost = (host: string): boolean => host.toLowerCase() === 'localhost'

const loopback = (host: string): boolean =>
  isLocalhost(host) || host === '::1' || (isIPv4(host) && host.startsWith('127.')) || /^::ffff:127\./i.test(host)

/**
 * What is open to anyone who can reach a sandbox listening beyond this machine, in one line, or
 * undefined on loopback or when nothing is: a client with no redirect_uris takes any redirect, and
 * without SANDBOX_TOKEN the control API takes anyone.
 */
export function exposureWarning (config: Pick<Config, 'host' | 'sandboxToken'>, clients: Client[]): string | undefined {
  if (loopback(config.host)) return undefined
  const open = clients.filter((client) => client.redirect_uris === undefined).map((client) => `"${client.name}"`)
  const risks = []
  if (open.length > 0) risks.push(`${open.join(', ')} accept${open.length === 1 ? 's' : ''} any redirect URI, so a login link with ${open.length === 1 ? 'its' : 'their'} client id can send a user anywhere (give every client redirect_uris)`)
  if (config.sandboxToken === undefined) risks.push('the control API (/__sandbox) needs no token (set SANDBOX_TOKEN)')
  if (risks.length === 0) return undefined
  return `listening on ${config.host}, beyond this machine: ${risks.join('; and ')}. See docs/shared-qa.md.`
}

export interface StartOptions {
  logStream?: DestinationStream
  /** How the fixtures folder is read (default: loadFixtures; startSandbox() keeps what it validated). */
  fixtures?: (dir: string) => Promise<Fixtures>
  compiledSchemas?: CompiledSchemas
}

/** Loads the fixtures, builds the app and listens: the only place the sandbox listens. */
export async function startServer (config: Config, options: StartOptions = {}): Promise<RunningSandbox> {
  const fixtures = await (options.fixtures ?? loadFixtures)(config.fixturesDir)
  const app = await buildApp({ config, fixtures, logStream: options.logStream ?? await stdoutLog(config), compiledSchemas: options.compiledSchemas })
  // Fastify logs "listening at <url>" at info, unconditionally; the CLI's banner already says it.
  const level = app.log.level
  if (INFO_OR_MORE.has(level)) app.log.level = 'warn'
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    await app.close()
    throw new ListenError(config, error as NodeJS.ErrnoException)
  } finally {
    app.log.level = level
  }
  const warning = exposureWarning(config, fixtures.clients)
  if (warning !== undefined) app.log.warn(warning)
  const address = app.server.address() as AddressInfo
  return {
    url: `http://${reachableHost(address)}:${address.port}`,
    port: address.port,
    publicUrl: app.sandbox.publicUrl(),
    config,
    app,
    close: (options = {}) => closeDraining(app, options.keepAliveGraceMs ?? 0)
  }
}

/** How long in-flight requests may take once closing starts; then their connections are cut. */
export const DRAIN_MS = 3_000

/**
 * Closes after in-flight requests finish, but at most DRAIN_MS: once closing starts Node stops
 * timing requests out, so a client that never finishes its request would hold the exit forever.
 */
async function closeDraining (app: FastifyInstance, keepAliveGraceMs: number): Promise<void> {
  app.keepAliveGraceMs = keepAliveGraceMs
  const cut = setTimeout(() => app.server.closeAllConnections(), DRAIN_MS)
  cut.unref()
  try {
    await app.close()
  } finally {
    clearTimeout(cut)
  }
}

/** What the sandboxes of one process share: fixtures validated once, schemas compiled once, and the HTTP apps that serve them. */
export interface SharedParts {
  fixtures: (dir: string) => Promise<Fixtures>
  compiledSchemas: CompiledSchemas
  /** One app per shape (whether any log is kept, OIDC_ERRORS), built when first asked for. */
  apps: Map<string, Promise<FastifyInstance>>
}

/** A sandbox served by a process's shared app: its own server, services and log. */
export interface InProcessSandbox {
  /** Where it answers, e.g. http://127.0.0.1:41234. */
  url: string
  port: number
  /** Base of the login links it hands out (PUBLIC_URL, or http://localhost:<port>). */
  publicUrl: string
  config: Config
  /** Its services, as its routes reach them (`request.sandbox`). */
  context: SandboxContext
  /** Its own HTTP server. */
  server: Server
  log: FastifyBaseLogger
  /** A request to it without the network, as Fastify's `inject`. */
  inject: Inject
  /** `app.inject()` as earlier versions had it, in its promise and callback forms (the app is shared by the process's sandboxes; this one reaches only this sandbox). */
  app: { inject: AppInject }
  /**
   * Stops listening after in-flight requests finish (at most DRAIN_MS); with `keepAliveGraceMs`,
   * clients connected first get that long of 503 + `Connection: close`.
   */
  close(options?: { keepAliveGraceMs?: number }): Promise<void>
}

function sharedApp (config: Config, parts: SharedParts): Promise<FastifyInstance> {
  const logs = config.logLevel !== 'silent'
  const key = `${logs}:${config.oidcErrors}`
  let app = parts.apps.get(key)
  if (app === undefined) {
    // Building depends on the code alone, never on the sandbox: one that failed would fail again.
    app = buildHttp({ logs, oidcErrors: config.oidcErrors, compiledSchemas: parts.compiledSchemas }).then(async (built) => {
      await built.ready()
      return built
    })
    parts.apps.set(key, app)
  }
  return app
}

/** A sandbox with an app of its own, as one served by a shared app. */
function ownApp (running: RunningSandbox): InProcessSandbox {
  const { app, url, port, publicUrl, config, close } = running
  const inject = injector(app, undefined)
  return { url, port, publicUrl, config, close, context: app.sandbox, server: app.server, log: app.log, inject, app: { inject: appInject(inject) } }
}

/** A sandbox's own server: its requests bound to it, then routed by the shared app; Node's timeouts and parser errors as Fastify sets them on a server of its own. */
function serverFor (app: FastifyInstance, binding: Binding): Server {
  const server = createHttpServer(HTTP_SERVER_OPTIONS, (req, res) => {
    (req as BoundRequest)[SANDBOX] = binding
    app.routing(req, res)
  })
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout
  server.setTimeout(SERVER_TIMEOUTS.connectionTimeout)
  server.on('clientError', clientErrorHandler.bind(binding))
  server.on('connect', connectRefused.bind(binding))
  return server
}

function listen (server: Server, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: config.port, host: config.host }, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/**
 * A sandbox of its own (services, store, log, server) served by the app this process shares
 * between the sandboxes it starts: after the first, a start builds services and a server, not
 * forty routes.
 */
export async function startInProcess (config: Config, parts: SharedParts, options: { logStream?: DestinationStream } = {}): Promise<InProcessSandbox> {
  // On `localhost` Fastify listens on each address the name has (127.0.0.1 and ::1): an app of its own does that.
  if (isLocalhost(config.host)) return ownApp(await startServer(config, { ...parts, ...options }))
  const fixtures = await parts.fixtures(config.fixturesDir)
  const app = await sharedApp(config, parts)
  const log: FastifyBaseLogger = pino({ level: config.logLevel, redact: REDACT }, options.logStream ?? await stdoutLog(config))
  const sandbox = await createSandbox({ config, fixtures, outages: log })
  const { context } = sandbox
  const binding: Binding = { context, log }
  const server = serverFor(app, binding)
  const inject = injector(app, binding)
  try {
    await listen(server, config)
  } catch (error) {
    await sandbox.close()
    throw new ListenError(config, error as NodeJS.ErrnoException)
  }
  const address = server.address() as AddressInfo
  context.lifecycle.listening = true
  sandbox.located(addresses(address, config))
  const warning = exposureWarning(config, fixtures.clients)
  if (warning !== undefined) log.warn(warning)
  return {
    url: `http://${reachableHost(address)}:${address.port}`,
    port: address.port,
    publicUrl: context.publicUrl(),
    config,
    context,
    server,
    log,
    inject,
    app: { inject: appInject(inject) },
    async close (closeOptions = {}) {
      await startDraining(context.lifecycle, server, closeOptions.keepAliveGraceMs ?? 0)
      const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS)
      cut.unref()
      try {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        })
      } finally {
        clearTimeout(cut)
        context.lifecycle.listening = false
        await sandbox.close()
      }
    }
  }
}
