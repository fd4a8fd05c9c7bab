import { OAUTH_TOKEN_ERRORS, VALIDATION_MESSAGE } from '../../../src/errors.js'
import { OIDC_TOKEN_PATHS } from '../../../src/http/issuer.js'
import type { Req } from './req.js'
import { isRecord } from './values.js'

/** What every answer keeps, whatever was asked: the shapes an error may take, what a body must never show. */

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
const sameKeys = (value: Record<string, unknown>, keys: string[]) =>
  Object.keys(value).length === keys.length && keys.every((key) => Object.hasOwn(value, key))

/** Why a body is not exactly the provider's envelope or its validation shape, if it is not. */
export function envelopeProblem (body: unknown): string | undefined {
  if (!isRecord(body) || !sameKeys(body, ['error']) || !isRecord(body.error)) return 'the body is not {"error": {...}}'
  const error = body.error
  if (sameKeys(error, ['message', 'code'])) {
    return typeof error.message === 'string' && error.message !== '' && Number.isInteger(error.code) ? undefined : 'bad message or code'
  }
  if (sameKeys(error, ['message', 'errors']) && error.message === VALIDATION_MESSAGE && isRecord(error.errors)) {
    const lists = Object.values(error.errors)
    const good = lists.length > 0 && lists.every((list) => Array.isArray(list) && list.length > 0 && list.every((m) => typeof m === 'string' && m !== ''))
    return good ? undefined : 'validation errors that are not lists of messages'
  }
  return `unexpected envelope keys: ${Object.keys(error).join(', ')}`
}

/** The OIDC token endpoint answers its client errors in RFC 6749 section 5.2's shape (OIDC_ERRORS=oauth, the default). */
export function isOidcToken (req: Req, path: string): boolean {
  let decoded = path
  try { decoded = decodeURIComponent(path) } catch {}
  return req.method.toUpperCase() === 'POST' && (OIDC_TOKEN_PATHS as readonly string[]).includes(decoded)
}

/** Why a body is not exactly an RFC 6749 token error with its status, if it is not. */
export function oauthProblem (body: unknown, status: number): string | undefined {
  if (!isRecord(body) || !sameKeys(body, ['error', 'error_description'])) return 'the body is not {"error", "error_description"}'
  const expected = OAUTH_TOKEN_ERRORS[body.error as keyof typeof OAUTH_TOKEN_ERRORS]
  if (expected === undefined) return `an unknown OAuth error code ${JSON.stringify(body.error)}`
  if (expected !== status) return `${String(body.error)} with HTTP ${status}`
  return typeof body.error_description === 'string' && /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(body.error_description) ? undefined : 'an error_description RFC 6749 does not allow'
}

export const LEAKS: Array<[string, RegExp]> = [
  ['a stack frame', /\bat (?:async )?\S+ \(\S*:\d+:\d+\)|\bat (?:file:|node:|\/)\S*:\d+:\d+/],
  ['node_modules', /node_modules/],
  ['a source path', /\/work\/|file:\/\/|\bsrc\/[\w/.-]+\.[jt]s\b/],
  ['an error class', /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|FastifyError)\b/]
]

/**
 * /ready answers 503 under inject by design (nothing listens), in any spelling the router
 * decodes to it (`/%72eady`).
 */
export function isReadyProbe (url: string): boolean {
  const path = url.split('?')[0]!
  try {
    return decodeURIComponent(path) === '/ready'
  } catch {
    return false
  }
}

/** What the journal leaves out by design (src/plugins/control-hooks.ts). */
export const UNJOURNALED = /^\/(__sandbox(\/|$)|health$|ready$|openapi\.json$|login\/assets\/)/

/** What kind of endpoint a property aims at: JSON (the envelope), the login pages (HTML) or anything. */
export type Kind = 'json' | 'html' | 'any'

export interface Verdict { problems: string[], rejected: boolean }
