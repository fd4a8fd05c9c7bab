import { createHash } from 'node:crypto'
import { unixSeconds } from './clock.js'
import { OAuthError, ProviderError } from '../errors.js'
import type { ClientRegistry } from './clients.js'
import type { CodeExchange } from './code-exchange.js'
import type { Client } from './fixtures.js'
import { isHttpUrl } from './formats.js'
import { isGrant, type Grant } from './grants.js'
import type { IdTokenService, SignIdToken } from './id-token.js'
import type { IdTokenTamper } from './id-token-tamper.js'
import type { TokenRecord, TokenService } from './tokens.js'
import type { TrackOidc } from './tracks.js'

/**
 * Freedom ID's OIDC flow: `GET /openid` checked like an OAuth 2.0 authorization request, then the
 * same login pages as the OAuth2 flow, then `POST /api/v1/oidc/token` for tokens and an id_token.
 */

/** Every parameter `GET /openid` reads; each may appear once. */
export const AUTHORIZATION_PARAMS = ['scope', 'state', 'response_type', 'client_id', 'redirect_uri', 'nonce', 'code_challenge', 'code_challenge_method',
  'prompt', 'max_age', 'login_hint'] as const

/** OIDC Core 3.1.2.1. The sign-in page always asks who signs in and the consent page always asks, so all but none are met by showing them. */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const
export type Prompt = typeof PROMPT_VALUES[number]

/** The longest login_hint kept: an e-mail address's limit (RFC 5321). */
export const LOGIN_HINT_MAX = 254
/** The longest state and nonce kept with a track (as long as a redirect_uri may be): 10,000 tracks never hold more than 40 MB of them. */
export const ECHOED_MAX = 2048

export type AuthorizationOutcome =
  /** Nowhere safe to send the browser (unknown client, bad redirect_uri): an error page. */
  | { outcome: 'page', message: string }
  /** A bad request from a known client to a valid redirect_uri: the error goes back there, with the state. */
  | { outcome: 'redirect', client: Client, redirectUri: string, params: Record<string, string> }
  | {
    outcome: 'accepted'
    client: Client
    redirectUri: string
    grants: Grant[]
    oidc: TrackOidc
    prompt: Prompt[]
    /** Seconds: the sign-in may be no older (OIDC Core 3.1.2.1). */
    maxAge?: number
  }

/** The parameters of an error redirect (RFC 6749 section 4.1.2.1), with the state when there is one. */
export const errorParams = (error: string, description: string, state: string | undefined): Record<string, string> =>
  ({ error, error_description: description, ...(state === undefined ? {} : { state }) })

const text = (query: Record<string, unknown>, name: string): string | undefined => {
  const value = query[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

const missing = (name: string): string => `The ${name} parameter is missing.`

/** A base64url SHA-256: what S256 makes of a code_verifier. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/
/** RFC 7636 section 4.1. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/

export const s256 = (verifier: string): string => createHash('sha256').update(verifier, 'ascii').digest('base64url')

function promptOf (value: string | undefined): Prompt[] | string {
  if (value === undefined) return []
  const words = [...new Set(value.split(' ').filter((word) => word !== ''))]
  const unknown = words.filter((word) => !(PROMPT_VALUES as readonly string[]).includes(word))
  if (unknown.length > 0) return `Unsupported prompt value: ${unknown.join(', ')} (supported: ${PROMPT_VALUES.join(', ')}).`
  if (words.includes('none') && words.length > 1) return 'prompt=none cannot be combined with other values.'
  return words as Prompt[]
}

function challengeProblem (challenge: string | undefined, method: string | undefined): string | undefined {
  if (challenge === undefined) return method === undefined ? undefined : 'code_challenge_method was sent without a code_challenge.'
  if (method !== 'S256') return 'code_challenge_method must be S256 (plain is not supported).'
  if (!CHALLENGE.test(challenge)) return 'code_challenge must be the S256 of the code_verifier: 43 characters of base64url.'
  return undefined
}

/**
 * Checks `GET /openid`. Until the client and its redirect_uri are known good, the only answer is
 * an error page; after that, errors go back to the redirect_uri as OIDC clients expect.
 */
export function checkAuthorizationRequest (query: Record<string, unknown>, clients: ClientRegistry): AuthorizationOutcome {
  const clientId = text(query, 'client_id')
  const client = clientId === undefined ? undefined : clients.get(clientId)
  if (client === undefined) {
    return { outcome: 'page', message: clientId === undefined ? 'The client_id parameter is missing or repeated.' : 'The client_id is not a known client.' }
  }
  const redirectUri = text(query, 'redirect_uri')
  if (redirectUri === undefined) return { outcome: 'page', message: 'The redirect_uri parameter is missing or repeated.' }
  if (!isHttpUrl(redirectUri)) return { outcome: 'page', message: 'The redirect_uri is not an absolute http(s) URL.' }
  if (!clients.allowsRedirect(client, redirectUri)) return { outcome: 'page', message: `The redirect_uri is not registered for ${client.name}.` }

  const state = text(query, 'state')
  const fail = (error: string, description: string): AuthorizationOutcome =>
    ({ outcome: 'redirect', client, redirectUri, params: errorParams(error, description, state) })
  const repeated = AUTHORIZATION_PARAMS.find((name) => Array.isArray(query[name]))
  if (repeated !== undefined) return fail('invalid_request', `The ${repeated} parameter is repeated.`)

  const responseType = text(query, 'response_type')
  if (responseType === undefined) return fail('invalid_request', missing('response_type'))
  if (responseType !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.')

  const scope = text(query, 'scope')
  if (scope === undefined) return fail('invalid_request', missing('scope'))
  const words = [...new Set(scope.split(/\s+/).filter((word) => word !== ''))]
  const unknown = words.filter((word) => !isGrant(word))
  if (unknown.length > 0) return fail('invalid_scope', `Unknown scope: ${unknown.join(', ')}.`)
  const grants = words as Grant[]
  if (!grants.includes('openid')) return fail('invalid_scope', 'The scope must include openid.')
  const refused = grants.filter((grant) => !clients.allowsGrant(client, grant))
  if (refused.length > 0) return fail('invalid_scope', `${client.name} may not ask for: ${refused.join(', ')}.`)

  if (state === undefined) return fail('invalid_request', missing('state'))
  if (state.length > ECHOED_MAX) return fail('invalid_request', `state is longer than ${ECHOED_MAX} characters.`)
  const nonce = text(query, 'nonce')
  if (nonce === undefined) return fail('invalid_request', missing('nonce'))
  if (nonce.length > ECHOED_MAX) return fail('invalid_request', `nonce is longer than ${ECHOED_MAX} characters.`)
  const challenge = text(query, 'code_challenge')
  const pkce = challengeProblem(challenge, text(query, 'code_challenge_method'))
  if (pkce !== undefined) return fail('invalid_request', pkce)
  const prompt = promptOf(text(query, 'prompt'))
  if (typeof prompt === 'string') return fail('invalid_request', prompt)
  const maxAge = text(query, 'max_age')
  if (maxAge !== undefined && !/^[0-9]{1,10}$/.test(maxAge)) return fail('invalid_request', 'max_age must be a whole number of seconds.')
  const loginHint = text(query, 'login_hint')
  if (loginHint !== undefined && loginHint.length > LOGIN_HINT_MAX) return fail('invalid_request', `login_hint is longer than ${LOGIN_HINT_MAX} characters.`)

  return {
    outcome: 'accepted',
    client,
    redirectUri,
    grants,
    oidc: { state, nonce, ...(challenge === undefined ? {} : { code_challenge: challenge }), ...(loginHint === undefined ? {} : { login_hint: loginHint }) },
    prompt,
    ...(maxAge === undefined ? {} : { maxAge: Number(maxAge) })
  }
}

/** Why a token request's code_verifier fails the code's challenge, if it does. */
export function verifierProblem (challenge: string | undefined, verifier: string | undefined): string | undefined {
  if (challenge === undefined) {
    return verifier === undefined ? undefined : 'code_verifier was sent, but the authorization request had no code_challenge.'
  }
  if (verifier === undefined) return 'code_verifier is required: the authorization request carried a code_challenge.'
  if (!VERIFIER.test(verifier) || s256(verifier) !== challenge) return 'code_verifier does not match the code_challenge.'
  return undefined
}

/** The OIDC token endpoint's reply, in the order of Freedom ID's docs. */
export interface OidcTokenReply {
  access_token: string
  expires_in: number
  refresh_token: string
  token_type: 'Bearer'
  id_token: string
}

export interface OidcGrantResult {
  reply: OidcTokenReply
  trackId: string
}

export interface OidcService {
  /**
   * `grant_type=authorization_code`: a code from `/openid`, for its own client, redirect_uri and
   * PKCE verifier; `issuer` is the id_token's `iss`.
   */
  exchange(clientId: string, input: { code: string, redirectUri: string, codeVerifier?: string, issuer: string }): Promise<OidcGrantResult>
  /**
   * `grant_type=refresh_token`: rotates the pair (the old refresh token dies) and signs a new
   * id_token, without nonce. A `scope` may repeat the grants or name fewer, never more.
   */
  refresh(clientId: string, input: { refreshToken: string, scope?: string, issuer: string }): Promise<OidcGrantResult>
}

export const INVALID_REFRESH_TOKEN = 'Invalid refresh_token.'

/**
 * invalid_grant (RFC 6749 section 5.2) for every way a grant can be wrong, each saying which;
 * `envelope` is Freedom ID's reading of the same refusal (OIDC_ERRORS=envelope).
 */
const invalidGrant = (description: string, envelope = new ProviderError('badRequest', description)) =>
  new OAuthError('invalid_grant', description, envelope)

const invalidRefreshToken = () =>
  invalidGrant('The refresh_token is unknown, used, expired, or was issued to another client.', new ProviderError('badRequest', INVALID_REFRESH_TOKEN))

/** Why a refresh request's scope is refused (RFC 6749 section 6: never beyond what was granted), if it is. */
export function scopeProblem (scope: string | undefined, granted: readonly Grant[]): string | undefined {
  if (scope === undefined) return undefined
  const words = [...new Set(scope.split(/\s+/).filter((word) => word !== ''))]
  const beyond = words.filter((word) => !granted.includes(word as Grant))
  if (beyond.length > 0) return `The scope goes beyond what the refresh_token was granted (${granted.join(' ')}): ${beyond.join(', ')}.`
  if (!words.includes('openid')) return 'The scope must include openid.'
  return undefined
}

/** The grants a refresh asks for: the scope's words in the original order, or all of them. */
const narrowed = (scope: string | undefined, granted: Grant[]): Grant[] | undefined => {
  if (scope === undefined) return undefined
  const words = new Set(scope.split(/\s+/))
  return granted.filter((grant) => words.has(grant))
}

export function createOidcService (deps: { codeExchange: CodeExchange, tokens: TokenService, idTokens: IdTokenService }): OidcService {
  const { codeExchange, tokens, idTokens } = deps

  // A code or pair stored without auth_time (by an older replica) counts from its issue.
  const authTime = (record: { auth_time?: number }, issuedAtMs: number): number => record.auth_time ?? unixSeconds(issuedAtMs)

  const result = async (sign: SignIdToken, record: TokenRecord, iss: string, authTime: number, nonce?: string, tamper?: IdTokenTamper): Promise<OidcGrantResult> => ({
    reply: {
      access_token: record.access_token,
      expires_in: (record.access_expires_at - record.issued_at) / 1000,
      refresh_token: record.refresh_token,
      token_type: 'Bearer',
      id_token: await sign({ iss, sub: record.user_id, aud: record.client_id, nonce, authTime, tamper })
    },
    trackId: record.track_id
  })

  return {
    async exchange (clientId, input) {
      // The key first: a store that cannot give it fails the request before the code is spent.
      const sign = await idTokens.signer()
      // Checked before it is used up, so a bad request takes nothing away; a racing second use gets nothing.
      const exchanged = await codeExchange.exchange(input.code, clientId, 'oidc', (code) => {
        const binding = code.oidc!
        if (binding.redirect_uri !== input.redirectUri) throw invalidGrant('The redirect_uri differs from the one of the authorization request.')
        const pkce = verifierProblem(binding.code_challenge, input.codeVerifier)
        if (pkce !== undefined) throw invalidGrant(pkce)
      })
      const binding = exchanged.code.oidc!
      return result(sign, exchanged.pair, input.issuer, authTime(binding, exchanged.pair.issued_at), binding.nonce, exchanged.code.tamper)
    },
    async refresh (clientId, { refreshToken, scope, issuer }) {
      const old = await tokens.findRefresh(refreshToken)
      if (old === undefined || old.client_id !== clientId) throw invalidRefreshToken()
      const beyond = scopeProblem(scope, old.grants)
      if (beyond !== undefined) throw new OAuthError('invalid_scope', beyond, new ProviderError('badRequest', beyond))
      const sign = await idTokens.signer()
      const record = await tokens.refresh(refreshToken, 'oidc', narrowed(scope, old.grants))
      if (record === undefined) throw invalidRefreshToken()
      return result(sign, record, issuer, authTime(old, old.issued_at))
    }
  }
}
