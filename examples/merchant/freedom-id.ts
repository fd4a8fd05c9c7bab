/**
 * The shop's Freedom ID client: every call is server to server with the client secret (Basic) or
 * the user's access token (Bearer). It tells three failures apart, so the shop can say which
 * side failed: Freedom ID could not be reached, it answered with its error envelope, or it
 * answered something that is neither the envelope nor what was asked for.
 */

export interface FreedomIdOptions {
  /** Where the server talks to Freedom ID, e.g. http://127.0.0.1:8080 (the sandbox). */
  url: string
  clientId: string
  clientSecret: string
  /** How long one call may take (default 10 s). */
  timeoutMs?: number
}

/** What `GET /api/v1/oauth/user` answers: `id`, and each granted field; a field the user lacks is null (a list: empty). */
export interface FreedomUser {
  id: string
  firstname?: string | null
  lastname?: string | null
  patronymic?: string | null
  date_of_birth?: string | null
  gender?: string | null
  country?: string | null
  nationality?: string | null
  identifier?: string | null
  phone?: string | null
  phones?: string[]
  email?: string | null
  emails?: string[]
  cards?: Array<{ mask: string, brand: string, expire: string }>
}

export interface TokenPair {
  id: string
  access_token: string
  refresh_token: string
  access_expire_at: string
  refresh_expire_at: string
}

export interface OidcDiscovery {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  jwks_uri: string
}

export interface OidcTokens {
  access_token: string
  id_token: string
}

/** A KYC profile request's state (`get-profile` and `get-profile/status`). */
export interface ProfileRequest {
  request_id: string
  status: string
  status_message?: string
  freedom_id?: string
  profile?: { payload: string }
}

/** Freedom ID answered with its error envelope (with any HTTP status: its docs show errors with 200). */
export class FreedomIdError extends Error {
  readonly status: number
  readonly code: number | undefined

  constructor (status: number, message: string, code?: number) {
    super(message)
    this.name = 'FreedomIdError'
    this.status = status
    this.code = code
  }
}

/** No answer at all: refused, unknown host, timed out. */
export class FreedomIdUnreachable extends Error {
  constructor (url: string, reason: string) {
    super(`Could not reach Freedom ID at ${url} (${reason}).`)
    this.name = 'FreedomIdUnreachable'
  }
}

/** An answer that is neither the envelope nor what the call asks for (a proxy's HTML page, a missing field). */
export class FreedomIdUnexpected extends Error {
  constructor (path: string, what: string) {
    super(`Freedom ID answered ${path} with ${what}.`)
    this.name = 'FreedomIdUnexpected'
  }
}

type Check = (body: Record<string, unknown>) => boolean
const isString = (value: unknown) => typeof value === 'string'

export function freedomIdClient (options: FreedomIdOptions) {
  const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`
  const timeoutMs = options.timeoutMs ?? 10_000

  async function call<T> (path: string, init: { method?: string, authorization?: string, body?: object }, expected: [string, Check]): Promise<T> {
    let response: Response
    try {
      response = await fetch(new URL(path, options.url), {
        method: init.method ?? 'GET',
        headers: { ...(init.authorization === undefined ? {} : { authorization: init.authorization }), accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs)
      })
    } catch (error) {
      const e = error as Error & { cause?: Error }
      throw new FreedomIdUnreachable(options.url, e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause ?? e).message)
    }
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new FreedomIdUnexpected(path, `HTTP ${response.status} and a body that is not JSON (${response.headers.get('content-type') ?? 'no content type'})`)
    }
    const envelope = (body as { error?: { message?: unknown, code?: unknown } | string, error_description?: unknown } | null)?.error
    // Checked in the body, not only the status: Freedom ID's docs show errors answered with HTTP 200.
    if (typeof envelope === 'object' && typeof envelope.message === 'string') {
      throw new FreedomIdError(response.status, envelope.message, typeof envelope.code === 'number' ? envelope.code : undefined)
    }
    // The OIDC token endpoint answers as OAuth 2.0 does (RFC 6749 section 5.2).
    if (typeof envelope === 'string') {
      const description = (body as { error_description?: unknown }).error_description
      throw new FreedomIdError(response.status, typeof description === 'string' ? `${envelope}: ${description}` : envelope)
    }
    const [what, check] = expected
    if (!response.ok || typeof body !== 'object' || body === null || !check(body as Record<string, unknown>)) {
      throw new FreedomIdUnexpected(path, `HTTP ${response.status} and no ${what}`)
    }
    return body as T
  }

  return {
    /** POST /api/v1/oauth/authorize: the login link to send the browser to. */
    authorize: async (redirectUri: string, grants: string[]) => (await call<{ redirect_uri: string }>('/api/v1/oauth/authorize',
      { method: 'POST', authorization: basic, body: { redirect_uri: redirectUri, grants } }, ['redirect_uri', (b) => isString(b.redirect_uri)])).redirect_uri,
    /** POST /api/v1/oauth/token: the code from the callback for a token pair. */
    exchange: (code: string) => call<TokenPair>('/api/v1/oauth/token',
      { method: 'POST', authorization: basic, body: { authorization_code: code } }, ['access_token', (b) => isString(b.access_token)]),
    /** GET /api/v1/oauth/user: the granted fields. */
    user: (accessToken: string) => call<FreedomUser>('/api/v1/oauth/user', { authorization: `Bearer ${accessToken}` }, ['user id', (b) => isString(b.id)]),
    /** POST /api/v1/oauth/get-profile: asks for the user's KYC profile (needs read.profile). */
    requestProfile: (accessToken: string, requestId: string, createdAt: string) => call<ProfileRequest>('/api/v1/oauth/get-profile',
      { method: 'POST', authorization: `Bearer ${accessToken}`, body: { request_id: requestId, created_at: createdAt } }, ['status', (b) => isString(b.status)]),
    /** GET /.well-known/openid-configuration: where the OIDC flow's endpoints and keys are, and the issuer to expect. */
    discovery: () => call<OidcDiscovery>('/.well-known/openid-configuration', {},
      ['issuer', (b) => ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'].every((field) => isString(b[field]))]),
    /** POST the OIDC token endpoint: the code, the redirect_uri it came to and the PKCE verifier, for tokens and an id_token. */
    oidcToken: (tokenEndpoint: string, input: { code: string, redirectUri: string, codeVerifier: string }) => call<OidcTokens>(tokenEndpoint, {
      method: 'POST',
      authorization: basic,
      body: { grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, code_verifier: input.codeVerifier }
    }, ['id_token', (b) => isString(b.id_token) && isString(b.access_token)]),
    /** GET /api/v1/oauth/get-profile/status: where that request is. */
    profileStatus: (accessToken: string, requestId: string) => call<ProfileRequest>(`/api/v1/oauth/get-profile/status?${new URLSearchParams({ request_id: requestId })}`,
      { authorization: `Bearer ${accessToken}` }, ['status', (b) => isString(b.status)])
  }
}

export type FreedomIdClient = ReturnType<typeof freedomIdClient>
