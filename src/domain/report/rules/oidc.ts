import { OPENID, groupBy, queryString, trackIds } from '../seen.js'
import type { RawFinding, Rule, SeenRequest, Snapshot } from '../types.js'

const started = (s: Snapshot): SeenRequest[] => s.requests.filter((r) => r.route === OPENID && r.entry.status < 400 && r.clientId !== undefined)

export const oidcNoPkce: Rule = {
  id: 'oidc-no-pkce',
  severity: 'notice',
  title: 'OIDC sign-ins were started without PKCE',
  why: 'Freedom ID\'s /openid documentation lists no code_challenge, but a code without PKCE can be redeemed by whoever intercepts it (RFC 9700 asks every client to use PKCE); the sandbox supports S256, so a library that can send it should.',
  fix: 'Send code_challenge (S256) and code_challenge_method=S256 on /openid and the code_verifier on the token request; most OIDC libraries do it when told to.',
  evaluate: (s) => [...groupBy(started(s).filter((r) => queryString(r.entry, 'code_challenge') === undefined), (r) => r.clientId).entries()]
    .map(([clientId, list]): RawFinding => ({ client_id: clientId, summary: `${list.length} /openid request(s) carried no code_challenge`, entries: list.slice(0, 20), track_ids: trackIds(list) }))
}

const reused = (param: 'state' | 'nonce') => (s: Snapshot): RawFinding[] =>
  // /openid answers 4xx without a state or a nonce: every sign-in started has both.
  [...groupBy(started(s), (r) => `${r.clientId}\n${String(r.entry.query[param])}`).values()]
    .filter((list) => trackIds(list).length > 1)
    .map((list) => ({ client_id: list[0]!.clientId!, summary: `The same ${param} was sent on ${trackIds(list).length} different sign-ins`, entries: list.slice(0, 20), track_ids: trackIds(list) }))

export const oidcStateReused: Rule = {
  id: 'oidc-state-reused',
  severity: 'error',
  title: 'The same OIDC state was sent on several sign-ins',
  why: 'state binds the callback to the browser that started the sign-in; a fixed or reused value lets an attacker deliver their own code to a victim\'s browser (login CSRF), and Freedom ID only echoes it back: checking it is the merchant\'s job.',
  fix: 'Draw a fresh random state per sign-in (32 or more random characters), keep it in the user\'s session, and compare it on the callback.',
  evaluate: reused('state')
}

export const oidcNonceReused: Rule = {
  id: 'oidc-nonce-reused',
  severity: 'error',
  title: 'The same OIDC nonce was sent on several sign-ins',
  why: 'Freedom ID puts the nonce in the id_token; it is what proves an id_token was issued for this sign-in. A reused nonce lets a replayed id_token pass.',
  fix: 'Draw a fresh random nonce per sign-in, keep it in the session, and check the id_token\'s nonce claim against it.',
  evaluate: reused('nonce')
}

export const oidcRules = [oidcNoPkce, oidcStateReused, oidcNonceReused]
