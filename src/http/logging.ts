import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import type { DestinationStream } from 'pino'
import type PinoPretty from 'pino-pretty'
import { LoginError } from '../domain/login.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Why the request failed, in words (its envelope's message), for the request log line. */
    failure?: string
  }
}

/** Query parameters whose values are credentials, or would let someone act as a user or client; masked in every logged URL. */
export const SECRET_PARAMS: ReadonlySet<string> = new Set([
  'authorization_code', 'code', 'access_token', 'refresh_token', 'id_token', 'id_token_hint', 'token',
  'client_secret', 'client_assertion', 'password', 'code_verifier'
])

/** A name as a server would read it: percent- and +-decoded (twice over, at most 3 times), each `a[b]` part apart, lower case. */
function nameParts (raw: string): string[] {
  let name = raw
  for (let i = 0; i < 3; i++) {
    let next: string
    try {
      next = decodeURIComponent(name.replaceAll('+', ' '))
    } catch {
      break
    }
    if (next === name) break
    name = next
  }
  return name.toLowerCase().split(/[[\]]+/).map((part) => part.trim()).filter((part) => part !== '')
}

/** The URL with the value of every secret parameter masked, under any spelling: `%61ccess_token=`, `Access_Token[]=`, `x[code]=`. */
export function safeUrl (url: string): string {
  const start = url.indexOf('?')
  if (start === -1) return url
  const params = url.slice(start + 1).split('&').map((param) => {
    const equals = param.indexOf('=')
    if (equals === -1) return param
    return nameParts(param.slice(0, equals)).some((part) => SECRET_PARAMS.has(part)) ? `${param.slice(0, equals)}=[redacted]` : param
  })
  return `${url.slice(0, start)}?${params.join('&')}`
}

/** Paths pino removes from any object it logs, as a second line of defence. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.client_secret',
  '*.access_token',
  '*.refresh_token',
  '*.authorization_code',
  '*.id_token',
  '*.code_verifier',
  '*.client_assertion'
]

export const INFO_OR_MORE: ReadonlySet<string> = new Set(['info', 'debug', 'trace'])

/** A reason is one short phrase: the first field messages of a 422, never a whole body. */
const REASON_CHARS = 200
const REASON_FIELDS = 3

function shorten (text: string): string {
  return text.length > REASON_CHARS ? `${text.slice(0, REASON_CHARS - 3)}...` : text
}

/**
 * The reason an error body gives, in words: the envelope's message, or for a 422 the messages of
 * the first fields (they say what was wrong; the envelope's own message does not).
 */
export function failureOf (body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error
  if (typeof error !== 'object' || error === null) return undefined
  const { message, errors } = error as { message?: unknown, errors?: Record<string, string[]> }
  if (errors !== undefined) {
    const messages = Object.values(errors).flat()
    // A 422 lists the first fields only; its message counts the others.
    const unlisted = typeof message === 'string' ? Number(/\(and (\d+) more errors?\)$/.exec(message)?.[1] ?? 0) : 0
    const hidden = Math.max(0, messages.length - REASON_FIELDS) + unlisted
    const more = hidden > 0 ? ` (and ${hidden} more)` : ''
    return shorten(messages.slice(0, REASON_FIELDS).join(' ') + more)
  }
  return typeof message === 'string' ? shorten(message) : undefined
}

/** Records why a request failed, for its log line. */
export function noteFailure (request: FastifyRequest, reason: string | undefined): void {
  if (reason !== undefined) request.failure = shorten(reason)
}

/**
 * An onError hook: a login failure's words (a fixed sentence, never what was sent) as the reason,
 * whichever handler renders it: the login pages' HTML, or the error handler's envelope (which
 * notes its own message after this).
 */
export async function noteLoginFailure (request: FastifyRequest, _reply: FastifyReply, error: Error): Promise<void> {
  if (error instanceof LoginError) noteFailure(request, error.message)
}

/**
 * One log line per request, when its response is done: method, URL (secrets masked), status, time,
 * the client, and why it failed. Never headers or bodies.
 */
export class RequestLog extends LogController {
  override incomingRequest (): void {}

  override requestCompleted (_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!INFO_OR_MORE.has(reply.log.level)) return
    reply.log.info({
      method: request.method,
      url: safeUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      client_id: request.caller?.client_id,
      client: request.caller?.name,
      reason: request.failure ?? (request.fault === undefined ? undefined : 'a fault queued with POST /__sandbox/faults')
    }, 'request')
  }
}

/** The LOG_FORMAT setting: `auto` is pretty for a person at a terminal, JSON for anything else. */
export type LogFormat = 'auto' | 'pretty' | 'json'

export const prettyWanted = (format: LogFormat, terminal: boolean): boolean => format === 'pretty' || (format === 'auto' && terminal)

/** Colour only for a terminal, and not when NO_COLOR is set to anything (no-color.org). */
export const colourWanted = (terminal: boolean, env: Record<string, string | undefined>): boolean => terminal && (env.NO_COLOR ?? '') === ''

const REQUEST_FIELDS = ['method', 'url', 'status', 'ms', 'client_id', 'client', 'reason']

/** What a terminal must not receive from a log field: control characters would move its cursor. */
const printable = (value: unknown): string => String(value).replace(/\p{Cc}/gu, '?')

interface RequestLine { msg: string, method: string, url: string, status: number, ms: number, client?: string, reason?: string }
type Colors = Parameters<PinoPretty.MessageFormatFunc>[3]['colors']

function statusColor (status: number, colors: Colors): (text: string) => string {
  if (status >= 500) return colors.red
  if (status >= 400) return colors.yellow
  return status >= 300 ? colors.cyan : colors.green
}

/** `POST /api/v1/oauth/token 401 (1.2 ms, Demo Shop): Unauthenticated.`; other lines keep their message. */
const messageFormat: PinoPretty.MessageFormatFunc = (log, _messageKey, _levelLabel, { colors }) => {
  if (log.msg !== 'request') return printable(log.msg ?? '')
  const line = log as unknown as RequestLine
  const ms = line.ms < 10 ? line.ms.toFixed(1) : String(Math.round(line.ms))
  const about = [`${ms} ms`, ...(line.client === undefined ? [] : [printable(line.client)])].join(', ')
  const reason = line.reason === undefined ? '' : `: ${printable(line.reason)}`
  return `${printable(line.method)} ${printable(line.url)} ${statusColor(line.status, colors)(String(line.status))} (${about})${reason}`
}

/**
 * pino-pretty's formatter in this thread, synchronously: no transport, so no worker thread
 * loading modules by name (the CLI and the library are bundled), and lines keep their order with the
 * banner. Loaded only when wanted: a JSON sandbox never pays for it.
 */
export async function prettyDestination (write: (text: string) => void, colorize: boolean): Promise<DestinationStream> {
  // Through default (module.exports, pino-pretty being CommonJS): a split ES bundle gives nothing else.
  const { default: pretty } = await import('pino-pretty')
  const format = pretty.prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss',
    ignore: ['pid', 'hostname', 'reqId', ...REQUEST_FIELDS].join(','),
    messageFormat
  })
  return { write: (json: string) => { write(format(json)) } }
}
