import { hash, timingSafeEqual } from 'node:crypto'

/** SHA-256 of a secret: fixed length, so comparing two of them takes the same time whatever they hold. */
export const digest = (value: string): Buffer => hash('sha256', value, 'buffer')

/** Whether `given` is the secret whose digest is `expected`, compared in constant time. */
export const matchesDigest = (given: string, expected: Buffer): boolean => timingSafeEqual(digest(given), expected)
