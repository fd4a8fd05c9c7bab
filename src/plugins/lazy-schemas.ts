import AjvCompiler from '@fastify/ajv-compiler'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'
import { boundedArrays } from './validation.js'

type Validate = ((data: unknown) => boolean) & { errors?: unknown }

/**
 * Fastify's own compilers (Ajv for requests, fast-json-stringify for responses), each route's
 * schema compiled on its first request instead of at start: a sandbox has some 40 routes, a test
 * run touches a handful, and compiling them all cost about 50 of the 264 ms the cold start took.
 * The functions they compile are the same, so validation messages and output do not change.
 */
export function lazyCompilers (): NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'] {
  const validators = AjvCompiler()
  const serializers = SerializerSelector()
  return {
    buildValidator (externalSchemas, options) {
      const compile = validators(externalSchemas, options as never)
      // Typed as Ajv's own compiler: Fastify only calls the function and reads its errors.
      return ((route: Parameters<typeof compile>[0]) => {
        let validate: Validate | undefined
        const lazy: Validate = (data) => {
          validate ??= boundedArrays(route.schema, compile(route) as Validate)
          const valid = validate(data)
          // Fastify reads a failed validation's errors from the function it called.
          lazy.errors = validate.errors
          return valid
        }
        return lazy
      }) as typeof compile
    },
    buildSerializer (externalSchemas, options) {
      const compile = serializers(externalSchemas, options)
      return (route) => {
        let serialize: ((data: unknown) => string) | undefined
        return (data: unknown) => (serialize ??= compile(route))(data)
      }
    }
  }
}
