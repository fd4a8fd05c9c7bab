import type { Static } from '@sinclair/typebox'
import type { Delivery } from './domain/deliveries.js'
import type { Fault, FaultInput } from './domain/faults.js'
import type { Grant } from './domain/grants.js'
import type { Inject } from './http/binding.js'
import type { JournalEntry, JournalQuery } from './domain/journal.js'
import type { LoggedOut } from './domain/logout.js'
import type { Report } from './domain/report/types.js'
import type { Track } from './domain/tracks.js'
import type { ProbeReport } from './probes/report.js'
import type { ClockReply } from './routes/sandbox/clock.js'

/** A control call the sandbox refused: its HTTP status and the provider envelope it answered. */
export class SandboxControlError extends Error {
  readonly status: number
  readonly body: unknown

  constructor (status: number, body: unknown) {
    const error = (body as { error?: { message?: string, errors?: Record<string, string[]> } } | undefined)?.error
    // A 422 names each bad field; its message alone ("Error validating transmitted data.") would not.
    const fields = Object.values(error?.errors ?? {}).flat()
    super([error?.message ?? `HTTP ${status}`, ...fields].join(' '))
    this.name = 'SandboxControlError'
    this.status = status
    this.body = body
  }
}

export type ClockState = Static<typeof ClockReply>
export type JournalFilter = { [K in keyof JournalQuery]?: K extends 'status' | 'limit' ? number | string : string }

/** The `/__sandbox` routes as typed methods, with the same names and the same behaviour. */
export interface SandboxControl {
  approve(trackId: string, options: { user: string, grants?: Grant[] }): Promise<{ redirect_uri: string }>
  deny(trackId: string): Promise<{ redirect_uri: string }>
  track(trackId: string): Promise<Track & { expired: boolean }>
  requests(filter?: JournalFilter): Promise<JournalEntry[]>
  clearRequests(): Promise<void>
  addFault(fault: FaultInput): Promise<Fault>
  faults(): Promise<Fault[]>
  clearFaults(): Promise<void>
  clock(): Promise<ClockState>
  /** Jumps to the instant; `freeze` also stops (true) or starts (false) the clock there. */
  setClock(instant: string | Date, options?: { freeze?: boolean }): Promise<ClockState>
  /** Seconds, or a duration such as "15m", "7d"; `freeze` as for setClock. */
  advanceClock(by: number | string, options?: { freeze?: boolean }): Promise<ClockState>
  /** The clock stands still where it is, on every replica, until advanced, set or unfrozen. */
  freezeClock(): Promise<ClockState>
  /** The clock runs on with real time, from where it is. */
  unfreezeClock(): Promise<ClockState>
  reset(): Promise<ClockState>
  /** End a user's Freedom ID session (id, phone or e-mail): tokens die, revoke_uri calls start. */
  logout(user: string): Promise<LoggedOut>
  deliveries(): Promise<Delivery[]>
  /** The relying-party probes against a merchant (POST /__sandbox/probes); `report.passed` is false when any got in. */
  probe(target: ProbeTargetOptions): Promise<ProbeReport>
  /**
   * The integration report (`GET /__sandbox/report`): rules over what the sandbox saw, per client.
   * `expect` names the user fields the merchant reads (sign-ins whose grants miss one are reported).
   */
  report(options?: { format?: 'json', expect?: string[] }): Promise<Report>
  /** The report as JUnit XML or an HTML page. */
  report(options: { format: 'junit' | 'html', expect?: string[] }): Promise<string>
}

export interface ProbeTargetOptions {
  /** The merchant URL that begins a sign-in. */
  start: string
  /** A merchant URL that answers 2xx, without a redirect, only to a signed-in session. */
  signedIn: string
  persona?: string
  only?: string[]
  timeoutMs?: number
}

export function createControl (inject: Inject, token: string | undefined): SandboxControl {
  async function send (method: 'GET' | 'POST' | 'DELETE', path: string, payload?: object) {
    const res = await inject({
      method,
      url: `/__sandbox${path}`,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload })
    })
    if (res.statusCode >= 400) throw new SandboxControlError(res.statusCode, res.json())
    return res
  }
  async function call<T> (method: 'GET' | 'POST' | 'DELETE', path: string, payload?: object): Promise<T> {
    const res = await send(method, path, payload)
    return (res.statusCode === 204 ? undefined : res.json()) as T
  }
  const track = (id: string) => `/tracks/${encodeURIComponent(id)}`
  return {
    approve: (trackId, options) => call('POST', `${track(trackId)}/approve`, options),
    deny: (trackId) => call('POST', `${track(trackId)}/deny`),
    track: (trackId) => call('GET', track(trackId)),
    requests: (filter = {}) => call('GET', `/requests?${new URLSearchParams(Object.entries(filter).map(([k, v]): [string, string] => [k, String(v)]))}`),
    clearRequests: () => call('DELETE', '/requests'),
    addFault: (fault) => call('POST', '/faults', fault),
    faults: () => call('GET', '/faults'),
    clearFaults: () => call('DELETE', '/faults'),
    clock: () => call('GET', '/clock'),
    setClock: (instant, options = {}) => call('POST', '/clock', { set: instant instanceof Date ? instant.toISOString() : instant, ...options }),
    advanceClock: (by, options = {}) => call('POST', '/clock', { advance: by, ...options }),
    freezeClock: () => call('POST', '/clock', { freeze: true }),
    unfreezeClock: () => call('POST', '/clock', { freeze: false }),
    reset: () => call('POST', '/reset'),
    logout: (user) => call('POST', `/users/${encodeURIComponent(user)}/logout`),
    deliveries: () => call('GET', '/deliveries'),
    probe: ({ start, signedIn, persona, only, timeoutMs }) =>
      call('POST', '/probes', { start, signed_in: signedIn, persona, only, timeout_ms: timeoutMs }),
    async report (options: { format?: 'json' | 'junit' | 'html', expect?: string[] } = {}): Promise<never> {
      const query = new URLSearchParams({ format: options.format ?? 'json', ...(options.expect === undefined ? {} : { expect: options.expect.join(',') }) })
      const res = await send('GET', `/report?${query}`)
      return (options.format === 'junit' || options.format === 'html' ? res.body : res.json()) as never
    }
  }
}
