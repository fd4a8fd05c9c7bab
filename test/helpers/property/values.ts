import fc from 'fast-check'
import { GRANTS } from '../../../src/domain/grants.js'
import { cut } from './req.js'

/** The values requests are built of: any text, huge and deep ones, and an endpoint's fields. */

export const chars = (ranges: Array<[number, number]>) =>
  fc.oneof(...ranges.map(([min, max]) => fc.integer({ min, max }))).map((code) => String.fromCharCode(code))

const ODD_STRINGS = ['', ' ', '\t', '\u0000', '\ud800', '\udfff', '\ufeff', '\u202e', 'null', 'undefined', 'true', '0', '-1',
  '1e309', 'NaN', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '{}', '[]', '%', '%zz', '%E0%A4%A',
  '../../etc/passwd', '<script>alert(1)</script>', '"', "'", '\\', '$' + '{x}', '\r\n', 'Ünïcödé ☃ 𝕏', '😀', 'a'.repeat(2049), 'REF__nothing__']

/** Any text: ASCII, any code point, graphemes, control characters, awkward classics, a few KiB. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 3, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ unit: chars([[0, 0x1f], [0x7f, 0x9f]]) }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1000, max: 5000 }), fc.string({ minLength: 1, maxLength: 3 })).map(([n, s]) => s.repeat(n)) }
)

/** Around the 64 KiB body limit, both sides of it. */
export const hugeParts = fc.tuple(fc.integer({ min: 60_000, max: 70_000 }), fc.constantFrom('a', 'é', '☃', '0', '\u0000'))
  .map(([bytes, char]) => ({ char, count: Math.floor(bytes / Buffer.byteLength(char)) }))
export const huge: fc.Arbitrary<string> = hugeParts.map(({ char, count }) => char.repeat(count))

/** JSON text placed into a body as it is: nesting deeper than any object a test would build. */
export class Raw {
  readonly text: string
  constructor (text: string) { this.text = text }
  [fc.toStringMethod] (): string { return `Raw(${cut(this.text, 60)})` }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Raw)

export const deep: fc.Arbitrary<Raw> = fc.tuple(fc.integer({ min: 50, max: 40_000 }), fc.boolean())
  .map(([depth, arrays]) => new Raw(arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)))

const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'error', 'track_id', 'grants'))

/** Nested JSON values of every kind (fc.letrec). */
export const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('node'), { maxKeys: 3 })
})).node

/** A field's values: those the endpoint knows (some of them invalid on purpose), and anything at all. */
export interface Field { good: fc.Arbitrary<unknown>, any: fc.Arbitrary<unknown> }

/** Good values are constants or arbitraries; `any` mixes them with near misses, any text, JSON, nesting and huge values. */
export function field (...good: unknown[]): Field {
  const known = fc.oneof(...good.map((g) => g instanceof fc.Arbitrary ? g as fc.Arbitrary<unknown> : fc.constant(g)))
  const strings = good.filter((g): g is string => typeof g === 'string')
  const nearMiss = strings.length === 0
    ? fc.constant('')
    : fc.tuple(fc.constantFrom(...strings), fc.nat(5)).map(([s, how]) =>
      [s.toUpperCase(), ` ${s} `, s.slice(0, -1), `${s}x`, `${s}\u0000`, s.replace(/./u, '%')][how]!)
  return {
    good: known,
    any: fc.oneof(
      { weight: 24, arbitrary: known },
      { weight: 4, arbitrary: nearMiss },
      { weight: 8, arbitrary: text },
      { weight: 2, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, [], {}, '', ' ') },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      { weight: 2, arbitrary: tree },
      { weight: 2, arbitrary: fc.array(text, { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.oneof(huge, deep) }
    )
  }
}

/** Valid values, and now and then a boundary case just outside them. */
export const mostly = (valid: unknown[], invalid: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) })

const mapValues = <T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, f(value)]))

/**
 * An object with the endpoint's field names: every field a good value (so valid requests, and
 * their effects, happen too), every field anything, or some fields only; sometimes a few strangers.
 */
export function fields (spec: Record<string, Field>): fc.Arbitrary<Record<string, unknown>> {
  const anyOf = mapValues(spec, (f) => f.any)
  const known = fc.oneof(
    { weight: 2, arbitrary: fc.record(mapValues(spec, (f) => f.good)) },
    { weight: 3, arbitrary: fc.record(anyOf) },
    { weight: 2, arbitrary: fc.record(anyOf, { requiredKeys: [] }) }
  )
  const extra = fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(key, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) })
  return fc.tuple(known, extra).map(([k, e]) => ({ ...e, ...k }))
}

/** Values of the fixtures, for fields that name users and grants. */
export const PERSONA_IDS = ['5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02', '1d4e6f8a-2b3c-4e5f-a6b7-c8d9e0f1a203',
  '9a8b7c6d-5e4f-4a3b-b2c1-d0e9f8a7b604', '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a05', '6f1a2b3c-4d5e-4f6a-9b7c-8d9e0f1a2b06']
export const PERSONA_LOGINS = ['+77015550101', '87015550101', '+7 (701) 555-01-01', 'aigerim.sarsenbayeva@example.com', 'AIGERIM.SARSENBAYEVA@EXAMPLE.COM',
  '+77025550202', '+77475550404', '+77775550505', 'marat.abenov@example.com', 'dana.mukhametova@example.com']
export const grantList: Field = {
  good: fc.subarray([...GRANTS], { minLength: 1 }),
  any: fc.oneof({ weight: 4, arbitrary: fc.subarray([...GRANTS], { minLength: 1 }) }, { weight: 1, arbitrary: fc.array(field(...GRANTS).any, { maxLength: 5 }) })
}
