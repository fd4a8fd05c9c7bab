import { Type, type Static } from '@sinclair/typebox'
import type { Store, Transaction } from './store.js'

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

/** What the index keeps of each queued fault: enough to list and bound the queue, never a body. */
interface Queued { id: number, route: string }

// Every queued fault's id and route, oldest first; the faults themselves in one list per route,
// so a request reads only the faults of its own route (a body may be 60 KiB).
const INDEX = 'fault-index'
const routeList = (route: string): string => `faults:${route}`

/** Stores `items` as the whole list `name`, in the transition. */
function rewrite<T> (tx: Transaction, name: string, items: T[]): void {
  tx.clear(name)
  for (const item of items) tx.push(name, FAULT_CAP, item)
}

export function createFaultQueue (deps: { store: Store }): FaultQueue {
  const { store } = deps
  const ids = store.counter('fault-ids')
  // Calls the queued faults may still hit, as far as this process knows.
  let hits = 0
  const all = async (tx: Transaction): Promise<{ index: Queued[], byRoute: Map<string, Fault[]> }> => {
    const index = await tx.items<Queued>(INDEX)
    const routes = [...new Set(index.map((queued) => queued.route))]
    const lists = await Promise.all(routes.map((route) => tx.items<Fault>(routeList(route))))
    return { index, byRoute: new Map(routes.map((route, i) => [route, lists[i]!])) }
  }
  return {
    async add ({ times = 1, route, ...what }) {
      const fault: Fault = { id: await ids.add(1), route, remaining: times, ...what }
      await store.atomically(async (tx) => {
        const index = await tx.items<Queued>(INDEX)
        // The oldest go first, so that this one makes FAULT_CAP at most: only their lists are read.
        const evicted = index.slice(0, Math.max(0, index.length - FAULT_CAP + 1))
        const gone = new Set(evicted.map((queued) => queued.id))
        for (const changed of new Set(evicted.map((queued) => queued.route))) {
          rewrite(tx, routeList(changed), (await tx.items<Fault>(routeList(changed))).filter((kept) => !gone.has(kept.id)))
        }
        tx.push(routeList(route), FAULT_CAP, fault)
        if (evicted.length > 0) rewrite(tx, INDEX, index.slice(evicted.length))
        tx.push(INDEX, FAULT_CAP, { id: fault.id, route })
      })
      hits += times
      return fault
    },
    list: () => store.atomically(async (tx) => {
      const { index, byRoute } = await all(tx)
      const byId = new Map([...byRoute.values()].flat().map((fault) => [fault.id, fault]))
      return index.map((queued) => byId.get(queued.id)).filter((fault) => fault !== undefined)
    }),
    async clear () {
      await store.atomically(async (tx) => {
        const { byRoute } = await all(tx)
        for (const route of byRoute.keys()) tx.clear(routeList(route))
        tx.clear(INDEX)
      })
      await ids.set(0)
      hits = 0
    },
    async consume (method, paths) {
      const routes = [...new Set(paths.map((path) => `${method} ${path}`))]
      const fault = await store.atomically(async (tx) => {
        const lists = await Promise.all(routes.map((route) => tx.items<Fault>(routeList(route))))
        // The first queued of the lists' heads: each list is oldest first.
        let at = -1
        for (let i = 0; i < lists.length; i++) {
          if (lists[i]!.length > 0 && (at === -1 || lists[i]![0]!.id < lists[at]![0]!.id)) at = i
        }
        if (at === -1) return undefined
        const [first, ...rest] = lists[at]!
        if (first!.remaining > 1) {
          rewrite(tx, routeList(routes[at]!), [{ ...first!, remaining: first!.remaining - 1 }, ...rest])
        } else {
          rewrite(tx, routeList(routes[at]!), rest)
          rewrite(tx, INDEX, (await tx.items<Queued>(INDEX)).filter((queued) => queued.id !== first!.id))
        }
        return first
      })
      if (fault !== undefined) hits--
      return fault
    },
    idle: () => store.local && hits <= 0
  }
}
