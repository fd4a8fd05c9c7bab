import { STATUS_CODES, maxHeaderSize, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import { ERRORS, ProviderError, ValidationFailed, codeFor, envelope, errorReply, type ErrorName } from '../errors.js'
import { StoreUnavailableError } from '../domain/store.js'
import { failureOf, noteFailure } from '../http/logging.js'
import { laravelErrors, validationBody } from '../http/validation.js'

export interface ErrorHandlerOptions {
  /** `200`: every error body is sent with HTTP 200, as the docs' "200 Error" label suggests. */
  errorStatus: 'http' | '200'
}

/** An error as the client gets it; `reason` is the request log's, when it says more than the body. */
interface Rendered { status: number, body: unknown, headers?: Record<string, string>, reason?: string }

const BY_FASTIFY_CODE: Record<string, ErrorName> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupportedMediaType',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payloadTooLarge',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformedJson',
  FST_BASIC_AUTH_MISSING_OR_BAD_AUTHORIZATION_HEADER: 'unauthenticated'
}

/** Any error, from anywhere in a request, as the provider's envelope. Nothing else decides an error body. */
export function renderError (error: unknown, request: FastifyRequest): Rendered {
  // The login flow's failures (LoginError) among them.
  if (error instanceof ProviderError) {
    return { status: error.status, body: envelope(error.message, error.code), headers: error.headers }
  }
  // The client gets the provider's words; the log says what Redis did ("Redis at ... is not reachable (connection refused)").
  if (error instanceof StoreUnavailableError) return { ...errorReply('storeUnavailable'), headers: { 'retry-after': '1' }, reason: error.message }
  if (error instanceof ValidationFailed) {
    return { status: 422, body: validationBody(error.errors) }
  }
  const e = error as Partial<FastifyError>
  if (e.validation !== undefined) {
    const part = e.validationContext!
    const schema = request.routeOptions.schema?.[part as 'body'] as { properties?: object, required?: string[] } | undefined
    const data = (request as unknown as Record<string, unknown>)[part === 'querystring' ? 'query' : part]
    return { status: 422, body: validationBody(laravelErrors(e.validation, data, schema)) }
  }
  const mapped = e.code === undefined ? undefined : BY_FASTIFY_CODE[e.code]
  if (mapped === 'unsupportedMediaType') {
    const type = String(request.headers['content-type']).slice(0, 100)
    return errorReply(mapped, `Unsupported content type "${type}": send application/json.`)
  }
  if (mapped !== undefined) return errorReply(mapped)
  const status = e.statusCode ?? 500
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad content length, empty JSON body, poisoned JSON) say what is wrong.
    return { status, body: envelope(e.code?.startsWith('FST_') === true ? e.message! : ERRORS.badRequest.message, codeFor(status)) }
  }
  return errorReply('serverError')
}

const JSON_TYPE = 'application/json; charset=utf-8'
const asSerialized = (payload: unknown): string => payload as string

/**
 * The one writer of an error body (an envelope, a fault's body, an RFC 6749 error). It goes out
 * pre-serialized: a route's own response schema (its 200 with ERROR_STATUS=200, or none for a
 * fault's status) would otherwise filter it away or refuse it.
 */
export function sendJson (reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(JSON_TYPE).serializer(asSerialized).send(JSON.stringify(body))
}

/** The same body as a whole HTTP/1.1 response on a connection that then closes, for when no request exists to answer. */
export function rawJsonResponse (status: number, body: unknown): string {
  const text = JSON.stringify(body)
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`
}

/** Sends a rendered error, with ERROR_STATUS=200 as HTTP 200; the request log notes why it failed. */
export function sendError (reply: FastifyReply, rendered: Rendered, errorStatus: ErrorHandlerOptions['errorStatus']): FastifyReply {
  noteFailure(reply.request, rendered.reason ?? failureOf(rendered.body))
  reply.headers(rendered.headers ?? {})
  return sendJson(reply, errorStatus === '200' ? 200 : rendered.status, rendered.body)
}

async function errorHandler (app: FastifyInstance): Promise<void> {
  // Every route's paths and methods, so an unknown method on a known path answers 405, not 404.
  // Routed on the first unknown request: building a router of every route cost each start about
  // as much as the rest of the error handling put together.
  const added: Array<[HTTPMethod, string]> = []
  const methods = new Set<string>()
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      methods.add(method)
      added.push([method as HTTPMethod, route.url])
    }
  })
  let router: ReturnType<typeof FindMyWay> | undefined
  const routes = () => {
    if (router === undefined) {
      router = FindMyWay()
      for (const [method, url] of added) router.on(method, url, () => {})
    }
    return router
  }

  app.setErrorHandler((error, request, reply) => {
    const rendered = renderError(error, request)
    // The provider's own 5xx (not ready) is expected; a lost store is told once per outage by the
    // store, and each request's line gives the reason; anything else is a bug worth the stack.
    if (rendered.status >= 500 && !(error instanceof ProviderError) && !(error instanceof StoreUnavailableError)) request.log.error({ err: error }, 'request failed')
    return sendError(reply, rendered, request.sandbox.config.errorStatus)
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const allowed = [...methods]
      .filter((method) => method !== request.method && routes().find(method as HTTPMethod, path) !== null)
      .sort()
    if (allowed.length > 0) {
      return sendError(reply, {
        ...errorReply('methodNotAllowed',
          `The ${request.method} method is not supported for route ${path}. Supported methods: ${allowed.join(', ')}.`),
        headers: { allow: allowed.join(', ') }
      }, request.sandbox.config.errorStatus)
    }
    return sendError(reply, errorReply('notFound', `The route ${request.method} ${path} could not be found.`), request.sandbox.config.errorStatus)
  })
}

/** Node's limit on a request's headers and request line (16 KiB unless --max-http-header-size says otherwise). */
const HEADER_LIMIT_KIB = Math.floor(maxHeaderSize / 1024)

/** What Node's HTTP parser says is wrong, when it is a short phrase worth repeating (llhttp's `reason`). */
const parserReason = (error: { reason?: unknown }): string | undefined =>
  typeof error.reason === 'string' && /^[\x20-\x7e]{1,100}$/.test(error.reason) ? error.reason.replace(/\.$/, '') : undefined

/** The envelope for a request Node's HTTP parser refused before Fastify saw it. */
export function clientErrorBody (error: NodeJS.ErrnoException & { reason?: unknown }): { status: number, body: unknown } {
  if (error.code === 'HPE_HEADER_OVERFLOW') return errorReply('headersTooLarge', `The request headers are larger than ${HEADER_LIMIT_KIB} KiB.`)
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return errorReply('requestTimeout')
  const reason = parserReason(error)
  return reason === undefined ? errorReply('malformedRequest') : errorReply('malformedRequest', `The HTTP request is malformed: ${reason}.`)
}

/**
 * Fastify's clientErrorHandler: Node's parser errors (headers over the limit, a duplicate
 * Content-Length, Content-Length with Transfer-Encoding, a bad chunk, a bad method, a bare LF, a
 * request that never finished) in the provider's envelope with their own status, then the
 * connection closes. The status is always the real one: ERROR_STATUS=200 concerns the answers of
 * the API, and no request was read here.
 */
export function clientErrorHandler (this: { log: FastifyBaseLogger }, error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  this.log.debug({ err: error }, 'HTTP parser error')
  if (socket.writable) {
    const { status, body } = clientErrorBody(error)
    socket.write(rawJsonResponse(status, body))
  }
  socket.destroy(error)
}

/**
 * Node's server takes requests without a Host header here (requireHostHeader off), so that an
 * HTTP/1.1 one gets its 400 (RFC 9112 section 3.2) in the envelope from the first hook, not Node's
 * bare answer; HTTP/1.0 needs none.
 */
export const HTTP_SERVER_OPTIONS = { requireHostHeader: false }

export function hostRequired (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
    return done(new ProviderError('malformedRequest', 'The HTTP request is malformed: no Host header (HTTP/1.1 requires one).'))
  }
  done()
}

/** CONNECT (a proxy's tunnel): Node hands it to this listener, or would close the connection without a word. */
export function connectRefused (this: { log: FastifyBaseLogger }, _request: IncomingMessage, socket: Duplex): void {
  this.log.debug('CONNECT refused')
  const { status, body } = errorReply('methodNotAllowed', 'The CONNECT method is not supported: this is not a proxy.')
  socket.end(rawJsonResponse(status, body))
}

export default fp(errorHandler, { name: 'error-handler', fastify: '5.x' })
