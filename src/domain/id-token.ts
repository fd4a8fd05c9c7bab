import { unixSeconds, type Clock } from './clock.js'
import { signTampered, strangerKeySource, type IdTokenTamper } from './id-token-tamper.js'
import type { PublicJwk, SigningKeySource } from './signing-key.js'

/** The claims of Freedom ID's id_token example, in its order, then `auth_time` (OIDC Core 2: required when max_age was asked). */
export interface IdTokenClaims {
  iss: string
  sub: string
  aud: string
  exp: number
  iat: number
  nonce?: string
  auth_time: number
}

/** Signs an RS256 id_token for this user and client, issued now on the sandbox clock; with `tamper`, wrong that way (a probe's code). */
export type SignIdToken = (input: { iss: string, sub: string, aud: string, nonce?: string, authTime: number, tamper?: IdTokenTamper }) => Promise<string>

export interface IdTokenService {
  /** The fixed `iss`: ISSUER, or the sandbox's public URL (routes/oidc/issuer.ts decides when it applies). */
  issuer(): string
  /**
   * A signer holding the signing key as it is now. A token request takes one before it uses up its
   * code or refresh token, so a store that cannot give the key fails the request with nothing spent.
   */
  signer(): Promise<SignIdToken>
  /** The public signing key, as `/.well-known/jwks.json` serves it. */
  jwks(): Promise<{ keys: PublicJwk[] }>
  /** Runs a reset of the store and keeps the signing key through it (see SigningKeySource.keepAcross). */
  keepKeyAcross<T>(reset: () => Promise<T>): Promise<T>
}

export function createIdTokenService (deps: { key: SigningKeySource, clock: Clock, issuer: () => string, ttlSeconds: number }): IdTokenService {
  const strangerKey = strangerKeySource()
  return {
    issuer: deps.issuer,
    async signer () {
      const key = await deps.key()
      return async ({ iss, sub, aud, nonce, authTime, tamper }) => {
        const iat = unixSeconds(deps.clock.now())
        const claims: IdTokenClaims = { iss, sub, aud, exp: iat + deps.ttlSeconds, iat, ...(nonce === undefined ? {} : { nonce }), auth_time: authTime }
        if (tamper !== undefined) return signTampered(claims, tamper, key, strangerKey)
        const { SignJWT } = await import('jose')
        return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey)
      }
    },
    async jwks () {
      return { keys: [(await deps.key()).publicJwk] }
    },
    keepKeyAcross: (reset) => deps.key.keepAcross(reset)
  }
}
