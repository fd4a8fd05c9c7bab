import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError, ProviderError, ValidationFailed, type OAuthErrorCode } from '../../errors.js'
import { sendJson } from '../../plugins/error-handler.js'

/** What `OIDC_ERRORS` chooses: RFC 6749 section 5.2 bodies, or Freedom ID's envelope. */
export type OidcErrorReading = 'oauth' | 'envelope'

/** The missing parameters of a token request, in RFC 6749 words, with the envelope's Laravel reading. */
export function missingParameters (fields: string[], laravel: Record<string, string[]>): OAuthError {
  const description = fields.length === 1
    ? `The ${fields[0]} parameter is missing.`
    : `The ${fields.slice(0, -1).join(', ')} and ${fields.at(-1)} parameters are missing.`
  return new OAuthError('invalid_request', description, new ValidationFailed(laravel))
}

const refusal = (code: OAuthErrorCode, description: string, original: Error): OAuthError =>
  new OAuthError(code, description, original)

/** Ajv's first complaint about a token request body, as RFC 6749 names it. */
function fromValidation (error: FastifyError, body: unknown): OAuthError {
  const first = error.validation![0]!
  const field = first.keyword === 'required'
    ? String((first.params as { missingProperty: string }).missingProperty)
    : first.instancePath.split('/')[1] ?? ''
  if (field === '') return refusal('invalid_request', 'The body must be a form or a JSON object.', error)
  const value = (body as Record<string, unknown> | undefined)?.[field]
  if (value === undefined || value === '') return refusal('invalid_request', `The ${field} parameter is missing.`, error)
  // RFC 6749 section 3.2: no parameter may be sent twice; a repeated form field arrives as an array.
  if (Array.isArray(value)) return refusal('invalid_request', `The ${field} parameter is repeated.`, error)
  if (typeof value !== 'string') return refusal('invalid_request', `The ${field} parameter must be a string.`, error)
  return refusal('unsupported_grant_type', 'The grant_type must be authorization_code or refresh_token.', error)
}

/**
 * Any refusal of a token request as an OAuthError, or undefined for what is not the client's
 * fault (a 5xx, a lost store), which the app's own error handler answers and logs.
 */
function asOAuthError (error: unknown, request: FastifyRequest): OAuthError | undefined {
  if (error instanceof OAuthError) return error
  const e = error as Partial<FastifyError>
  if (e.validation !== undefined) return fromValidation(error as FastifyError, request.body)
  // Anything that is not a 4xx (a 5xx, or no status at all: a lost store, a bug) is not the client's.
  const status = error instanceof ProviderError ? error.status : e.statusCode ?? 500
  if (status >= 500) return undefined
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return refusal('invalid_request', 'Send the parameters as application/x-www-form-urlencoded (or JSON).', error as Error)
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return refusal('invalid_request', 'The request body is larger than 64 KiB.', error as Error)
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return refusal('invalid_request', 'The request body is not valid JSON.', error as Error)
    default: return refusal('invalid_request', error instanceof ProviderError ? error.message : `The request body cannot be read: ${e.message}`, error as Error)
  }
}

/**
 * The token endpoint's error handler. With `oauth`, every client error is an RFC 6749 error
 * body (400, or 401 invalid_client with its challenge); with `envelope`, Freedom ID's reading
 * goes on to the app's handler, which renders and logs everything else in both readings.
 */
export function tokenErrorHandler (reading: OidcErrorReading) {
  return async function handleTokenError (error: unknown, request: FastifyRequest, reply: FastifyReply) {
    if (reading === 'envelope') throw error instanceof OAuthError ? error.envelope : error
    const oauth = asOAuthError(error, request)
    if (oauth === undefined) throw error
    return sendJson(reply.headers(oauth.headers), oauth.status, oauth.body())
  }
}
