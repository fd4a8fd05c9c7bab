import { OAUTH_TOKEN, describe, hasBodyKey, isTokenPost, perRequest } from '../seen.js'
import type { Rule, SeenRequest } from '../types.js'

const DATA_ROUTES = new Set(['GET /api/v1/oauth/user', 'GET /api/v1/oidc/userinfo', 'POST /api/v1/oauth/get-profile', 'GET /api/v1/oauth/get-profile/status'])
const isRefresh = (r: SeenRequest): boolean => (r.entry.method === 'PATCH' && r.entry.path === OAUTH_TOKEN) || isTokenPost(r)

export const refreshTokenRotated: Rule = {
  id: 'refresh-token-rotated',
  severity: 'error',
  title: 'A refresh token was presented after it had been rotated',
  why: 'Freedom ID\'s refresh (PATCH /api/v1/oauth/token) answers a new refresh_token and the old one dies at once. A merchant that keeps the old one loses the session at its next refresh: the user is signed out after the first access token expires.',
  fix: 'Store the refresh_token of every refresh answer in place of the old one (in one write, so two concurrent refreshes cannot both use the old token).',
  evaluate: (s) => perRequest(s.requests, (r) => isRefresh(r) && r.entry.facts?.credential === 'rotated_refresh', (r) => `${describe(r)}: the refresh token had already been rotated`)
}

export const accessTokenExpired: Rule = {
  id: 'access-token-expired',
  severity: 'error',
  title: 'An expired access token was used without refreshing first',
  why: 'The token answer carries access_expire_at; Freedom ID answers 401 to an access token past it. Calling with it anyway means every call after expiry fails once (or for good, if the 401 is not handled).',
  fix: 'Keep access_expire_at with the pair and refresh (PATCH /api/v1/oauth/token with the refresh token) before it passes; on a 401, refresh once and retry.',
  evaluate: (s) => perRequest(s.requests, (r) => r.entry.facts?.credential === 'expired_access', (r) => `${describe(r)}: its access token had expired`)
}

export const userDataWithRefreshToken: Rule = {
  id: 'user-data-with-refresh-token',
  severity: 'error',
  title: 'User data was asked for with a refresh token',
  why: 'GET /api/v1/oauth/user and the get-profile calls take the access_token; Freedom ID answers 401 to a refresh token there.',
  fix: 'Send `Authorization: Bearer <access_token>` to the data endpoints; use the refresh_token only for PATCH /api/v1/oauth/token.',
  evaluate: (s) => perRequest(s.requests, (r) => DATA_ROUTES.has(r.route) && (r.entry.facts?.credential === 'refresh_token' || r.entry.facts?.credential === 'rotated_refresh'),
    (r) => `${describe(r)}: it carried a refresh token`)
}

export const refreshTokenInBody: Rule = {
  id: 'refresh-token-in-body',
  severity: 'error',
  title: 'A refresh token was sent in a body instead of the Authorization header',
  why: 'Freedom ID\'s refresh is PATCH /api/v1/oauth/token with `Authorization: Bearer <refresh_token>` and no body (not RFC 6749\'s grant_type=refresh_token form): a token in the body is not read, and the call answers 401 (or 422 on POST).',
  fix: 'Send the refresh token as `Authorization: Bearer <refresh_token>` on a PATCH with no body.',
  evaluate: (s) => perRequest(s.requests, (r) => r.entry.path === OAUTH_TOKEN && hasBodyKey(r.entry, 'refresh_token'), (r) => `${describe(r)}: its body carried refresh_token`, true)
}

export const tokenRules = [refreshTokenRotated, accessTokenExpired, userDataWithRefreshToken, refreshTokenInBody]
