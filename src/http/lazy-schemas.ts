import AjvCompiler from '@fastify/ajv-compiler'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { AnySchema } from 'ajv'
import type { FastifySchemaCompiler, FastifySerializerCompiler, FastifyServerOptions } from 'fastify'
import { boundedArrays, type Validate } from './validation.js'

type AjvOptions = FastifyServerOptions['ajv']
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

/** What Fastify calls to compile a route's schemas (its setValidatorCompiler and setSerializerCompiler). */
export interface Compilers {
  validator: FastifySchemaCompiler<AnySchema>
  serializer: FastifySerializerCompiler<AnySchema>
}

/**
 * Fastify's own compilers (Ajv with `ajv`'s settings for requests, fast-json-stringify for
 * responses), each route's schema compiled on its first request instead of at start: a sandbox has
 * some 40 routes and a test run touches a handful (docs/performance.md). The functions they
 * compile are the same, so validation messages and output do not change. `compiled` keeps what
 * was compiled: one per sandbox by default; startSandbox() shares one between the sandboxes of a
 * process.
 */
export function lazyCompilers (ajv: AjvOptions, compiled: CompiledSchemas = createCompiledSchemas()): Compilers {
  // Ajv itself is made only when something is to be compiled (a new one is not free).
  let validators: ReturnType<ReturnType<typeof AjvCompiler>> | undefined
  let serializers: ReturnType<ReturnType<typeof SerializerSelector>> | undefined
  return {
    validator (route) {
      let validate: Validate | undefined
      const lazy: Validate = (data) => {
        validate ??= compiled.validator(route.schema, String(route.httpPart), () => {
          validators ??= AjvCompiler()({}, ajv)
          return boundedArrays(route.schema, validators(route))
        })
        const valid = validate(data)
        // Fastify reads a failed validation's errors from the function it called.
        lazy.errors = validate.errors
        return valid
      }
      return lazy
    },
    serializer (route) {
      let serialize: Serialize | undefined
      return (data: unknown) => (serialize ??= compiled.serializer(route.schema, `${route.httpStatus} ${route.contentType}`, () => {
        serializers ??= SerializerSelector()()
        // Fastify gives every response schema its status; the type it shares with validators leaves it optional.
        return serializers({ ...route, httpStatus: String(route.httpStatus) })
      }))(data)
    }
  }
}
