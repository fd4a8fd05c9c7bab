import { OAUTH_TOKEN, describe, groupBy, isTokenPost, trackIds } from '../seen.js'
import type { RawFinding, Rule, SeenRequest, Snapshot } from '../types.js'

/** Retries of one call this close together (real time) are a storm. */
export const STORM_WINDOW_MS = 1000
/** And this many of them in the window. */
export const STORM_RETRIES = 3

/** A 5xx, a dropped connection: what a client should retry. */
const failed = (r: SeenRequest): boolean => r.entry.fault !== undefined && (r.entry.fault.drop === true || (r.entry.fault.status ?? 0) >= 500)
const faulted = (r: SeenRequest): boolean => failed(r) || (r.entry.fault?.delay_ms !== undefined && r.entry.fault.status === undefined)

/** Each faulted call (the first of a run of faulted attempts) with the calls of the same client to the same route after it. */
function faultsWithRetries (s: Snapshot): Array<{ fault: SeenRequest, retries: SeenRequest[] }> {
  const out: Array<{ fault: SeenRequest, retries: SeenRequest[] }> = []
  for (const calls of groupBy(s.requests, (r) => r.clientId === undefined ? undefined : `${r.clientId} ${r.route}`).values()) {
    calls.forEach((call, i) => {
      if (faulted(call) && (i === 0 || !faulted(calls[i - 1]!))) out.push({ fault: call, retries: calls.slice(i + 1) })
    })
  }
  return out
}

const finding = (fault: SeenRequest, summary: string, retries: SeenRequest[] = []): RawFinding => ({
  client_id: fault.clientId!,
  summary,
  entries: [fault, ...retries].slice(0, 20),
  track_ids: trackIds([fault, ...retries])
})

const what = (r: SeenRequest): string => r.entry.fault?.drop === true ? 'a dropped connection' : r.entry.fault?.status === undefined ? `a ${r.entry.fault?.delay_ms} ms delay` : `an injected ${r.entry.fault.status}`

export const faultNoRetry: Rule = {
  id: 'fault-no-retry',
  severity: 'warning',
  title: 'A failed call was never retried',
  why: 'Any network call to passport.freedompay.kz can meet a 5xx or a reset connection; a merchant that gives up at once turns a passing blip into a failed sign-in (a code, still valid for minutes, can be exchanged again after a 5xx).',
  fix: 'Retry idempotent steps and a code exchange that got no answer a few times with exponential backoff (for instance 0.5 s, 1 s, 2 s), then show a clear error.',
  evaluate: (s) => faultsWithRetries(s).filter(({ fault, retries }) => failed(fault) && retries.length === 0)
    .map(({ fault }) => finding(fault, `${describe(fault)} with ${what(fault)}, and the call was never made again`))
}

export const faultRetryStorm: Rule = {
  id: 'fault-retry-storm',
  severity: 'warning',
  title: 'A failed call was retried in a storm, without backoff',
  why: `Retrying at once, many times, makes an outage worse and gets a client rate-limited; ${STORM_RETRIES} or more retries within ${STORM_WINDOW_MS / 1000} s of a failure is no backoff at all.`,
  fix: 'Wait between retries and double the wait each time (exponential backoff with jitter), and stop after a few attempts.',
  evaluate: (s) => faultsWithRetries(s).flatMap(({ fault, retries }) => {
    const storm = retries.filter((r) => r.realAt - fault.realAt < STORM_WINDOW_MS)
    return storm.length < STORM_RETRIES ? [] : [finding(fault, `${describe(fault)} with ${what(fault)}; ${storm.length} retries followed within ${STORM_WINDOW_MS} ms (real time)`, storm)]
  })
}

const ONE_TIME = (r: SeenRequest): boolean => isTokenPost(r) || (r.entry.method === 'PATCH' && r.entry.path === OAUTH_TOKEN)
const SPENT = new Set(['code_reused', 'rotated_refresh'])

export const faultBlindRepeat: Rule = {
  id: 'fault-blind-repeat',
  severity: 'error',
  title: 'A one-time step was repeated blindly after a fault',
  why: 'A code exchange or a refresh spends its credential when Freedom ID handles it, even if the answer never reaches the merchant (a timeout). Repeating the call with the same code or refresh token is then refused: the sign-in or the session is lost.',
  fix: 'After a timeout on a refresh, do not replay the old refresh token blindly: serialise refreshes and, if the retry is refused, start a new sign-in; treat a refused code exchange after a timeout as "sign in again", not as an error page.',
  evaluate: (s) => faultsWithRetries(s).flatMap(({ fault, retries }) => {
    const next = retries[0]
    if (!ONE_TIME(fault) || next === undefined) return []
    const refused = [fault, next].find((r) => SPENT.has(r.entry.facts?.credential ?? ''))
    return refused === undefined ? [] : [finding(fault, `${describe(fault)} with ${what(fault)}; it was made again and ${describe(refused)}: the credential had been spent`, [next])]
  })
}

export const faultRules = [faultNoRetry, faultRetryStorm, faultBlindRepeat]
