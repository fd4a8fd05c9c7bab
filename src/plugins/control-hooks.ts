import { STATUS_CODES } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Lifecycle } from '../context.js'
import type { Fault } from '../domain/faults.js'
import { journalBody, journalResponse, journalTrackId, redactHeaders } from '../domain/journal.js'
import { StoreUnavailableError } from '../domain/store.js'
import { ERRORS, codeFor, envelope } from '../errors.js'
import { sendJson } from './error-handler.js'
import { factsOf } from '../http/journal-facts.js'

// A fault's delay (up to a minute) is drained like any request in flight when its sandbox closes,
// and ends once it has closed, so nothing keeps the process waiting. Otherwise a delayed request
// runs on after its delay, as a server goes on after its client gave up.
const delay = (ms: number, { waits }: Lifecycle): Promise<unknown> => sleep(ms, undefined, { signal: waits.signal }).catch(() => undefined)

/** No answer: the response's destroy cuts the connection, and fails an inject() as a reset would. */
function cut (reply: FastifyReply): FastifyReply {
  reply.hijack()
  reply.raw.destroy()
  return reply
}

/** A lost store is told once per outage by the store itself, not once per request. */
function notJournaled (request: FastifyRequest, err: unknown): void {
  if (err instanceof StoreUnavailableError) request.log.debug({ reason: err.message }, 'request not journaled')
  else request.log.warn({ err }, 'request not journaled')
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The track a request concerns, when a route knows it (the journal records it). */
    trackId?: string
    /** The fault this request was given, if any. */
    fault?: Fault
    /** The client closed the connection before the answer. */
    aborted?: true
  }
}

/** The control API, probes and static assets are neither journaled nor faulted. */
const UNTOUCHED = /^\/(__sandbox(\/|$)|health$|ready$|openapi\.json$|login\/assets\/)/

// request.url is the normalised target (normalize-url.ts): the path routing took.
const pathOf = (request: FastifyRequest): string => request.url.split('?', 1)[0]!
/** What the request is, as routing decided: its route's pattern, or (no route) its path. */
const routeOf = (request: FastifyRequest): string => request.routeOptions.url ?? pathOf(request)

/** The provider's envelope for any status a fault asks for: the API's first error of that status, else Node's reason phrase. */
export function faultBody (status: number): unknown {
  const known = Object.values(ERRORS).find((e) => e.status === status)
  return envelope(known?.message ?? `${STATUS_CODES[status] ?? 'Error'}.`, known?.code ?? codeFor(status))
}

function parsedResponse (payload: unknown, contentType: unknown): unknown {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return undefined
  return journalResponse(payload.toString(), String(contentType).startsWith('application/json'))
}

/** When a journaled request arrived: on the sandbox's clock, in real time, and for its duration. */
interface Arrival { sandbox: number, real: number, started: number }

/** Queued faults (`POST /__sandbox/faults`) and the request journal (`GET /__sandbox/requests`). */
async function controlHooks (app: FastifyInstance): Promise<void> {
  const arrived = new WeakMap<FastifyRequest, Arrival>()
  const responses = new WeakMap<FastifyRequest, unknown>()

  const record = async (request: FastifyRequest, arrival: Arrival, status: number, durationMs: number, responseBody: unknown) => request.sandbox.journal.record({
    time: new Date(arrival.sandbox).toISOString(),
    real_time: new Date(arrival.real).toISOString(),
    method: request.method,
    path: pathOf(request),
    query: request.query as Record<string, unknown>,
    status,
    duration_ms: Math.round(durationMs * 100) / 100,
    client_id: request.caller?.client_id,
    track_id: journalTrackId(request.trackId, (request.query as { track_id?: unknown }).track_id, (request.body as { track_id?: unknown } | undefined)?.track_id),
    request: { headers: redactHeaders(request.headers), body: journalBody(request.body) },
    response: { body: responseBody },
    fault: request.fault === undefined ? undefined : { id: request.fault.id, status: request.fault.status, delay_ms: request.fault.delay_ms, drop: request.fault.drop },
    facts: await factsOf(request, routeOf(request), status, request.sandbox)
  })

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const { faults, journal, clock } = request.sandbox
    if (!journal.enabled && faults.idle()) return
    if (UNTOUCHED.test(routeOf(request))) return
    const arrival = journal.enabled ? { sandbox: clock.now(), real: clock.real(), started: performance.now() } : undefined
    if (arrival !== undefined) arrived.set(request, arrival)
    const fault = await faults.consume(request.method, [pathOf(request), request.routeOptions.url ?? ''])
    if (fault === undefined) return
    request.fault = fault
    if (fault.delay_ms !== undefined) await delay(fault.delay_ms, request.sandbox.lifecycle)
    // Its sandbox closed meanwhile: nothing of it is left to answer with.
    if (request.sandbox.lifecycle.waits.signal.aborted) return cut(reply)
    if (fault.drop === true) {
      if (arrival !== undefined) {
        await record(request, arrival, 0, reply.elapsedTime, undefined)
        // Recorded as dropped: the connection's close is no client giving up.
        arrived.delete(request)
      }
      return cut(reply)
    }
    if (fault.status !== undefined) return sendJson(reply, fault.status, fault.body ?? faultBody(fault.status))
  })

  // What follows keeps the journal: nothing to do for a request that arrived unjournaled.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (arrived.has(request)) responses.set(request, parsedResponse(payload, reply.getHeader('content-type')))
    done(null, payload)
  })
  // A client that gives up (its timeout, during a fault's delay) gets no answer and no onResponse: its entry is written now, status 0.
  app.addHook('onRequestAbort', async (request) => {
    const arrival = arrived.get(request)
    if (arrival === undefined) return
    request.aborted = true
    await record(request, arrival, 0, performance.now() - arrival.started, undefined).catch((err: unknown) => notJournaled(request, err))
    arrived.delete(request)
  })
  app.addHook('onResponse', async (request, reply) => {
    // The answer has gone out: a journal the store cannot take (Redis lost) costs the entry, not the request.
    const arrival = arrived.get(request)
    if (arrival !== undefined) await record(request, arrival, reply.statusCode, reply.elapsedTime, responses.get(request)).catch((err: unknown) => notJournaled(request, err))
  })
}

export default fp(controlHooks, { name: 'control-hooks', fastify: '5.x' })
