import AjvCompiler from '@fastify/ajv-compiler'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'
import { boundedArrays } from './validation.js'

type Validate = ((data: unknown) => boolean) & { errors?: unknown }
type Serialize = (data: unknown) => string

/**
 * Compiled validators and serializers, kept by the schema they were compiled from (its JSON: a
 * route plugin builds its schemas anew for each sandbox) and the part of the request, or the
 * status, it checks: sandboxes started in one process (a test file's, one per test) compile each
 * route's schemas once between them. A compiled function keeps no state between calls (each
 * wrapper below keeps its own errors), and every sandbox compiles with the same Ajv and
 * fast-json-stringify settings, so what one compiled answers exactly as another's would. The
 * routes' schemas are fixed by the code, so what is kept is bounded too.
 */
export interface CompiledSchemas {
  validator(schema: unknown, part: string, compile: () => Validate): Validate
  serializer(schema: unknown, part: string, compile: () => Serialize): Serialize
}

export function createCompiledSchemas (): CompiledSchemas {
  const cached = <F>(kept: Map<string, F>) => (schema: unknown, part: string, compile: () => F): F => {
    const key = `${part} ${JSON.stringify(schema)}`
    let compiled = kept.get(key)
    if (compiled === undefined) kept.set(key, compiled = compile())
    return compiled
  }
  return { validator: cached(new Map()), serializer: cached(new Map()) }
}

/**
 * Fastify's own compilers (Ajv for requests, fast-json-stringify for responses), each route's
 * schema compiled on its first request instead of at start: a sandbox has some 40 routes, a test
 * run touches a handful, and compiling them all cost about 50 of the 264 ms the cold start took.
 * The functions they compile are the same, so validation messages and output do not change.
 * `compiled` keeps what was compiled: one per sandbox by default; startSandbox() shares one
 * between the sandboxes of a process.
 */
export function lazyCompilers (compiled: CompiledSchemas = createCompiledSchemas()): NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'] {
  const validators = AjvCompiler()
  const serializers = SerializerSelector()
  return {
    buildValidator (externalSchemas, options) {
      // Ajv itself is made only when something is to be compiled (a new one costs about a millisecond).
      let compile: ReturnType<typeof validators> | undefined
      // Typed as Ajv's own compiler: Fastify only calls the function and reads its errors.
      return ((route: Parameters<ReturnType<typeof validators>>[0]) => {
        let validate: Validate | undefined
        const lazy: Validate = (data) => {
          validate ??= compiled.validator(route.schema, String(route.httpPart), () => {
            compile ??= validators(externalSchemas, options as never)
            return boundedArrays(route.schema, compile(route) as Validate)
          })
          const valid = validate(data)
          // Fastify reads a failed validation's errors from the function it called.
          lazy.errors = validate.errors
          return valid
        }
        return lazy
      }) as ReturnType<typeof validators>
    },
    buildSerializer (externalSchemas, options) {
      let compile: ReturnType<typeof serializers> | undefined
      return (route) => {
        let serialize: Serialize | undefined
        return (data: unknown) => (serialize ??= compiled.serializer(route.schema, `${route.httpStatus} ${(route as { contentType?: string }).contentType}`, () => {
          compile ??= serializers(externalSchemas, options)
          return compile(route)
        }))(data)
      }
    }
  }
}
