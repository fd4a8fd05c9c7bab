import { AUTHORIZE, OAUTH_TOKEN, describe, perRequest } from '../seen.js'
import type { Rule, SeenRequest } from '../types.js'
import type { JournalFacts } from '../../journal.js'

const authorizationWas = (...kinds: Array<NonNullable<JournalFacts['authorization']>>) => (r: { entry: { facts?: JournalFacts } }) =>
  kinds.includes(r.entry.facts?.authorization as never)

/**
 * A POST to a Basic route with a body and no Authorization at all: the sandbox refuses it before
 * reading the body (credentials are checked first), so a CLIENT_ID there is not seen, only the body.
 */
const bodyWithoutBasic = (r: SeenRequest): boolean => r.entry.facts?.authorization === 'missing' &&
  (r.route === AUTHORIZE || r.route === `POST ${OAUTH_TOKEN}`) && Number(r.entry.request.headers['content-length'] ?? 0) > 0

export const basicPercentEncoded: Rule = {
  id: 'basic-percent-encoded',
  severity: 'error',
  title: 'Basic credentials were percent-encoded',
  why: 'Freedom ID checks `Authorization: Basic base64(client_id:client_secret)` of the raw values. Some HTTP clients form-encode them first (RFC 6749 section 2.3.1); a secret with a special character then no longer matches and every server call answers 401.',
  fix: 'Base64 the raw `client_id:client_secret`, without percent-encoding either part.',
  evaluate: (s) => perRequest(s.requests, authorizationWas('basic_percent_encoded'), (r) => `${describe(r)}: the Basic credentials held percent-escapes`, true)
}

export const credentialsInBody: Rule = {
  id: 'credentials-in-body',
  severity: 'error',
  title: 'Client credentials were sent in the body, without Basic',
  why: 'Some Freedom ID doc pages list CLIENT_ID and CLIENT_SECRET as body fields, but the service authenticates with HTTP Basic only: the body copies are ignored and the call answers 401.',
  fix: 'Send `Authorization: Basic base64(client_id:client_secret)` and leave the credentials out of the body.',
  evaluate: (s) => perRequest(s.requests, (r) => authorizationWas('credentials_in_body')(r) || bodyWithoutBasic(r),
    (r) => `${describe(r)}: no Authorization header, ${r.entry.facts?.authorization === 'credentials_in_body' ? 'the client credentials in the body' : 'only a body (refused before it was read)'}`, true)
}

export const beareer: Rule = {
  id: 'beareer-scheme',
  severity: 'error',
  title: 'The Authorization scheme was spelled "Beareer"',
  why: 'The Russian Freedom ID guide writes `Authorization: Beareer <token>`; it is a typo. The scheme is Bearer, and a copied "Beareer" answers 401.',
  fix: 'Write `Authorization: Bearer <token>`.',
  evaluate: (s) => perRequest(s.requests, authorizationWas('beareer'), (r) => `${describe(r)}: it used the scheme "Beareer"`, true)
}

export const authorizationMalformed: Rule = {
  id: 'authorization-malformed',
  severity: 'error',
  title: 'The Authorization header was malformed',
  why: 'Freedom ID expects `Basic base64(client_id:client_secret)` on the server calls and `Bearer <token>` on the token ones; anything else (no colon, not base64, another scheme) answers 401.',
  fix: 'Build the header with your HTTP client\'s Basic (or Bearer) support rather than by hand.',
  evaluate: (s) => perRequest(s.requests, authorizationWas('basic_malformed', 'other_scheme'), (r) => `${describe(r)}: its Authorization header was neither valid Basic nor Bearer`, true)
}

export const credentialRules = [basicPercentEncoded, credentialsInBody, beareer, authorizationMalformed]
