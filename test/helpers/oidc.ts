import type { FastifyInstance } from 'fastify'
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose'
import { DEMO, DEMO_AUTH } from './app.js'
import { AIGERIM, consent, signIn } from './flow.js'

export const CALLBACK = 'https://shop.example/oidc/callback'
/** RFC 7636 appendix B. */
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
export const STATE = 'PUJNUsZq4YTXLsgNSurd4brpcE3JumGF'
export const NONCE = 'LzfMhpRWU5Dzwy7vHvlTHmq5sEiYBXMb'
export const TOKEN_PATH = '/api/v1/oidc/token'

export type Params = Record<string, string | string[] | undefined>

export const DEFAULT_PARAMS: Params = {
  scope: 'openid read.email read.firstname',
  state: STATE,
  response_type: 'code',
  client_id: DEMO.id,
  redirect_uri: CALLBACK,
  nonce: NONCE
}

/** `/openid?...` with the defaults, changed by `changes` (undefined drops a parameter, an array repeats it). */
export function openidUrl (changes: Params = {}): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries({ ...DEFAULT_PARAMS, ...changes })) {
    for (const one of [value ?? []].flat()) query.append(name, one)
  }
  return `/openid?${query}`
}

export const openid = (app: FastifyInstance, changes: Params = {}) => app.inject({ method: 'GET', url: openidUrl(changes) })

/** /openid, sign in as a persona, allow: the code and state the merchant's callback gets. */
export async function oidcApprove (app: FastifyInstance, changes: Params = {}, persona = AIGERIM) {
  const start = await openid(app, changes)
  if (start.statusCode !== 303) throw new Error(`/openid answered ${start.statusCode}: ${start.body}`)
  const trackId = new URL(start.headers.location as string, 'http://x').searchParams.get('track_id')!
  await signIn(app, { track_id: trackId, persona })
  const res = await consent(app, trackId, 'allow')
  if (res.statusCode !== 303) throw new Error(`consent answered ${res.statusCode}: ${res.body}`)
  const callback = new URL(res.headers.location as string)
  return { trackId, callback, code: callback.searchParams.get('code')!, state: callback.searchParams.get('state') }
}

export interface TokenRequest {
  body: Record<string, string>
  authorization?: string | null
  form?: boolean
  url?: string
}

/** POST to the OIDC token endpoint: Basic as Demo Shop unless told otherwise, JSON unless `form`. */
export function oidcToken (app: FastifyInstance, request: TokenRequest) {
  const { body, authorization = DEMO_AUTH, form = false, url = TOKEN_PATH } = request
  return app.inject({
    method: 'POST',
    url,
    headers: {
      ...(authorization === null ? {} : { authorization }),
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json'
    },
    payload: form ? new URLSearchParams(body).toString() : JSON.stringify(body)
  })
}

export const codeGrant = (code: string, extra: Record<string, string> = {}) =>
  ({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...extra })

/** Verifies an id_token against the sandbox's own JWKS, as a merchant would. */
export async function verifyIdToken (app: FastifyInstance, idToken: string, options: { issuer?: string, audience?: string, currentDate?: Date } = {}) {
  const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  const { payload, protectedHeader } = await jwtVerify(idToken, createLocalJWKSet(jwks), { algorithms: ['RS256'], ...options })
  return { payload: payload as JWTPayload & { nonce?: string }, header: protectedHeader }
}
