import { createHmac, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import type { IdTokenClaims } from './id-token.js'
import type { SigningKey } from './signing-key.js'

/**
 * The ways a relying-party probe asks for an id_token to be wrong: each breaks one check a
 * relying party must make (OIDC Core 3.1.3.7), and nothing else.
 */
export const ID_TOKEN_TAMPERS = ['wrong_aud', 'wrong_iss', 'wrong_nonce', 'expired', 'not_yet_valid', 'bad_signature', 'alg_none', 'unknown_kid', 'hs256_public_key'] as const
export type IdTokenTamper = typeof ID_TOKEN_TAMPERS[number]

/** The kid of the key no JWKS of this sandbox ever lists. */
export const UNKNOWN_KID = 'freedom-id-sandbox-probe-unknown-key'
/** The iss and aud a tampered id_token carries instead of the right ones. */
export const FOREIGN_ISSUER = 'https://issuer.invalid'
export const FOREIGN_AUDIENCE = '00000000-0000-4000-8000-000000000000'

const HOUR = 3600
const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The claims as the tamper has them: a foreign iss or aud, another nonce, or times outside the validity window. */
export function tamperedClaims (claims: IdTokenClaims, tamper: IdTokenTamper): IdTokenClaims & { nbf?: number } {
  const ttl = claims.exp - claims.iat
  switch (tamper) {
    case 'wrong_aud': return { ...claims, aud: FOREIGN_AUDIENCE }
    case 'wrong_iss': return { ...claims, iss: FOREIGN_ISSUER }
    // Only the OIDC flow's codes carry a tamper, and their id_tokens always a nonce.
    case 'wrong_nonce': return { ...claims, nonce: `${String(claims.nonce)}-not-yours` }
    case 'expired': return { ...claims, iat: claims.iat - ttl - HOUR, exp: claims.iat - HOUR }
    // nbf as well as iat: libraries (jose among them) check a future iat only when asked for a maximum age.
    case 'not_yet_valid': return { ...claims, iat: claims.iat + HOUR, nbf: claims.iat + HOUR, exp: claims.exp + HOUR }
    default: return claims
  }
}

/** Signs `claims` the way the tamper says, with the sandbox's key (or, for unknown_kid, one no JWKS lists). */
export async function signTampered (claims: IdTokenClaims, tamper: IdTokenTamper, key: SigningKey, strangerKey: () => Promise<KeyObject>): Promise<string> {
  const payload = tamperedClaims(claims, tamper)
  const { SignJWT } = await import('jose')
  if (tamper === 'alg_none') return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`
  if (tamper === 'hs256_public_key') {
    // The confusion attack: a verifier that takes the algorithm from the token uses the published key as an HMAC secret.
    const secret = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' })
    const signingInput = `${part({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${part(payload)}`
    return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`
  }
  if (tamper === 'unknown_kid') {
    return new SignJWT({ ...payload }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: UNKNOWN_KID }).sign(await strangerKey())
  }
  const token = await new SignJWT({ ...payload }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey)
  if (tamper !== 'bad_signature') return token
  const [header, body, signature] = token.split('.') as [string, string, string]
  const bytes = Buffer.from(signature, 'base64url')
  bytes[0] = bytes[0]! ^ 0x01
  return `${header}.${body}.${bytes.toString('base64url')}`
}

/** An RSA key made once, when first asked for: it signs the unknown_kid probe's id_tokens and nothing else. */
export function strangerKeySource (): () => Promise<KeyObject> {
  let key: Promise<KeyObject> | undefined
  return () => (key ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then(({ privateKey }) => privateKey))
}
