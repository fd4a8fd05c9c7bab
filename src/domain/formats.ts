import { FormatRegistry } from '@sinclair/typebox'

/** An absolute http or https URL with a host: what a merchant can redirect a browser to. */
export function isHttpUrl (value: string): boolean {
  if (!/^https?:\/\//i.test(value) || /\s/.test(value)) return false
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
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

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

/**
 * The custom formats the schemas use, by name. TypeBox checks them through its registry
 * (fixtures, settings) and the Ajv that validates requests gets the same functions.
 */
export const FORMATS: Record<string, (value: string) => boolean> = {
  'http-url': isHttpUrl,
  'iso-instant': isIsoInstant
}

for (const [name, check] of Object.entries(FORMATS)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check)
}
