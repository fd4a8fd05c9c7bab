import { Type, type Static } from '@sinclair/typebox'
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
  outcome: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')], {
    description: 'delivered: a 2xx came back; failed: every attempt failed'
  }),
  attempts: Type.Array(AttemptSchema)
})

export type Delivery = Static<typeof DeliverySchema>

export interface Deliveries {
  /** Timeout, attempts and backoff of every delivery. */
  readonly policy: DeliveryPolicy
  /** Starts delivering in the background and answers at once; the outcome lands in the list. */
  send(input: Pick<Delivery, 'target' | 'body' | 'client_id' | 'user_id'>): Promise<Delivery>
  list(): Promise<Delivery[]>
  clear(): Promise<void>
  /** Resolves when every delivery under way has finished (tests, shutdown). */
  settled(): Promise<void>
}

// Unref'd: a retry waiting for its turn never keeps a closing process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())

/** The back-channel: `POST {revoke_uri}` with `{"id": "<token id>"}`, retried with backoff, never blocking a request. */
export function createDeliveries (deps: { store: Store, clock: Clock, policy?: DeliveryPolicy }): Deliveries {
  const policy = deps.policy ?? DEFAULT_DELIVERY_POLICY
  const list = deps.store.list<Delivery>('deliveries', DELIVERY_CAP)
  const underWay = new Set<Promise<void>>()
  const ids = deps.store.counter('delivery-ids')

  const update = (id: number, change: (d: Delivery) => Delivery) => list.takeFirst((d) => d.id === id, change)

  async function attempt (delivery: Delivery): Promise<{ status?: number, error?: string }> {
    try {
      const res = await fetch(delivery.target, {
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

  async function deliver (delivery: Delivery): Promise<void> {
    for (let n = 0; n < policy.attempts; n++) {
      if (n > 0) await sleep(policy.backoffMs * 2 ** (n - 1))
      const at = new Date(deps.clock.now()).toISOString()
      const result = await attempt(delivery)
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300
      const last = ok || n === policy.attempts - 1
      await update(delivery.id, (d) => ({
        ...d,
        attempts: [...d.attempts, { at, ...result }],
        outcome: ok ? 'delivered' : last ? 'failed' : 'pending'
      }))
      if (ok) return
    }
  }

  return {
    policy,
    async send (input) {
      const delivery: Delivery = { id: await ids.add(1), ...input, outcome: 'pending', attempts: [] }
      await list.push(delivery)
      // A store lost mid-way (Redis gone) leaves the record pending: nothing else to tell, nobody to throw at.
      const running = deliver(delivery).catch(() => {}).finally(() => underWay.delete(running))
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
    }
  }
}
