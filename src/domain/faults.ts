import { Type, type Static } from '@sinclair/typebox'
import type { Store } from './store.js'

/** Faults waiting at once; beyond it the oldest go first. */
export const FAULT_CAP = 100

export const FaultInputSchema = Type.Object({
  route: Type.String({ pattern: '^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\\S*$', description: 'e.g. "POST /api/v1/oauth/token"' }),
  times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'How many calls it hits (default 1)' })),
  status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599, description: 'Answer this status instead of the real one' })),
  body: Type.Optional(Type.Unknown({ description: "The body to answer (default: the provider's envelope for the status)" })),
  delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000, description: 'Wait this long first' })),
  drop: Type.Optional(Type.Boolean({ description: 'Close the connection without an answer' }))
})

export type FaultInput = Static<typeof FaultInputSchema>

export const FaultSchema = Type.Object({
  id: Type.Integer(),
  route: Type.String(),
  remaining: Type.Integer({ description: 'Calls it will still hit' }),
  status: Type.Optional(Type.Integer()),
  body: Type.Optional(Type.Unknown()),
  delay_ms: Type.Optional(Type.Integer()),
  drop: Type.Optional(Type.Boolean())
})

export type Fault = Static<typeof FaultSchema>

export interface FaultQueue {
  add(input: FaultInput): Promise<Fault>
  list(): Promise<Fault[]>
  clear(): Promise<void>
  /** The first fault queued for `METHOD path` (or the route's pattern), counted down by one call. */
  consume(method: string, paths: string[]): Promise<Fault | undefined>
  /**
   * True when no fault can be queued: every request can then skip the queue without awaiting it.
   * It may only err towards false (a look that finds nothing). On a shared store another replica
   * may have queued one, so it is never idle there.
   */
  idle(): boolean
}

export function createFaultQueue (deps: { store: Store }): FaultQueue {
  const list = deps.store.list<Fault>('faults', FAULT_CAP)
  const ids = deps.store.counter('fault-ids')
  // Calls the queued faults may still hit, as far as this process knows.
  let hits = 0
  return {
    async add ({ times = 1, route, ...what }) {
      const fault: Fault = { id: await ids.add(1), route, remaining: times, ...what }
      await list.push(fault)
      hits += times
      return fault
    },
    list: () => list.items(),
    async clear () {
      await list.clear()
      await ids.set(0)
      hits = 0
    },
    async consume (method, paths) {
      const keys = new Set(paths.map((path) => `${method} ${path}`))
      const fault = await list.takeFirst((f) => keys.has(f.route),
        (f) => f.remaining > 1 ? { ...f, remaining: f.remaining - 1 } : undefined)
      if (fault !== undefined) hits--
      return fault
    },
    idle: () => deps.store.local && hits <= 0
  }
}
