import { Type, type Static } from '@sinclair/typebox'
import type { Clock } from './clock.js'
import { GrantSchema, type Grant } from './grants.js'
import type { Ids } from './ids.js'
import type { Store, Transaction } from './store.js'

/**
 * A track is one login attempt: what `POST /api/v1/oauth/authorize` (or `GET /openid`) creates and the login page
 * (`/login?track_id=`) walks through: issued -> opened -> signed_in -> code_issued -> exchanged,
 * or denied; expired is a matter of time, not of state.
 */
export const TRACK_STATES = ['issued', 'opened', 'signed_in', 'code_issued', 'exchanged', 'denied'] as const
export type TrackState = typeof TRACK_STATES[number]

/** States in which the login link has done its job and cannot be used again. */
export const FINISHED_STATES: ReadonlySet<TrackState> = new Set(['code_issued', 'exchanged', 'denied'])

/** What an OIDC track (from `GET /openid`) carries besides an OAuth2 track's fields. */
export const TrackOidcSchema = Type.Object({
  state: Type.String({ description: 'The merchant\'s state, echoed on the redirect' }),
  nonce: Type.String({ description: 'Echoed in the id_token' }),
  code_challenge: Type.Optional(Type.String({ description: 'PKCE S256 challenge; the token request must then send the code_verifier' })),
  login_hint: Type.Optional(Type.String({ description: 'Prefills the login field of the sign-in page' })),
  auth_time: Type.Optional(Type.Integer({ description: 'Once signed in: when (unix seconds), the id_token\'s auth_time' }))
})

export type TrackOidc = Static<typeof TrackOidcSchema>

export const TrackSchema = Type.Object({
  track_id: Type.String({ format: 'uuid' }),
  client_id: Type.String(),
  redirect_uri: Type.String(),
  grants: Type.Array(GrantSchema),
  state: Type.Union(TRACK_STATES.map((s) => Type.Literal(s))),
  user_id: Type.Optional(Type.String({ description: 'who signed in, once someone has' })),
  kind: Type.Optional(Type.Literal('oidc', { description: 'oidc for a track from GET /openid; absent for the OAuth2 flow' })),
  oidc: Type.Optional(TrackOidcSchema),
  created_at: Type.String({ description: 'ISO 8601 instant' }),
  expires_at: Type.String({ description: 'ISO 8601 instant' })
})

export type Track = Static<typeof TrackSchema>

/** How long a record stays known after it expired, so the login page can say "expired" rather than "unknown". */
export const EXPIRED_RETENTION_MS = 60 * 60 * 1000

export interface TrackService {
  /** An OAuth2 track, or with `oidc` an OIDC one (its consent redirects with `code` and `state`). */
  issue(input: { clientId: string, redirectUri: string, grants: Grant[], oidc?: TrackOidc }): Promise<Track>
  find(trackId: string): Promise<Track | undefined>
  /** Stores a changed track under the same expiry. */
  save(track: Track): Promise<void>
  /** The track, as a transition reads it. */
  findIn(tx: Transaction, trackId: string): Promise<Track | undefined>
  /** Stores a changed track under the same expiry, with the rest of the transition. */
  saveIn(tx: Transaction, track: Track): void
  isExpired(track: Track): boolean
}

/** What a new track is made of; the builder turns it into the stored record. */
export interface NewTrack {
  trackId: string
  clientId: string
  redirectUri: string
  grants: Grant[]
  oidc?: TrackOidc
  createdAtMs: number
  expiresAtMs: number
}

export type TrackBuilder = (fields: NewTrack) => Track

/** Distinct grant lists a builder shares by default. */
const GRANT_LISTS_KEPT = 1_000

/**
 * Builds new tracks so that tracks under load share what they can (docs/performance.md): the
 * grants without repeats as one frozen array per distinct list (a merchant asks for a handful;
 * the first `listsKept` lists are shared, any further ones copied per track), and the timestamp
 * strings of tracks issued in the same millisecond. One per sandbox, given to its track service.
 */
export function createTrackBuilder (listsKept = GRANT_LISTS_KEPT): TrackBuilder {
  const lists = new Map<string, Grant[]>()
  const grantList = (grants: Grant[]): Grant[] => {
    const key = grants.join(' ')
    let list = lists.get(key)
    if (list === undefined) {
      list = Object.freeze([...new Set(grants)]) as Grant[]
      if (lists.size < listsKept) lists.set(key, list)
    }
    return list
  }
  const createdIso = isoStrings()
  const expiresIso = isoStrings()
  return ({ trackId, clientId, redirectUri, grants, oidc, createdAtMs, expiresAtMs }) => ({
    track_id: trackId,
    client_id: clientId,
    redirect_uri: redirectUri,
    grants: grantList(grants),
    state: 'issued',
    ...(oidc === undefined ? {} : { kind: 'oidc' as const, oidc }),
    created_at: createdIso(createdAtMs),
    expires_at: expiresIso(expiresAtMs)
  })
}

/** `new Date(ms).toISOString()`, remembering the last instant. */
function isoStrings (): (ms: number) => string {
  let lastMs = NaN
  let last = ''
  return (ms) => ms === lastMs ? last : (last = new Date(lastMs = ms).toISOString())
}

const TRACKS = 'tracks'
const keptUntil = (track: Track): number => Date.parse(track.expires_at) + EXPIRED_RETENTION_MS

export function createTrackService (deps: { store: Store, clock: Clock, ids: Ids, ttlSeconds: number, build: TrackBuilder }): TrackService {
  const tracks = deps.store.collection<Track>(TRACKS)
  const save = (track: Track) => tracks.put(track.track_id, track, keptUntil(track))
  return {
    async issue ({ clientId, redirectUri, grants, oidc }) {
      const createdAtMs = deps.clock.now()
      const trackId = await deps.ids.uuidv4()
      // Named fields, not a spread of the input, which V8 builds slowly here (docs/performance.md).
      const track = deps.build({ trackId, clientId, redirectUri, grants, oidc, createdAtMs, expiresAtMs: createdAtMs + deps.ttlSeconds * 1000 })
      await save(track)
      return track
    },
    find: (trackId) => tracks.get(trackId),
    save,
    findIn: (tx, trackId) => tx.get<Track>(TRACKS, trackId),
    saveIn (tx, track) { tx.put(TRACKS, track.track_id, track, keptUntil(track)) },
    isExpired: (track) => Date.parse(track.expires_at) <= deps.clock.now()
  }
}
