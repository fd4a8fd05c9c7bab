import type { FastifyReply, FastifyRequest } from 'fastify'
import { unixSeconds } from '../domain/clock.js'
import { StoreUnavailableError } from '../domain/store.js'
import type { Track } from '../domain/tracks.js'
import { ProviderError } from '../errors.js'
import { noteFailure } from './logging.js'

/** Only the merchant's own origin may receive a form's redirect; no script, no frames, no inline style. */
function cspDirectives (track?: Pick<Track, 'redirect_uri'>): Record<string, string[]> {
  return {
    'default-src': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'form-action': track === undefined ? ["'none'"] : ["'self'", new URL(track.redirect_uri).origin],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"]
  }
}

/** What an error page gets when the request failed before helmet's own hook ran (the store was unreachable): the same policy, written out. */
const FALLBACK_HEADERS = {
  'content-security-policy': Object.entries(cspDirectives()).map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; '),
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff'
}

/**
 * Sends a login page (or an error page) with the headers every one of them carries. Needs
 * `@fastify/helmet` registered (`global: false`) in the calling plugin.
 */
export async function sendPage (reply: FastifyReply, status: number, body: string, track?: Pick<Track, 'redirect_uri'>): Promise<FastifyReply> {
  if (typeof reply.helmet === 'function') {
    await reply.helmet({ contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(track) }, strictTransportSecurity: false, frameguard: { action: 'deny' } })
  } else {
    reply.headers(FALLBACK_HEADERS)
  }
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body)
}

/** What a page for people says when its request failed. */
export interface PageFailure {
  status: number
  title: string
  message: string
}

/**
 * A page surface's failure for an error it has no page of its own for: the store out of reach
 * (503; told once per outage by the store, the request line gives the reason), a request the
 * sender got wrong (its 4xx, with `unreadable`'s words), or a bug (500, logged with its stack
 * as `<page> failed`).
 */
export function pageFailure (error: unknown, request: FastifyRequest, page: string, unreadable: Omit<PageFailure, 'status'>): PageFailure {
  if (error instanceof StoreUnavailableError) {
    noteFailure(request, error.message)
    return { status: 503, title: 'Sandbox unavailable', message: 'The sandbox cannot reach its store (Redis) just now. Try again in a moment.' }
  }
  const status = error instanceof ProviderError ? error.status : (error as { statusCode?: number }).statusCode
  if (status !== undefined && status >= 400 && status < 500) return { status, ...unreadable }
  request.log.error({ err: error }, `${page} failed`)
  return { status: 500, title: 'Something went wrong', message: 'The sandbox could not show this page. Its log says why.' }
}

export const signInHref = (track: Track): string =>
  `/login?${new URLSearchParams({ track_id: track.track_id, expire_at: String(unixSeconds(Date.parse(track.expires_at))) })}`

/**
 * The fake Freedom ID login page: `/login?track_id=` (sign in by typing or by a persona button),
 * then consent (Allow / Deny), then a 303 to the track's own redirect_uri. Plain HTML forms, no
 * script; everything rendered is escaped.
 */
