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
