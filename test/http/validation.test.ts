import t from 'tap'
import type { FastifySchemaValidationError } from 'fastify'
import type { FieldError } from '../../src/errors.js'
import { MAX_REPORTED_FIELDS, attributeName, boundedArrays, fieldErrorsOf, laravelErrors, laravelMessages, validationBody } from '../../src/http/validation.js'

const err = (keyword: string, instancePath: string, params: Record<string, unknown> = {}): FastifySchemaValidationError =>
  ({ keyword, instancePath, schemaPath: '', params })

t.test('attribute names', async (t) => {
  t.equal(attributeName('grants'), 'Grants')
  t.equal(attributeName('redirect_uri'), 'Redirect uri')
  t.equal(attributeName('grants.3'), 'grants.3')
})

t.test('one Laravel message for each rule', async (t) => {
  const data = { a: 'x', b: [1], c: 3 }
  const cases: Array<[FastifySchemaValidationError, string]> = [
    [err('required', '', { missingProperty: 'name' }), 'The Name field is required.'],
    [err('type', '/a', { type: 'integer' }), 'The A field must be an integer.'],
    [err('type', '/a', { type: 'number' }), 'The A field must be a number.'],
    [err('type', '/a', { type: 'boolean' }), 'The A field must be true or false.'],
    [err('type', '/a', { type: 'object' }), 'The A field must be an object.'],
    [err('type', '/a', { type: 'null' }), 'The A field must be of type null.'],
    [err('enum', '/a'), 'The selected A is invalid.'],
    [err('format', '/a', { format: 'uuid' }), 'The A field must be a valid UUID.'],
    [err('format', '/a', { format: 'email' }), 'The A field must be a valid email address.'],
    [err('format', '/a', { format: 'date' }), 'The A field must be a valid date.'],
    [err('format', '/a', { format: 'hostname' }), 'The A field must be valid.'],
    [err('pattern', '/a'), 'The A field format is invalid.'],
    [err('minItems', '/b', { limit: 2 }), 'The B field must have at least 2 items.'],
    [err('maxItems', '/b', { limit: 0 }), 'The B field must not have more than 0 items.'],
    [err('minLength', '/a', { limit: 3 }), 'The A field must be at least 3 characters.'],
    [err('minimum', '/c', { limit: 5 }), 'The C field must be at least 5.'],
    [err('maximum', '/c', { limit: 2 }), 'The C field must not be greater than 2.'],
    [err('multipleOf', '/c'), 'The C field is invalid.']
  ]
  for (const [error, message] of cases) {
    const key = error.keyword === 'required' ? 'name' : error.instancePath.slice(1)
    t.same(laravelErrors([error], data), { [key]: [message] }, error.keyword)
  }
})

t.test('nested keys, first message per key, order by schema then index', async (t) => {
  const schema = { properties: { z: {}, a: {} }, required: ['z', 'a'] }
  t.same(laravelErrors([
    err('enum', '/a/10'),
    err('pattern', '/a/2'),
    err('type', '/a/2', { type: 'string' }),
    err('type', '/extra/x', { type: 'string' }),
    err('required', '/obj', { missingProperty: 'inner' }),
    err('minLength', '/z', { limit: 99 })
  ], { z: 'x', a: ['read.email', 'read.phone', 'bad'] }, schema), {
    z: ['The Z field must be at least 99 characters.'],
    'a.2': ['The a.2 field format is invalid.'],
    'a.10': ['The selected a.10 is invalid.'],
    'extra.x': ['The selected extra.x is invalid.'],
    'obj.inner': ['The obj.inner field is required.']
  })
  t.same(laravelErrors([err('type', '', { type: 'object' })], 'text', schema), {
    z: ['The Z field is required.'],
    a: ['The A field is required.']
  }, 'a body that is not an object misses every required field')
  t.same(laravelErrors([err('type', '', { type: 'object' })], 'text'), { body: ['The request body must be a JSON object.'] },
    'with no required field to name, the body itself is')
  t.same(laravelErrors([err('anyOf', '')], {}), { body: ['The request body is invalid.'] })
  t.same(laravelErrors([err('type', '/a', { type: 'integer' }), err('anyOf', '/a')], { a: 'x' }), { a: ['The selected A is invalid.'] },
    'a union\'s verdict wins over its first branch\'s complaint')
  t.same(laravelErrors([err('pattern', '/a/b')], { a: 'flat' }), { 'a.b': ['The a.b field is required.'] },
    'a path through a non-object finds no value')
})

t.test('boundedArrays: only the first maxItems elements are checked, and a maxItems error is added', async (t) => {
  const checked: unknown[] = []
  const validate = Object.assign((data: unknown) => {
    checked.push(data)
    validate.errors = Array.isArray((data as { a?: unknown } | null)?.a) ? [err('type', '/a/0')] : null
    return false
  }, { errors: null as FastifySchemaValidationError[] | null })
  const bounded = boundedArrays({ properties: { a: { maxItems: 2 }, b: {} } }, validate)
  t.notOk(bounded({ a: [1, 2, 3, 4], b: 1 }))
  t.same(checked.pop(), { a: [1, 2], b: 1 }, 'validated with the array cut to its limit')
  t.same(bounded.errors, [
    { keyword: 'maxItems', instancePath: '/a', schemaPath: '#/properties/a/maxItems', params: { limit: 2 }, message: 'must NOT have more than 2 items' },
    err('type', '/a/0')
  ])
  t.notOk(bounded({ a: 'not an array' }))
  t.same(checked.pop(), { a: 'not an array' }, 'nothing to cut: the data as sent')
  t.equal(bounded.errors, null)
  t.notOk(bounded(null))
  t.notOk(bounded([[1, 2, 3]]))
  t.same(checked.slice(-2), [null, [[1, 2, 3]]], 'a body that is no object is checked as it is')
  t.equal(boundedArrays({ properties: { b: {} } }, validate), validate, 'no array limit: the validator itself')
  t.equal(boundedArrays(undefined, validate), validate)
  // No errors reported with the cut array: only the maxItems one.
  const quiet = Object.assign(() => false, { errors: null })
  const cut = boundedArrays({ properties: { a: { maxItems: 1 } } }, quiet)
  cut({ a: [1, 2] })
  t.same((cut.errors as Array<{ keyword: string }>).map((e) => e.keyword), ['maxItems'])
})

t.test('validationBody: up to MAX_REPORTED_FIELDS fields, then a count of the messages left out', async (t) => {
  const fields = (n: number, messages = 1) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, Array(messages).fill(`F${i} is bad.`)]))
  t.same(validationBody(fields(MAX_REPORTED_FIELDS)), { error: { message: 'Error validating transmitted data.', errors: fields(MAX_REPORTED_FIELDS) } })
  t.same(validationBody(fields(MAX_REPORTED_FIELDS + 1)).error.message, 'Error validating transmitted data. (and 1 more error)')
  t.same(validationBody(fields(MAX_REPORTED_FIELDS + 2, 2)), { error: { message: 'Error validating transmitted data. (and 4 more errors)', errors: fields(MAX_REPORTED_FIELDS, 2) } })
})

t.test("fieldErrorsOf: Ajv's errors as the domain's field errors, one per field", async (t) => {
  t.same(fieldErrorsOf([
    err('type', '/a', { type: 'integer' }),
    err('format', '/b', { format: 'uuid' }),
    err('maxLength', '/c', { limit: 255 }),
    err('minimum', '/d', { limit: 0 }),
    err('const', '/e/2'),
    err('required', '', { missingProperty: 'f' }),
    err('multipleOf', '/g'),
    err('pattern', '/b')
  ]), [
    { field: 'a', rule: 'type', arg: 'integer' },
    { field: 'b', rule: 'format', arg: 'uuid' },
    { field: 'c', rule: 'maxLength', arg: '255' },
    { field: 'd', rule: 'minimum', arg: '0' },
    { field: 'e.2', rule: 'in' },
    { field: 'f', rule: 'required' },
    { field: 'g', rule: 'invalid' }
  ], 'the first error of a field is kept, a keyword Laravel has no rule for is invalid')
  t.same(fieldErrorsOf([err('const', '/g'), err('const', '/g'), err('anyOf', '/g')]), [{ field: 'g', rule: 'in' }], "a union's verdict replaces its branches'")
  t.same(fieldErrorsOf([err('type', '', { type: 'object' })], { required: ['x', 'y'] }), [{ field: 'x', rule: 'required' }, { field: 'y', rule: 'required' }])
  t.same(fieldErrorsOf([err('type', '', { type: 'object' })]), [{ field: '', rule: 'type' }])
  t.same(fieldErrorsOf([err('additionalProperties', '')], {}), [{ field: '', rule: 'invalid' }])
})

t.test("laravelMessages: a route's own field errors and the schema's, worded and ordered alike", async (t) => {
  const schema = { properties: { redirect_uri: {}, grants: {}, phone: {}, email: {} } }
  const errors: FieldError[] = [
    { field: 'phone', rule: 'unique' },
    { field: 'grants.3', rule: 'in' },
    { field: 'grants.1', rule: 'type', arg: 'string' },
    { field: 'redirect_uri', rule: 'format', arg: 'http-url' },
    { field: 'redirect_uri', rule: 'in' },
    { field: 'email', rule: 'type', arg: 'string' },
    { field: 'note', rule: 'maxItems', arg: '3' }
  ]
  const data = { redirect_uri: 'ftp://x', grants: ['read.email', 5, 'read.phone', 'read.iin'], phone: '+77015550909', email: 5, note: [1, 2, 3, 4] }
  const messages = laravelMessages(errors, data, schema)
  t.same(messages, {
    redirect_uri: ['The Redirect uri field must be a valid URL.'],
    'grants.1': ['The selected grants.1 is invalid.'],
    'grants.3': ['The selected grants.3 is invalid.'],
    phone: ['The Phone has already been taken.'],
    email: ['The Email field must be a string.'],
    note: ['The Note field must not have more than 3 items.']
  }, "each field's first error, in the schema's order then by index, unknown fields last")
  t.same(Object.keys(messages), ['redirect_uri', 'grants.1', 'grants.3', 'phone', 'email', 'note'])
  t.same(laravelMessages([{ field: 'email', rule: 'unique' }, { field: 'phone', rule: 'unique' }], undefined), {
    email: ['The Email has already been taken.'],
    phone: ['The Phone has already been taken.']
  }, 'a value taken needs no body to be worded; with no schema, the order given')
  t.same(laravelMessages([{ field: 'x', rule: 'in' }], { x: '  ' }), { x: ['The X field is required.'] }, 'a blank value is missing, whatever else it breaks')
  t.same(laravelMessages([{ field: 'x', rule: 'type', arg: 'null' }, { field: '', rule: 'invalid' }], { x: 1 }), {
    x: ['The X field must be of type null.'],
    body: ['The request body is invalid.']
  })
})
