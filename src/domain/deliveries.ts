import { Type, type Static } from '@sinclair/typebox'
import pLimit, { type LimitFunction } from 'p-limit'
import type { Clock } from './clock.js'
import type { Store } from './store.js'

/** Deliveries kept for `GET /__sandbox/deliveries`; beyond it the oldest go first. */
export const DELIVERY_CAP = 1000

export interface DeliveryPolicy {
  /** Real-time milliseconds one attempt may take. */
  timeoutMs: number
  /** Attempts in all, the first included. */
  attempts: number
  /** Real-time milliseconds before the second attempt; doubles after each. */
  backoffMs: number
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { timeoutMs: 5000, attempts: 3, backoffMs: 1000 }

/**
 * How many deliveries run at once, so a logout of thousands of pairs never takes the server's
 * sockets: attempts in flight per target origin and in all; the rest wait their turn, and at most
 * so many (and so many bytes of target and body) wait: a delivery beyond that is dropped.
 */
export const DELIVERY_LIMITS = { perOrigin: 6, inFlight: 16, waiting: 10_000, waitingBytes: 4 * 1024 * 1024 }

const AttemptSchema = Type.Object({
  at: Type.String({ description: 'Sandbox clock, ISO 8601' }),
  status: Type.Optional(Type.Integer({ description: "The receiver's HTTP status" })),
  error: Type.Optional(Type.String({ description: 'Why no status came back (timeout, refused...)' }))
})

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  target: Type.String({ description: "The client's revoke_uri" }),
  body: Type.Object({ id: Type.String({ description: 'The token id' }) }),
  client_id: Type.String(),
  user_id: Type.String(),
  outcome: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('dropped')], {
    description: 'delivered: a 2xx came back; failed: every attempt failed; dropped: never sent, too many deliveries were waiting (see reason)'
  }),
  reason: Type.Optional(Type.String({ description: 'Why a delivery was dropped' })),
  attempts: Type.Array(AttemptSchema)
})

export type Delivery = Static<typeof DeliverySchema>

export interface Deliveries {
  /** Timeout, attempts and backoff of every delivery. */
  readonly policy: DeliveryPolicy
  /** Starts delivering in the background (or drops it when too many wait) and answers at once; the outcome lands in the list. */
  send(input: Pick<Delivery, 'target' | 'body' | 'client_id' | 'user_id'>): Promise<Delivery>
  list(): Promise<Delivery[]>
  clear(): Promise<void>
  /** Resolves when every delivery under way has finished (tests, shutdown). */
  settled(): Promise<void>
  /** Cuts the calls under way and lets go of the idle sockets, so nothing holds a closing process up. */
  close(): Promise<void>
}

// Unref'd: a retry waiting for its turn never keeps a closing process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())

/** The HTTP client deliveries go through: a fetch and the pool it sends with. */
export interface DeliveryTransport {
  fetch: typeof import('undici').fetch
  dispatcher: import('undici').Agent
}

/**
 * undici's pool holds at most perOrigin sockets per origin, whatever the timing of their reuse
 * (the global fetch's opens more). Read through `default` (module.exports under Node's loader and
 * in the library's split bundle, whose chunk for a CommonJS package exports nothing else).
 */
const undiciTransport = async (): Promise<DeliveryTransport> => {
  const { default: undici } = await import('undici')
  return { fetch: undici.fetch, dispatcher: new undici.Agent({ connections: DELIVERY_LIMITS.perOrigin }) }
}

/** The back-channel: `POST {revoke_uri}` with `{"id": "<token id>"}`, retried with backoff, never blocking a request. */
export function createDeliveries (deps: { store: Store, clock: Clock, policy?: DeliveryPolicy, transport?: () => Promise<DeliveryTransport> }): Deliveries {
  const policy = deps.policy ?? DEFAULT_DELIVERY_POLICY
  const list = deps.store.list<Delivery>('deliveries', DELIVERY_CAP)
  const underWay = new Set<Promise<void>>()
  const ids = deps.store.counter('delivery-ids')
  const inFlight = pLimit(DELIVERY_LIMITS.inFlight)
  // One per origin named by a client's revoke_uri (or this sandbox): as few as the fixtures' clients.
  const perOrigin = new Map<string, LimitFunction>()
  const waiting = { count: 0, bytes: 0 }
  // Loaded on the first delivery: most sandboxes never make one. A transport that cannot be made
  // fails each attempt with its reason, as a refused connection would.
  const loadTransport = deps.transport ?? undiciTransport
  let transport: Promise<DeliveryTransport | Error> | undefined
  const http = () => (transport ??= loadTransport().catch((error: Error) => error))

  const update = (id: number, change: (d: Delivery) => Delivery) => list.takeFirst((d) => d.id === id, change)

  async function attempt (delivery: Delivery): Promise<{ status?: number, error?: string }> {
    const loaded = await http()
    if (loaded instanceof Error) return { error: `no HTTP client: ${loaded.message}` }
    const { fetch, dispatcher } = loaded
    try {
      const res = await fetch(delivery.target, {
        dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'freedom-id-sandbox revoke' },
        body: JSON.stringify(delivery.body),
        signal: AbortSignal.timeout(policy.timeoutMs),
        redirect: 'manual'
      })
      await res.arrayBuffer().catch(() => undefined)
      return { status: res.status }
    } catch (error) {
      const e = error as Error & { cause?: Error }
      if (e.name === 'TimeoutError') return { error: `no answer within ${policy.timeoutMs} ms` }
      /* c8 ignore start: fetch's network errors always carry a cause; anything else keeps its own message */
      return { error: (e.cause ?? e).message }
      /* c8 ignore stop */
    }
  }

  // The origin's turn first, then a global one: an attempt never holds a global slot while its origin is busy.
  function throttled (delivery: Delivery): Promise<Delivery['attempts'][number]> {
    const origin = URL.canParse(delivery.target) ? new URL(delivery.target).origin : delivery.target
    let limit = perOrigin.get(origin)
    if (limit === undefined) perOrigin.set(origin, limit = pLimit(DELIVERY_LIMITS.perOrigin))
    // The attempt's instant is when it starts, not when it joined the queue.
    return limit(() => inFlight(async () => ({ at: new Date(deps.clock.now()).toISOString(), ...await attempt(delivery) })))
  }

  async function deliver (delivery: Delivery): Promise<void> {
    for (let n = 0; n < policy.attempts; n++) {
      if (n > 0) await sleep(policy.backoffMs * 2 ** (n - 1))
      const result = await throttled(delivery)
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300
      const last = ok || n === policy.attempts - 1
      await update(delivery.id, (d) => ({
        ...d,
        attempts: [...d.attempts, result],
        outcome: ok ? 'delivered' : last ? 'failed' : 'pending'
      }))
      if (ok) return
    }
  }

  // Why a new delivery cannot wait its turn, if it cannot.
  function full (bytes: number): string | undefined {
    if (waiting.count >= DELIVERY_LIMITS.waiting) return `${DELIVERY_LIMITS.waiting} deliveries were already waiting, the most the sandbox keeps`
    if (waiting.bytes + bytes > DELIVERY_LIMITS.waitingBytes) return `the deliveries waiting would take more than ${DELIVERY_LIMITS.waitingBytes} bytes, the most the sandbox keeps`
    return undefined
  }

  return {
    policy,
    async send (input) {
      const bytes = Buffer.byteLength(JSON.stringify(input))
      const reason = full(bytes)
      if (reason !== undefined) {
        const dropped: Delivery = { id: await ids.add(1), ...input, outcome: 'dropped', reason, attempts: [] }
        await list.push(dropped)
        return dropped
      }
      // Held from here on, so sends racing this one see it; let go when it is done or never stored.
      waiting.count++
      waiting.bytes += bytes
      const release = () => {
        waiting.count--
        waiting.bytes -= bytes
      }
      let delivery: Delivery
      try {
        delivery = { id: await ids.add(1), ...input, outcome: 'pending', attempts: [] }
        await list.push(delivery)
      } catch (error) {
        release()
        throw error
      }
      // A store lost mid-way (Redis gone) leaves the record pending: nothing else to tell, nobody to throw at.
      const running = deliver(delivery).catch(() => {}).finally(() => {
        release()
        underWay.delete(running)
      })
      underWay.add(running)
      return delivery
    },
    list: () => list.items(),
    async clear () {
      await list.clear()
      await ids.set(0)
    },
    async settled () {
      while (underWay.size > 0) await Promise.all(underWay)
    },
    async close () {
      const loaded = await transport
      if (loaded !== undefined && !(loaded instanceof Error)) await loaded.dispatcher.destroy()
    }
  }
}
