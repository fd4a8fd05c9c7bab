import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify'
import { VALIDATION_MESSAGE, type FieldError, type FieldErrors, type FieldRule } from '../errors.js'
import { FORMATS } from '../domain/formats.js'

/**
 * Request validation in Freedom ID's (Laravel's) words. Ajv reports every failing field; each one
 * becomes a key (`grants`, `grants.3`) with one message in Laravel's wording. What one request can
 * cost is bounded: an array is checked up to its `maxItems` only, and a 422 names at most
 * MAX_REPORTED_FIELDS fields, its message counting the rest as Laravel's does.
 */

/** Fields one 422 names (more than any schema has, so only array elements are left out); the message counts the others: `Error validating transmitted data. (and 5 more errors)`. */
export const MAX_REPORTED_FIELDS = 20

/** The 422 body for these field errors: the first MAX_REPORTED_FIELDS of them, and how many messages were left out. */
export function validationBody (errors: FieldErrors): { error: { message: string, errors: FieldErrors } } {
  const keys = Object.keys(errors)
  if (keys.length <= MAX_REPORTED_FIELDS) return { error: { message: VALIDATION_MESSAGE, errors } }
  const rest = keys.slice(MAX_REPORTED_FIELDS).reduce((count, key) => count + errors[key]!.length, 0)
  return {
    error: {
      message: `${VALIDATION_MESSAGE} (and ${rest} more ${rest === 1 ? 'error' : 'errors'})`,
      errors: Object.fromEntries(keys.slice(0, MAX_REPORTED_FIELDS).map((key) => [key, errors[key]!]))
    }
  }
}

/** A compiled validator as Fastify calls it: true or false, and the errors of the last call. */
export type Validate = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null }

/**
 * Ajv, reporting every error, checks every element of an array even past its `maxItems`: 32,000
 * bad grants in a 64 KiB body cost seconds of CPU and half a million errors. This checks only the
 * first `maxItems` elements of an array of a top-level property that has too many, and adds the
 * field's own maxItems error, so a failed validation costs about what a valid one does.
 */
export function boundedArrays (schema: unknown, validate: Validate): Validate {
  const properties = (schema as { properties?: Record<string, { maxItems?: unknown }> } | undefined)?.properties ?? {}
  const limits = Object.entries(properties).flatMap(([name, property]) => typeof property.maxItems === 'number' ? [[name, property.maxItems] as const] : [])
  if (limits.length === 0) return validate
  const bounded: Validate = (data) => {
    const fields = data as Record<string, unknown>
    const over = typeof data === 'object' && data !== null ? limits.filter(([name, limit]) => Array.isArray(fields[name]) && (fields[name] as unknown[]).length > limit) : []
    if (over.length === 0) {
      const valid = validate(data)
      bounded.errors = validate.errors
      return valid
    }
    const cut = { ...fields }
    for (const [name, limit] of over) cut[name] = (fields[name] as unknown[]).slice(0, limit)
    validate(cut)
    bounded.errors = [
      ...over.map(([name, limit]) => ({ keyword: 'maxItems', instancePath: `/${name}`, schemaPath: `#/properties/${name}/maxItems`, params: { limit }, message: `must NOT have more than ${limit} items` })),
      ...(validate.errors ?? [])
    ]
    return false
  }
  return bounded
}

/** Ajv settings for request validation: report every field, never coerce or drop what was sent. */
export const ajvOptions: FastifyServerOptions['ajv'] = {
  customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false, validateSchema: false },
  plugins: [(ajv) => {
    for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check)
    return ajv
  }]
}

/** `redirect_uri` -> `Redirect uri` (as the docs' `The Grants field is required.`); element keys stay as they are. */
export const attributeName = (key: string): string =>
  key.includes('.') ? key : key.charAt(0).toUpperCase() + key.slice(1).replaceAll('_', ' ')

const FORMAT_NAMES: Record<string, string> = {
  'http-url': 'a valid URL',
  uuid: 'a valid UUID',
  'date-time': 'a valid date',
  date: 'a valid date',
  email: 'a valid email address'
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  array: 'an array',
  object: 'an object',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false'
}

/** Laravel's `required` fails on null, an empty string and an empty array, not only on a missing key. */
const isBlank = (value: unknown): boolean =>
  value === null || value === undefined || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0)

function valueAt (data: unknown, key: string): unknown {
  let node: unknown = data
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}

function message (error: FieldError, data: unknown): string {
  const { field, rule, arg } = error
  if (field === '') return rule === 'type' ? 'The request body must be a JSON object.' : 'The request body is invalid.'
  const name = attributeName(field)
  // An array element that is not one of the allowed values, whatever its type: the docs' own message.
  if (field.includes('.') && (rule === 'type' || rule === 'in')) return `The selected ${name} is invalid.`
  // Only a value is checked for uniqueness.
  if (rule === 'unique') return `The ${name} has already been taken.`
  if (rule === 'required' || isBlank(valueAt(data, field))) return `The ${name} field is required.`
  switch (rule) {
    case 'type': return `The ${name} field must be ${TYPE_NAMES[arg!] ?? `of type ${arg}`}.`
    case 'in': return `The selected ${name} is invalid.`
    case 'format': return `The ${name} field must be ${FORMAT_NAMES[arg!] ?? 'valid'}.`
    case 'pattern': return `The ${name} field format is invalid.`
    case 'minItems': return `The ${name} field must have at least ${arg} items.`
    case 'maxItems': return `The ${name} field must not have more than ${arg} items.`
    case 'minLength': return `The ${name} field must be at least ${arg} characters.`
    case 'maxLength': return `The ${name} field must not be greater than ${arg} characters.`
    case 'minimum': return `The ${name} field must be at least ${arg}.`
    case 'maximum': return `The ${name} field must not be greater than ${arg}.`
    default: return `The ${name} field is invalid.`
  }
}

const keyOf = (error: FastifySchemaValidationError): string => {
  const path = error.instancePath.split('/').slice(1)
  if (error.keyword === 'required') path.push(String((error.params as { missingProperty: string }).missingProperty))
  return path.join('.')
}

/** Ajv's keywords as Laravel's rules; any other keyword is `invalid`. */
const RULES: Record<string, FieldRule> = {
  required: 'required',
  type: 'type',
  enum: 'in',
  const: 'in',
  anyOf: 'in',
  format: 'format',
  pattern: 'pattern',
  minItems: 'minItems',
  maxItems: 'maxItems',
  minLength: 'minLength',
  maxLength: 'maxLength',
  minimum: 'minimum',
  maximum: 'maximum'
}

/** The Ajv parameter that is each rule's argument. */
const ARGUMENTS: Partial<Record<FieldRule, string>> = {
  type: 'type',
  format: 'format',
  minItems: 'limit',
  maxItems: 'limit',
  minLength: 'limit',
  maxLength: 'limit',
  minimum: 'limit',
  maximum: 'limit'
}

function fieldError (field: string, error: FastifySchemaValidationError): FieldError {
  const rule = RULES[error.keyword] ?? 'invalid'
  const param = ARGUMENTS[rule]
  return param === undefined ? { field, rule } : { field, rule, arg: String((error.params as Record<string, unknown>)[param]) }
}

/**
 * Ajv's errors as field errors, one per field: its first, unless a union's verdict comes (each
 * branch's own complaint would mislead). A body that is not an object misses every required
 * field; with none to name, the body itself is wrong.
 */
export function fieldErrorsOf (errors: FastifySchemaValidationError[], schema?: { required?: string[] }): FieldError[] {
  const out = new Map<string, FieldError>()
  for (const error of errors) {
    const field = keyOf(error)
    if (field === '') {
      const required = schema?.required ?? []
      for (const name of required) out.set(name, { field: name, rule: 'required' })
      if (required.length === 0) out.set('body', { field: '', rule: error.keyword === 'type' ? 'type' : 'invalid' })
      continue
    }
    if (!out.has(field) || error.keyword === 'anyOf') out.set(field, fieldError(field, error))
  }
  return [...out.values()]
}

/**
 * Field errors as Laravel's field -> messages map: each field's first error, keys in the schema's
 * property order then by array index. `data` is the body they concern (Laravel's `required` also
 * fails on a blank value).
 */
export function laravelMessages (errors: FieldError[], data: unknown, schema?: { properties?: object }): FieldErrors {
  const out = new Map<string, string>()
  for (const error of errors) {
    const key = error.field === '' ? 'body' : error.field
    if (!out.has(key)) out.set(key, message(error, data))
  }
  const order = Object.keys(schema?.properties ?? {})
  const rank = (key: string): [number, number] => {
    const [field = '', index = '-1'] = key.split('.')
    const position = order.indexOf(field)
    return [position === -1 ? order.length : position, Number(index)]
  }
  const keys = [...out.keys()].sort((a, b) => {
    const [fa, ia] = rank(a)
    const [fb, ib] = rank(b)
    return fa - fb || ia - ib
  })
  return Object.fromEntries(keys.map((key) => [key, [out.get(key)!]]))
}

/** Ajv's errors as Laravel's field -> messages map. */
export const laravelErrors = (
  errors: FastifySchemaValidationError[], data: unknown, schema?: { properties?: object, required?: string[] }
): FieldErrors => laravelMessages(fieldErrorsOf(errors, schema), data, schema)
