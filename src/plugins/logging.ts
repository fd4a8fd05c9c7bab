import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/** Query parameters whose values are credentials; they are masked in every logged URL. */
const SECRET_PARAMS = /([?&](?:authorization_code|code|access_token|refresh_token|client_secret|password|token)=)[^&#]*/gi

export const safeUrl = (url: string): string => url.replace(SECRET_PARAMS, '$1[redacted]')

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
  '*.authorization_code'
]

const INFO_OR_MORE = new Set(['info', 'debug', 'trace'])

/** One log line per request, when its response is done: method, URL (secrets masked), status, time. Never headers or bodies. */
export class RequestLog extends LogController {
  override incomingRequest (): void {}

  override requestCompleted (_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!INFO_OR_MORE.has(reply.log.level)) return
    reply.log.info({
      method: request.method,
      url: safeUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      client_id: request.client?.client_id
    }, 'request')
  }
}
