import { FormatRegistry } from '@sinclair/typebox'

/** A DNS name (IDNs arrive as punycode) or an IP literal: what a browser and a CSP source accept as a host. */
const HOST = /^(?:[a-z0-9_-]+\.)*[a-z0-9_-]+\.?$|^\[[0-9a-f:.]+\]$/i

/**
 * An absolute http or https URL with a real host and no fragment (RFC 6749 §3.1.2): what a
 * merchant can redirect a browser to. WHATWG URLs also allow `;`, `,` or quotes in host names.
 */
export function isHttpUrl (value: string): boolean {
  if (!/^https?:\/\//i.test(value) || /\s/.test(value)) return false
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && HOST.test(url.hostname) && url.hash === '' && !value.includes('#')
  } catch {
    return false
  }
}

/**
 * A client's revoke_uri: an http(s) URL, or a path (`/demo/revoke`) that names this sandbox itself,
 * so bundled fixtures can point at the sandbox's own receiver whatever its port.
 */
export function isRevokeUri (value: string): boolean {
  return isHttpUrl(value) || /^\/(?!\/)[^\s#\\]*$/.test(value)
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** An ISO 8601 instant with a date, a time and a zone (`2030-01-01T00:00:00Z`). */
export function isIsoInstant (value: string): boolean {
  return ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value)) && isCalendarDate(value.slice(0, 10))
}

/** `Y-m-d` naming a day that exists (Date.parse rolls 2030-02-31 over to March 3). */
export function isCalendarDate (value: string): boolean {
  const [year, month, day] = value.split('-').map(Number)
  return new Date(Date.UTC(year!, month! - 1, day!)).getUTCDate() === day
}

/** `memory`, or `redis://` / `rediss://` with a host, an optional port and an optional db number (`/0`). */
export function isStoreUrl (value: string): boolean {
  if (value === 'memory') return true
  if (!/^rediss?:\/\//i.test(value)) return false
  try {
    const url = new URL(value)
    return url.hostname !== '' && /^(\/\d*)?$/.test(url.pathname) && url.search === '' && url.hash === ''
  } catch {
    return false
  }
}

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

/**
 * The custom formats the schemas use, by name. TypeBox checks them through its registry
 * (fixtures, settings) and the Ajv that validates requests gets the same functions.
 */
export const FORMATS: Record<string, (value: string) => boolean> = {
  'http-url': isHttpUrl,
  'iso-instant': isIsoInstant,
  'revoke-uri': isRevokeUri,
  'store-url': isStoreUrl
}

for (const [name, check] of Object.entries(FORMATS)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check)
}
