import { describe, groupBy, isTokenPost, iso, perRequest } from '../seen.js'
import type { Rule, SeenRequest, Snapshot } from '../types.js'

const refusedAs = (kind: string) => (r: SeenRequest) => isTokenPost(r) && r.entry.facts?.credential === kind

export const codeReused: Rule = {
  id: 'code-reused',
  severity: 'error',
  title: 'An authorization code was presented twice',
  why: 'Freedom ID codes are single-use: a second exchange answers 400 {"error":{"message":"Invalid authorization_code.","code":100101}}. A callback that exchanges again (a reload, a double submit, a retry after a slow answer) shows the user an error although the sign-in worked.',
  fix: 'Exchange each code once, in the callback, and keep the token pair it gave; make a repeated callback for the same sign-in reuse that pair instead of exchanging again.',
  evaluate: (s: Snapshot) => perRequest(s.requests, refusedAs('code_reused'), (r) => `${describe(r)}: its code had already been exchanged`)
}

export const codeExpired: Rule = {
  id: 'code-expired',
  severity: 'error',
  title: 'An authorization code was presented after it expired',
  why: 'A code lives only minutes (CODE_TTL here, undocumented but short at Freedom ID): an exchange queued or delayed past it answers 400 100101 and the sign-in is lost.',
  fix: 'Exchange the code as soon as the callback receives it, in the same request; never queue it for later.',
  evaluate: (s) => perRequest(s.requests, refusedAs('code_expired'), (r) => `${describe(r)}: its code had expired`)
}

export const codeOtherClient: Rule = {
  id: 'code-other-client',
  severity: 'error',
  title: 'An authorization code was presented by a client it was not issued to',
  why: 'A code is bound to the client that started the sign-in; Freedom ID refuses it from any other (400 100101). Usually two environments or two apps share one callback, or the wrong CLIENT_ID/CLIENT_SECRET is configured.',
  fix: 'Exchange the code with the credentials of the client whose authorize call (or /openid link) started the sign-in; give every environment its own callback.',
  evaluate: (s) => perRequest(s.requests, refusedAs('code_other_client'), (r) => `${describe(r)}: the code belonged to another client`)
}

export const codeOtherFlow: Rule = {
  id: 'code-other-flow',
  severity: 'error',
  title: 'An authorization code was taken to the other flow\'s token endpoint',
  why: 'Codes from POST /api/v1/oauth/authorize are exchanged at POST /api/v1/oauth/token; codes from GET /openid at POST /api/v1/oidc/token. The other endpoint refuses them.',
  fix: 'Exchange an OAuth2 code (callback parameter authorization_code) at /api/v1/oauth/token and an OIDC code (parameter code) at /api/v1/oidc/token.',
  evaluate: (s) => perRequest(s.requests, refusedAs('code_other_flow'), (r) => `${describe(r)}: the code came from the other flow`)
}

export const flowAbandoned: Rule = {
  id: 'flow-abandoned',
  severity: 'warning',
  title: 'A sign-in was abandoned after its code was issued',
  why: 'The user signed in and consented, Freedom ID redirected to the callback with a code, and the merchant never exchanged it: the callback failed (a crash, a route that does not match the redirect_uri, a lost session), and the user is left not signed in.',
  fix: 'Make the callback exchange the code and log any failure; check that the redirect_uri given to authorize is the route that does it.',
  evaluate (s) {
    const since = s.requests[0]?.at
    if (since === undefined) return []
    const exchanged = new Set(s.requests.filter((r) => isTokenPost(r) && r.entry.status === 200).map((r) => r.entry.track_id))
    const byTrack = groupBy(s.requests, (r) => r.entry.track_id)
    return s.history
      .filter((e) => e.kind === 'code' && e.at >= since && e.expires_at <= s.now && !exchanged.has(e.track_id))
      .map((e) => ({
        client_id: e.client_id,
        summary: `A code was issued for track ${e.track_id} at ${iso(e.at)} and never exchanged before it expired at ${iso(e.expires_at)}`,
        entries: byTrack.get(e.track_id) ?? [],
        track_ids: [e.track_id],
        times: [e.at, e.expires_at]
      }))
  }
}

export const codeRules = [codeReused, codeExpired, codeOtherClient, codeOtherFlow, flowAbandoned]
