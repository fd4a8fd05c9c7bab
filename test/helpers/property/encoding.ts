import fc from 'fast-check'
import { Raw, fields, isRecord, text, type Field } from './values.js'

/** Values as they travel: JSON text, forms, query strings, path segments. */

export function jsonText (value: unknown): string {
  if (value instanceof Raw) return value.text
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`
  if (isRecord(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

const formValue = (value: unknown): string => typeof value === 'string' ? value : value instanceof Raw ? value.text : jsonText(value)

/** application/x-www-form-urlencoded; an array becomes a repeated name. */
export function formText (value: Record<string, unknown>): string {
  const form = new URLSearchParams()
  for (const [name, v] of Object.entries(value)) for (const one of Array.isArray(v) ? v : [v]) form.append(name, formValue(one))
  return form.toString()
}

const pct = (s: string): string => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
/** Percent-encodes all but the unreserved characters. */
export const encode = (s: string): string => s.replace(/[^A-Za-z0-9\-._~]/gu, pct)
/** Leaves & = + % and most of ASCII raw: the parser sees what a careless client sends. */
const rawEncode = (s: string): string => s.replace(/[^\x21-\x7e]|#/gu, pct)

/** Node refuses a request line and headers over 16 KiB (431) before any app sees them. */
const MAX_QUERY = 12 * 1024

/** A query string with these parameters: encoded, left raw, or with broken percent-encoding and stray separators. */
export function query (spec: Record<string, Field>): fc.Arbitrary<string> {
  return fc.tuple(fields(spec), fc.nat(4), fc.constantFrom('%', '%zz', '%E0%A4%A', '=', '&&', 'a=%', '%00=%00', 'a[b]=c', 'x=1&x=2'))
    .map(([value, style, junk]) => {
      const short = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, Array.isArray(v) ? v.map((one) => formValue(one).slice(0, MAX_QUERY)) : formValue(v).slice(0, MAX_QUERY)]))
      if (style <= 2) return formText(short).slice(0, MAX_QUERY)
      const raw = Object.entries(short).map(([name, v]) => `${rawEncode(name)}=${rawEncode(String(v))}`).join('&')
      return (style === 3 ? raw : `${formText(short)}&${junk}`).slice(0, MAX_QUERY)
    })
}

/** A path segment: a good one, any text percent-encoded, or broken encoding, dot segments and long ones. */
export function segment (...good: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...good) },
    { weight: 3, arbitrary: text.filter((s) => s !== '').map(encode) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%2F', '..', '.', '%2e%2e', '%00', '%20', '~', '%C0%AF', '+') },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'a'.repeat(n)) }
  )
}
