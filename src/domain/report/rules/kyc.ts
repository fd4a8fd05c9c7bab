import { GET_PROFILE, PROFILE_STATUS, bodyField, groupBy, queryString, trackIds } from '../seen.js'
import type { RawFinding, Rule, SeenRequest } from '../types.js'

/** This many status polls of one request within a second (real time) is too many. */
export const POLLS_PER_SECOND = 5

const requestId = (r: SeenRequest): string | undefined => {
  const id = queryString(r.entry, 'request_id') ?? bodyField(r.entry, 'request_id')
  return typeof id === 'string' ? id : undefined
}
const key = (r: SeenRequest): string | undefined => r.clientId === undefined || requestId(r) === undefined ? undefined : `${r.clientId}\n${requestId(r)}`

export const kycPolledTooFast: Rule = {
  id: 'kyc-polled-too-fast',
  severity: 'warning',
  title: 'A KYC status was polled many times a second',
  why: 'A get-profile request moves from accepted to pending to completed over seconds to minutes; polling GET /api/v1/oauth/get-profile/status several times a second only loads Freedom ID and risks being throttled.',
  fix: 'Poll with a growing interval (for instance 1 s, 2 s, 5 s, then every 10 s) until completed, failed or not_found.',
  evaluate: (s) => [...groupBy(s.requests.filter((r) => r.route === PROFILE_STATUS), key).values()].flatMap((polls): RawFinding[] => {
    // The busiest second: polls i..j within one second of poll i.
    let start = 0
    for (let end = 0; end < polls.length; end++) {
      while (polls[end]!.realAt - polls[start]!.realAt >= 1000) start++
      if (end - start + 1 >= POLLS_PER_SECOND) {
        const burst = polls.slice(start, end + 1)
        return [{ client_id: polls[0]!.clientId!, summary: `The status of request ${requestId(polls[0]!)} was polled ${burst.length} times within a second (real time), ${polls.length} times in all`, entries: burst, track_ids: trackIds(burst) }]
      }
    }
    return []
  })
}

export const kycNeverPolled: Rule = {
  id: 'kyc-never-polled',
  severity: 'warning',
  title: 'A KYC request was accepted and its status never asked for',
  why: 'get-profile only answers "accepted"; the profile itself comes from GET /api/v1/oauth/get-profile/status once it is completed, and is kept for 60 minutes (24 h while pending) before it answers not_found.',
  fix: 'After an accepted get-profile, poll the status (with backoff) until completed or failed, and read the profile from it.',
  evaluate (s) {
    const polled = groupBy(s.requests.filter((r) => r.route === PROFILE_STATUS), key)
    return s.requests.filter((r) => r.route === GET_PROFILE && (r.entry.response.body as { status?: unknown } | undefined)?.status === 'accepted' && key(r) !== undefined)
      .filter((r) => !(polled.get(key(r)!) ?? []).some((p) => p.realAt >= r.realAt))
      .map((r) => ({ client_id: r.clientId!, summary: `Request ${requestId(r)} was accepted (entry ${r.entry.id}, ${r.entry.time}) and its status was never asked for`, entries: [r], track_ids: trackIds([r]) }))
  }
}

export const kycRules = [kycPolledTooFast, kycNeverPolled]
