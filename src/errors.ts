import { Type } from '@sinclair/typebox'

/** The sandbox's own codes: 100000 + the HTTP status (docs/fidelity.md). The one place that rule is written. */
export const codeFor = (status: number): number => 100000 + status

const entry = <S extends number, M extends string>(status: S, message: M, code = codeFor(status)) => ({ status, code, message })

/**
 * Freedom ID's error envelope and every code the sandbox answers with. Only 100101 (and 100102,
 * seen in a sample redirect) come from the provider's docs; the others are the sandbox's own
 * (codeFor: 100000 + the HTTP status).
 */
export const ERRORS = {
  invalidAuthorizationCode: entry(400, 'Invalid authorization_code.', 100101),
  // Sent back to the merchant as ?error_code= when the user denies (seen in a sample redirect_uri).
  userDenied: entry(400, 'The user denied access.', 100102),
  badRequest: entry(400, 'Bad request.'),
  malformedJson: entry(400, 'The request body is not valid JSON.'),
  unauthenticated: entry(401, 'Unauthenticated.'),
  forbidden: entry(403, 'Forbidden.'),
  notFound: entry(404, 'Not found.'),
  methodNotAllowed: entry(405, 'Method not allowed.'),
  probesUnderWay: entry(409, 'A probe run is under way on this sandbox: one runs at a time; send this again once it has answered.'),
  payloadTooLarge: entry(413, 'The request body is larger than 64 KiB.'),
  unsupportedMediaType: entry(415, 'Unsupported content type: send application/json.'),
  serverError: entry(500, 'Server error.'),
  notReady: entry(503, 'Not ready.'),
  shuttingDown: entry(503, 'Not ready: the sandbox is shutting down.'),
  storeUnavailable: entry(503, 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.')
} as const

/**
 * The login flow's failures (LoginError's kinds), in the shopper's words: the login pages show
 * them (under `title`), the control API answers them (in its own words) in the envelope, code codeFor(status).
 * Apart from ERRORS, as CONNECTION_ERRORS are: a fault's default body for a status is the API's.
 */
export const LOGIN_FAILURES = {
  unknown_track: { ...entry(404, 'This login link is not valid. Go back to the shop and start again.'), title: 'Unknown login link' },
  expired: { ...entry(410, 'This login link has expired. Go back to the shop and start again.'), title: 'Login link expired' },
  used: { ...entry(409, 'This login link has already been used. Go back to the shop and start again.'), title: 'Login link already used' },
  wrong_credentials: { ...entry(401, 'Wrong phone number, e-mail or password.'), title: 'Cannot sign in' },
  unknown_user: { ...entry(404, 'There is no such test persona.'), title: 'Cannot sign in' },
  locked: { ...entry(403, 'This Freedom ID account is locked. Choose another account.'), title: 'Account locked' },
  not_signed_in: { ...entry(409, 'Sign in before you allow or deny access.'), title: 'Not signed in' },
  invalid_grants: { ...entry(422, 'Only grants the shop asked for can be given.'), title: 'Cannot allow access' }
} as const

export type LoginFailure = keyof typeof LOGIN_FAILURES

/** What Node's HTTP parser refused, answered before any request exists (the error handler says what the parser said). */
export const CONNECTION_ERRORS = {
  malformedRequest: entry(400, 'The HTTP request is malformed.'),
  requestTimeout: entry(408, 'Request timeout: the request did not arrive in time.'),
  headersTooLarge: entry(431, 'The request headers are too large.')
} as const

const REGISTRY = { ...ERRORS, ...LOGIN_FAILURES, ...CONNECTION_ERRORS }

export type ErrorName = keyof typeof REGISTRY

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
    const known = REGISTRY[name]
    super(message ?? known.message)
    this.name = 'ProviderError'
    this.status = known.status
    this.code = known.code
    this.headers = headers
  }
}

/** Field key (`grants`, `grants.3`) to its messages, in the order the fields were checked. */
export type FieldErrors = Record<string, string[]>

/** Laravel's rules a field can break (with JSON Schema's names where Laravel words one rule several ways: min, max). */
export type FieldRule =
  | 'required' | 'type' | 'in' | 'format' | 'pattern' | 'unique' | 'invalid'
  | 'minItems' | 'maxItems' | 'minLength' | 'maxLength' | 'minimum' | 'maximum'

/**
 * One field a request got wrong, in the domain's terms: the rule it broke. The schema's errors and
 * a route's own checks (a redirect URI the client did not register, a phone another user has) are
 * both these; one formatter (http/validation.ts) words them as Laravel does.
 */
export interface FieldError {
  /** `redirect_uri`, `grants.3`; '' for the body as a whole. */
  field: string
  rule: FieldRule
  /** The rule's argument: the type (`type`), the format (`format`), the limit (min, max). */
  arg?: string
}

export class ValidationFailed extends Error {
  readonly errors: FieldErrors

  constructor (errors: FieldErrors) {
    super(VALIDATION_MESSAGE)
    this.name = 'ValidationFailed'
    this.errors = errors
  }
}

export const envelope = (message: string, code: number) => ({ error: { message, code } })

/** A registered error's status and envelope, in its own words or in `message`. */
export const errorReply = (name: ErrorName, message: string = REGISTRY[name].message): { status: number, body: ReturnType<typeof envelope> } =>
  ({ status: REGISTRY[name].status, body: envelope(message, REGISTRY[name].code) })

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
