import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import type { InjectOptions, Response as LightMyRequestResponse } from 'light-my-request'
import type { SandboxContext } from '../context.js'

/** Where a request's sandbox rides on Node's request, when one app serves several (startSandbox()). */
export const SANDBOX = Symbol('freedom-id-sandbox')

/** What the server that received a request puts on it under SANDBOX: the sandbox, and its log. */
export interface Binding {
  context: SandboxContext
  /** Its log; request loggers are its children. */
  log: FastifyBaseLogger
}

export type BoundRequest = { [SANDBOX]?: Binding }

/** The binding a request arrived with; undefined on an app of its own sandbox. */
export const bindingOf = (request: FastifyRequest): Binding | undefined => (request.raw as BoundRequest)[SANDBOX]

/** A request made in this process to one sandbox, as `app.inject` makes them. */
export type Inject = (options: InjectOptions) => Promise<LightMyRequestResponse>

/** In-process requests (the control handle's, the probes' browser's) to the sandbox of `binding`, served by `app`; to the app's own without one. */
export function injector (app: FastifyInstance, binding: Binding | undefined): Inject {
  if (binding === undefined) return async (options) => app.inject(options)
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    (req as BoundRequest)[SANDBOX] = binding
    app.routing(req, res)
  }
  return async (options) => {
    // Loaded when first needed, as Fastify's own inject does: most sandboxes never inject.
    const { default: lightMyRequest } = await import('light-my-request')
    return lightMyRequest(dispatch, options)
  }
}

/** `app.inject` as the library's handle had it when `app` was the sandbox's own Fastify app: the promise and the callback forms. */
export interface AppInject {
  (options: InjectOptions): Promise<LightMyRequestResponse>
  (options: InjectOptions, callback: (error: Error | undefined, response?: LightMyRequestResponse) => void): void
}

/**
 * The callback form answers through `inject`; the chain form (`app.inject().get(url)`) has no
 * options and is refused in words, since the app behind it is shared by the process's sandboxes.
 */
export function appInject (inject: Inject): AppInject {
  return ((options: InjectOptions | undefined, callback?: (error: Error | undefined, response?: LightMyRequestResponse) => void) => {
    if (options === undefined) {
      throw new TypeError('app.inject() takes its options, as in app.inject({ method, url }) or sandbox.inject({ method, url }): ' +
        'the chain form (app.inject().get(url)) is not kept, since the sandboxes of a process share one app')
    }
    const answer = inject(options)
    if (callback === undefined) return answer
    answer.then((response) => callback(undefined, response), (error: Error) => callback(error))
  }) as AppInject
}
