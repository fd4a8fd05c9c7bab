import { GRANTS } from '../../grants.js'
import { AUTHORIZE, GET_PROFILE, OPENID, USER, USERINFO, bodyField, describe, groupBy, isTokenPost, perRequest, queryString } from '../seen.js'
import type { RawFinding, Rule, SeenRequest, Snapshot } from '../types.js'

/** The user fields the grants release: read.<field>, read.profile and openid aside. */
export const USER_FIELDS = GRANTS.filter((g) => g.startsWith('read.') && g !== 'read.profile').map((g) => g.slice(5))

/** The grants a sign-in asked for: the authorize body's, or the /openid scope's. */
function grantsAsked (r: SeenRequest): string[] | undefined {
  if (r.route === AUTHORIZE && r.entry.status === 200) {
    const grants = bodyField(r.entry, 'grants')
    /* c8 ignore next: validated grant names, unless the body was over 16 KiB and the journal kept its text */
    return Array.isArray(grants) ? grants as string[] : undefined
  }
  if (r.route === OPENID && r.entry.status < 400) return queryString(r.entry, 'scope')?.split(/\s+/).filter((g) => g !== '')
  return undefined
}

/** Each started sign-in (with its track) and the grants it asked for. */
const signIns = (s: Snapshot) => s.requests.flatMap((r) => {
  const grants = grantsAsked(r)
  return grants === undefined || r.entry.track_id === undefined || r.clientId === undefined ? [] : [{ request: r, grants, track: r.entry.track_id }]
})

const cap = <T>(items: T[]): T[] => items.slice(0, 20)

export const grantsUnused: Rule = {
  id: 'grants-unused',
  severity: 'warning',
  title: 'Grants were asked for and never used',
  why: 'Every grant is shown to the user on Freedom ID\'s consent screen; asking for data the service never reads makes users refuse, and Freedom ID support reviews which grants a partner needs.',
  fix: 'Ask only for the grants whose fields (GET /api/v1/oauth/user) or KYC profile (read.profile: POST /api/v1/oauth/get-profile) the service reads.',
  evaluate (s) {
    const exchanged = new Set(s.requests.filter((r) => isTokenPost(r) && r.entry.status === 200).map((r) => r.entry.track_id))
    const fieldsRead = new Set(s.requests.filter((r) => (r.route === USER || r.route === USERINFO) && r.entry.status === 200).map((r) => r.entry.track_id))
    const profileAsked = new Set(s.requests.filter((r) => r.route === GET_PROFILE).map((r) => r.entry.track_id))
    const findings: RawFinding[] = []
    for (const [clientId, started] of groupBy(signIns(s).filter((x) => exchanged.has(x.track)), (x) => x.request.clientId).entries()) {
      const used = (grant: string) => grant === 'openid' || started.some((x) => (grant === 'read.profile' ? profileAsked : fieldsRead).has(x.track))
      const unused = [...new Set(started.flatMap((x) => x.grants))].filter((g) => !used(g))
      if (unused.length === 0) continue
      findings.push({
        client_id: clientId,
        summary: `${unused.join(', ')} asked for on ${started.length} sign-in(s) that got tokens, and never used: ${unused.includes('read.profile') ? 'get-profile was never called' : 'user data was never asked for'}${unused.includes('read.profile') && unused.length > 1 ? ', nor user data' : ''}`,
        entries: cap(started.map((x) => x.request)),
        track_ids: cap(started.map((x) => x.track))
      })
    }
    return findings
  }
}

export const fieldsNotGranted: Rule = {
  id: 'fields-not-granted',
  severity: 'error',
  title: 'Data was expected that the grants asked for do not cover',
  why: 'Freedom ID releases only the fields of the grants the user consented to and leaves the others out of the user data; get-profile answers "rejected" without read.profile. Code that reads a field it did not ask for gets nothing.',
  fix: 'Add the grant of every field the service reads (read.<field>, read.profile for KYC) to the authorize grants or the /openid scope.',
  evaluate (s) {
    const rejected = perRequest(s.requests, (r) => r.route === GET_PROFILE && (r.entry.response.body as { status?: unknown } | undefined)?.status === 'rejected',
      (r) => `${describe(r)} "rejected": its sign-in did not ask for read.profile`)
    if (s.expected.length === 0) return rejected
    const missing = signIns(s).flatMap((x) => {
      const absent = s.expected.filter((field) => !x.grants.includes(`read.${field}`))
      return absent.length === 0 ? [] : [{ ...x, absent }]
    })
    return [...rejected, ...[...groupBy(missing, (x) => x.request.clientId).entries()].map(([clientId, list]) => ({
      client_id: clientId,
      summary: `${list.length} sign-in(s) did not ask for the grants of expected fields: ${[...new Set(list.flatMap((x) => x.absent))].map((f) => `${f} (read.${f})`).join(', ')}`,
      entries: cap(list.map((x) => x.request)),
      track_ids: cap(list.map((x) => x.track))
    }))]
  }
}

export const grantRules = [grantsUnused, fieldsNotGranted]
