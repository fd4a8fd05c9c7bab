import t from 'tap'
import type { FastifySchemaValidationError } from 'fastify'
import { attributeName, laravelErrors } from '../../src/plugins/validation.js'

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
