import { createHash, randomFillSync, randomUUID } from 'node:crypto'
import { customAlphabet, customRandom } from 'nanoid'
import { localCounter, type Counter } from './store.js'

/**
 * Every generated identifier comes from here. Without a seed the bytes are cryptographically
 * random; with a seed, the n-th id drawn comes from SHA-256 of the seed and n, where n is a
 * counter in the store: the same seed and the same sequence of calls give the same ids, and
 * replicas sharing a store draw one sequence between them, never the same id twice.
 */
export interface Ids {
  /** RFC 9562 version 4, as Freedom ID's `track_id`. */
  uuidv4(): Promise<string>
  /** RFC 9562 version 7 for the given instant, as Freedom ID's token `id`. */
  uuidv7(atMs: number): Promise<string>
  /** 128 characters of [a-zA-Z0-9], as Freedom ID's access and refresh tokens. */
  token(): Promise<string>
  /** 64 characters of [a-zA-Z0-9]: an authorization code (its format is undocumented). */
  code(): Promise<string>
}

export type RandomBytes = (size: number) => Uint8Array

export function seededBytes (seed: string): RandomBytes {
  let counter = 0
  let pool = Buffer.alloc(0)
  return (size) => {
    while (pool.length < size) {
      const block = createHash('sha256').update(seed).update(':').update(String(counter++)).digest()
      pool = Buffer.concat([pool, block])
    }
    const out = pool.subarray(0, size)
    pool = pool.subarray(size)
    return new Uint8Array(out)
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
export const TOKEN_LENGTH = 128
export const CODE_LENGTH = 64

function hex (bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * The same text as one flat string. nanoid and randomUUID build an id by concatenation, which V8
 * keeps as a tree of string pieces for as long as the id lives (as a store key, as long as its
 * record): copied flat, an id costs its length plus a header (docs/performance.md).
 */
export const flat = (id: string): string => Buffer.from(id, 'latin1').toString('latin1')

/** `ids`, every id it draws copied flat. */
function flatIds (ids: SyncIds): SyncIds {
  return {
    uuidv4: () => flat(ids.uuidv4()),
    uuidv7: (atMs) => flat(ids.uuidv7(atMs)),
    token: () => flat(ids.token()),
    code: () => flat(ids.code())
  }
}

/** Ids seeded by `seed` (drawn in the order `draws` counts), or random without one; a store's counter restarts at its reset. */
export function createIds (seed?: string, draws: Counter = localCounter()): Ids {
  if (seed !== undefined) {
    const next = async () => flatIds(idsFrom(seededBytes(`${seed}:${await draws.add(1)}`)))
    return {
      uuidv4: async () => (await next()).uuidv4(),
      uuidv7: async (atMs) => (await next()).uuidv7(atMs),
      token: async () => (await next()).token(),
      code: async () => (await next()).code()
    }
  }
  // Unseeded, node's and nanoid's own generators draw from a pool of random bytes: much cheaper per id.
  const random = flatIds({
    uuidv4: randomUUID,
    uuidv7: idsFrom((size) => randomFillSync(new Uint8Array(size))).uuidv7,
    token: customAlphabet(ALPHANUMERIC, TOKEN_LENGTH),
    code: customAlphabet(ALPHANUMERIC, CODE_LENGTH)
  })
  return {
    uuidv4: async () => random.uuidv4(),
    uuidv7: async (atMs) => random.uuidv7(atMs),
    token: async () => random.token(),
    code: async () => random.code()
  }
}

/** Every id drawn from one stream of bytes (a seeded stream gives a repeatable sequence). */
interface SyncIds { uuidv4(): string, uuidv7(atMs: number): string, token(): string, code(): string }

function idsFrom (bytes: RandomBytes): SyncIds {
  const token = customRandom(ALPHANUMERIC, TOKEN_LENGTH, bytes)
  const code = customRandom(ALPHANUMERIC, CODE_LENGTH, bytes)
  return {
    uuidv4 () {
      const b = bytes(16)
      b[6] = (b[6]! & 0x0f) | 0x40
      b[8] = (b[8]! & 0x3f) | 0x80
      return hex(b)
    },
    uuidv7 (atMs) {
      const b = bytes(16)
      const time = BigInt(Math.max(0, Math.floor(atMs)))
      for (let i = 0; i < 6; i++) b[i] = Number((time >> BigInt(8 * (5 - i))) & 0xffn)
      b[6] = (b[6]! & 0x0f) | 0x70
      b[8] = (b[8]! & 0x3f) | 0x80
      return hex(b)
    },
    token,
    code
  }
}
