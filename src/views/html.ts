/**
 * An escape-by-default `html` template tag: every interpolated value is escaped unless it is
 * itself the result of `html` (or an array of those). There is no way to insert a raw string.
 */
const SAFE = Symbol('safe html')

export interface SafeHtml {
  readonly [SAFE]: true
  readonly value: string
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

export const escapeHtml = (value: string): string => value.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!)

const isSafe = (value: unknown): value is SafeHtml => typeof value === 'object' && value !== null && SAFE in value

function render (value: unknown): string {
  if (isSafe(value)) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === undefined || value === null || value === false) return ''
  return escapeHtml(String(value))
}

export function html (strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!
  values.forEach((value, i) => { out += render(value) + strings[i + 1]! })
  return { [SAFE]: true, value: out }
}
