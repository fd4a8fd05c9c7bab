import { Type } from '@sinclair/typebox'

/**
 * Freedom ID's error envelope and every code the sandbox answers with. Only 100101 (and 100102,
 * seen in a sample redirect) come from the provider's docs; the others are the sandbox's own,
 * 100000 + the HTTP status, listed in the README's fidelity notes.
 */
export const ERRORS = {
  invalidAuthorizationCode: { status: 400, code: 100101, message: 'Invalid authorization_code.' },
  // Sent back to the merchant as ?error_code= when the user denies (seen in a sample redirect_uri).
  userDenied: { status: 400, code: 100102, message: 'The user denied access.' },
  badRequest: { status: 400, code: 100400, message: 'Bad request.' },
  malformedJson: { status: 400, code: 100400, message: 'The request body is not valid JSON.' },
  unauthenticated: { status: 401, code: 100401, message: 'Unauthenticated.' },
  forbidden: { status: 403, code: 100403, message: 'Forbidden.' },
  notFound: { status: 404, code: 100404, message: 'Not found.' },
  methodNotAllowed: { status: 405, code: 100405, message: 'Method not allowed.' },
  probesUnderWay: { status: 409, code: 100409, message: 'A probe run is under way on this sandbox: one runs at a time; send this again once it has answered.' },
  payloadTooLarge: { status: 413, code: 100413, message: 'The request body is larger than 64 KiB.' },
  unsupportedMediaType: { status: 415, code: 100415, message: 'Unsupported content type: send application/json.' },
  serverError: { status: 500, code: 100500, message: 'Server error.' },
  notReady: { status: 503, code: 100503, message: 'Not ready.' },
  storeUnavailable: { status: 503, code: 100503, message: 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.' }
} as const

export type ErrorName = keyof typeof ERRORS

export const VALIDATION_MESSAGE = 'Error validating transmitted data.'

export const ErrorEnvelope = Type.Object({
  error: Type.Object({
    message: Type.String(),
    code: Type.Integer()
  })
}, { $id: 'ErrorEnvelope', description: "Freedom ID's error envelope" })

export const ValidationEnvelope = Type.Object({
  error: Type.Object({
    message: Type.String({ pattern: '^Error validating transmitted data\\.( \\(and \\d+ more errors?\\))?$', description: `${VALIDATION_MESSAGE}, then \`(and N more errors)\` when more than 20 fields failed (only the first 20 are listed)` }),
    errors: Type.Record(Type.String(), Type.Array(Type.String()))
  })
}, { $id: 'ValidationEnvelope', description: 'Laravel-style validation errors: a list of messages per field' })

/** A failure the provider reports in its envelope. Domain code throws these; one handler renders them. */
export class ProviderError extends Error {
  readonly status: number
  readonly code: number
  readonly headers: Record<string, string>

  constructor (name: ErrorName, message?: string, headers: Record<string, string> = {}) {
    const entry = ERRORS[name]
    super(message ?? entry.message)
    this.name = 'ProviderError'
    this.status = entry.status
    this.code = entry.code
    this.headers = headers
  }
}

/** Field key (`grants`, `grants.3`) to its messages, in the order the fields were checked. */
export type FieldErrors = Record<string, string[]>

export class ValidationFailed extends Error {
  readonly errors: FieldErrors

  constructor (errors: FieldErrors) {
    super(VALIDATION_MESSAGE)
    this.name = 'ValidationFailed'
    this.errors = errors
  }
}

export const envelope = (message: string, code: number) => ({ error: { message, code } })

/** RFC 6749 section 5.2: what the OIDC token endpoint answers (by default), each with its HTTP status. */
export const OAUTH_TOKEN_ERRORS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400
} as const

export type OAuthErrorCode = keyof typeof OAUTH_TOKEN_ERRORS

export const OAuthErrorBody = Type.Object({
  error: Type.Union(Object.keys(OAUTH_TOKEN_ERRORS).map((code) => Type.Literal(code))),
  error_description: Type.String()
}, { $id: 'OAuthErrorBody', description: 'RFC 6749 section 5.2 (OIDC_ERRORS=oauth, the default); OIDC_ERRORS=envelope answers Freedom ID\'s envelope instead' })

/** RFC 6749 allows only printable ASCII without `"` and `\` in error_description. */
const describable = (text: string): string => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')

/**
 * A refused token request, in both readings: the standard one (`error`, `error_description`)
 * and Freedom ID's envelope (`envelope`), which OIDC_ERRORS=envelope answers instead.
 */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode
  readonly status: number
  readonly headers: Record<string, string>
  /** The same refusal as the app's error handler renders it in Freedom ID's envelope. */
  readonly envelope: Error

  constructor (error: OAuthErrorCode, description: string, envelope: Error, headers: Record<string, string> = {}) {
    super(describable(description))
    this.name = 'OAuthError'
    this.error = error
    this.status = OAUTH_TOKEN_ERRORS[error]
    this.headers = headers
    this.envelope = envelope
  }

  body () {
    return { error: this.error, error_description: this.message }
  }
}
