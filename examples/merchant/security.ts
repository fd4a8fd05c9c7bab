import { randomBytes, timingSafeEqual } from 'node:crypto'

/** A cookie's value from a Cookie header. */
export const cookieOf = (name: string, cookieHeader = ''): string | undefined =>
  new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(cookieHeader)?.[1]

/** Constant-time, so the comparison says nothing about how much of a guess was right. */
export function sameSecret (a: string | undefined, b: unknown): boolean {
  if (a === undefined || typeof b !== 'string') return false
  const [x, y] = [Buffer.from(a), Buffer.from(b)]
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A fresh random value for a nonce, a state or a PKCE verifier: 32 bytes, base64url. */
export const randomToken = () => randomBytes(32).toString('base64url')
