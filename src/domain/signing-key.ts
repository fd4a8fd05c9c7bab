import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BUNDLED_FIXTURES, ConfigError } from '../config.js'
import type { Store } from './store.js'

/** The public half of the signing key, as the JWKS publishes it: nothing else can leave the process. */
export interface PublicJwk {
  kty: 'RSA'
  n: string
  e: string
  kid: string
  alg: 'RS256'
  use: 'sig'
}

export interface SigningKey {
  kid: string
  /** Only the id_token signer reads it. */
  privateKey: KeyObject
  publicJwk: PublicJwk
}

/** Made or read once, when first asked for (the OIDC routes ask on their first request, in the background). */
export interface SigningKeySource {
  (): Promise<SigningKey>
  /** Runs `reset` (which clears the store) and puts a generated key back after it: a reset keeps the JWKS merchants cached. */
  keepAcross<T>(reset: () => Promise<T>): Promise<T>
}

/** The sandbox-only key used under SEED (a fixed key, because RSA key generation cannot be seeded). It is public: never trust it. */
export const SANDBOX_KEY_FILE = join(BUNDLED_FIXTURES, 'oidc-signing-key.json')

const MIN_RSA_BITS = 2048

/** The private key a PEM (PKCS#8 or PKCS#1) or a private JWK holds, with the JWK's kid; an Error saying what is wrong otherwise. */
export function parsePrivateKey (text: string): { key: KeyObject, kid?: string } {
  let key: KeyObject
  let kid: string | undefined
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let jwk: Record<string, unknown>
    try {
      jwk = JSON.parse(trimmed)
    } catch {
      throw new Error('is neither a PEM private key nor valid JSON for a JWK')
    }
    if (jwk.d === undefined) throw new Error('holds no private key (a JWK without "d"): the sandbox signs, so it needs the private key')
    try {
      key = createPrivateKey({ key: jwk as { kty: string }, format: 'jwk' })
    } catch (error) {
      throw new Error(`is not a usable private JWK (${(error as Error).message})`)
    }
    if (typeof jwk.kid === 'string' && jwk.kid !== '') kid = jwk.kid
  } else if (trimmed.startsWith('-----BEGIN')) {
    if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(trimmed)) {
      throw new Error('holds no unencrypted private key: expected "-----BEGIN PRIVATE KEY-----" (PKCS#8) or "-----BEGIN RSA PRIVATE KEY-----"')
    }
    try {
      key = createPrivateKey(trimmed)
    } catch (error) {
      throw new Error(`is not a usable PEM private key (${(error as Error).message})`)
    }
  } else {
    throw new Error('is neither a PEM private key nor a JWK')
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`holds an ${String(key.asymmetricKeyType).toUpperCase()} key: id_tokens are signed with RS256, which needs an RSA key`)
  const bits = key.asymmetricKeyDetails!.modulusLength!
  if (bits < MIN_RSA_BITS) throw new Error(`holds a ${bits}-bit RSA key: RS256 needs at least ${MIN_RSA_BITS} bits`)
  return { key, kid }
}

/** The key as the signer and the JWKS use it; the kid is the JWK's own, else its RFC 7638 thumbprint. */
export async function signingKeyFrom (privateKey: KeyObject, kid?: string): Promise<SigningKey> {
  const { n, e } = createPublicKey(privateKey).export({ format: 'jwk' }) as { n: string, e: string }
  // jose loads when a key is first asked for, never before an OIDC request.
  const id = kid ?? await (await import('jose')).calculateJwkThumbprint({ kty: 'RSA', n, e })
  return { kid: id, privateKey, publicJwk: { kty: 'RSA', n, e, kid: id, alg: 'RS256', use: 'sig' } }
}

/** Reads SIGNING_KEY's file. Anything wrong with it is a ConfigError naming the setting, so the start stops with one clear line. */
export async function loadSigningKeyFile (path: string): Promise<SigningKey> {
  const fail = (reason: string) => new ConfigError([{ setting: 'signingKey', problem: `${JSON.stringify(path)} ${reason}` }])
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
  let parsed: ReturnType<typeof parsePrivateKey>
  try {
    parsed = parsePrivateKey(text)
  } catch (error) {
    throw fail((error as Error).message)
  }
  return signingKeyFrom(parsed.key, parsed.kid)
}

/** A fresh RSA 2048 private key, as PKCS#8 PEM (what the store keeps, so replicas sign with one key). */
export async function generateSigningKeyPem (): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: MIN_RSA_BITS })
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
}

const fixed = (load: () => Promise<SigningKey>): SigningKeySource => {
  let key: Promise<SigningKey> | undefined
  return Object.assign(() => (key ??= load()), { keepAcross: <T>(reset: () => Promise<T>) => reset() })
}

/**
 * A key generated when first asked for and kept in the store: the first replica to need it makes it, the
 * others read it (on a shared store they look again each time, so a store emptied from outside
 * still gives every replica the same key).
 */
function generated (storeOf: () => Store): SigningKeySource {
  // The store is asked for on first use: the key file, if any, is read before the store opens.
  const shared = () => storeOf().collection<string>('signing-key')
  let cached: { pem: string, key: SigningKey } | undefined
  // One look (and at most one key made) at a time in this process, however many ask at once.
  let pending: Promise<SigningKey> | undefined
  const current = async (): Promise<SigningKey> => {
    if (cached !== undefined && storeOf().local) return cached.key
    pending ??= load().finally(() => { pending = undefined })
    return pending
  }
  const load = async (): Promise<SigningKey> => {
    let pem = await shared().get('pem')
    if (pem === undefined) {
      const made = await generateSigningKeyPem()
      // Another replica may have made one meanwhile: the first one stored wins.
      if (!await shared().add('pem', made, Infinity)) pem = await shared().get('pem')
      pem ??= made
    }
    if (cached?.pem !== pem) cached = { pem, key: await signingKeyFrom(createPrivateKey(pem)) }
    return cached.key
  }
  return Object.assign(current, {
    async keepAcross<T> (reset: () => Promise<T>): Promise<T> {
      const pem = await shared().get('pem')
      const result = await reset()
      if (pem !== undefined) await shared().put('pem', pem, Infinity)
      return result
    }
  })
}

/**
 * Where the id_token key comes from: SIGNING_KEY's file, read now so a bad one stops the start;
 * else under SEED the bundled sandbox key (the same JWKS on every run); else a fresh RSA 2048 key,
 * made when first asked for (from the first OIDC request on) and shared through the store.
 */
export async function signingKeySource (settings: { signingKey?: string, seed?: string }, store: () => Store): Promise<SigningKeySource> {
  if (settings.signingKey !== undefined) {
    const key = await loadSigningKeyFile(settings.signingKey)
    return fixed(async () => key)
  }
  return settings.seed === undefined ? generated(store) : fixed(() => loadSigningKeyFile(SANDBOX_KEY_FILE))
}
