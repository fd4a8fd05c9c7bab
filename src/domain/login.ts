import { unixSeconds, type Clock } from './clock.js'
import type { CodeService } from './codes.js'
import type { User } from './fixtures.js'
import type { Grant } from './grants.js'
import type { Store, Transaction } from './store.js'
import { FINISHED_STATES, type Track, type TrackService } from './tracks.js'
import type { UserDirectory } from './users.js'
import { ERRORS, ProviderError, type LoginFailure } from '../errors.js'

/** What a denied OIDC login carries back, as OIDC clients expect (RFC 6749 section 4.1.2.1). */
export const OIDC_DENIED = { error: 'access_denied', error_description: ERRORS.userDenied.message }

export type { LoginFailure }

/** A failure of the login flow, from the registry; `message`: other words for it (the control API speaks to a test, not to a shopper). */
export class LoginError extends ProviderError {
  readonly kind: LoginFailure

  constructor (kind: LoginFailure, message?: string) {
    super(kind, message)
    this.name = 'LoginError'
    this.kind = kind
  }
}

/** The merchant's URI with parameters appended; a query it already has is kept. */
export function redirectWith (uri: string, params: Record<string, string>): string {
  const url = new URL(uri)
  for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value)
  return url.toString()
}

export type Credentials = { login: string, password: string } | { userId: string }

export interface SignedIn {
  track: Track
  user: User
  /** Set when signing in already ended the login (a persona that always denies). */
  redirect?: string
}

export interface LoginFlow {
  /** The track, if its link can still be used; a LoginError (unknown, expired, used) otherwise. */
  usable(trackId: string): Promise<Track>
  /** Marks an issued track as opened: someone has seen the login page. */
  open(trackId: string): Promise<Track>
  /** On an OIDC track, `authTime` (unix seconds) is when the user signed in: now, unless an earlier sign-in is reused. */
  signIn(trackId: string, credentials: Credentials, authTime?: number): Promise<SignedIn>
  /**
   * Allow (with all asked grants, or a subset) or deny; answers the merchant redirect: with
   * `authorization_code` (or `error_code`), or on an OIDC track with `code` and `state` (or `error`).
   */
  consent(trackId: string, decision: 'allow' | 'deny', grants?: Grant[]): Promise<string>
  /** The user declines at any step before a code exists, signed in or not; answers the deny redirect. */
  deny(trackId: string): Promise<string>
  /**
   * Sign in as `userRef` (id, phone or e-mail) and allow, as one transition: another sign-in or
   * consent meanwhile cannot slip in between, and a refusal (a grant not asked for) changes nothing.
   */
  approve(trackId: string, userRef: string, grants?: Grant[]): Promise<string>
}

export interface LoginDeps {
  store: Store
  tracks: TrackService
  users: UserDirectory
  codes: CodeService
  clock: Clock
}

/*
 * Every step reads the track and writes it back (with a code) in one transition of
 * the store: two replicas given the same track at once never both act on what they read.
 */
export function createLoginFlow (deps: LoginDeps): LoginFlow {
  const { store, tracks, users, codes } = deps

  const check = (track: Track | undefined): Track => {
    if (track === undefined) throw new LoginError('unknown_track')
    if (FINISHED_STATES.has(track.state)) throw new LoginError('used')
    if (tracks.isExpired(track)) throw new LoginError('expired')
    return track
  }
  const usableIn = async (tx: Transaction, trackId: string): Promise<Track> => check(await tracks.findIn(tx, trackId))

  const denyIn = (tx: Transaction, track: Track): string => {
    tracks.saveIn(tx, { ...track, state: 'denied' })
    if (track.oidc !== undefined) return redirectWith(track.redirect_uri, { ...OIDC_DENIED, state: track.oidc.state })
    return redirectWith(track.redirect_uri, { error_code: String(ERRORS.userDenied.code) })
  }

  const lookUp = async (credentials: Credentials): Promise<User> => {
    const user = 'userId' in credentials ? await users.find(credentials.userId) : await users.authenticate(credentials.login, credentials.password)
    if (user === undefined) throw new LoginError('userId' in credentials ? 'unknown_user' : 'wrong_credentials')
    if (user.behaviour === 'locked') throw new LoginError('locked')
    return user
  }
  // The track first: a used link is refused before any credentials are looked at.
  const signInIn = async (tx: Transaction, trackId: string, credentials: Credentials, authTime: number): Promise<SignedIn> => {
    const track = await usableIn(tx, trackId)
    const user = await lookUp(credentials)
    const signedIn: Track = { ...track, state: 'signed_in', user_id: user.id }
    if (track.oidc !== undefined) signedIn.oidc = { ...track.oidc, auth_time: authTime }
    if (user.behaviour === 'deny_consent') return { track: signedIn, user, redirect: denyIn(tx, signedIn) }
    tracks.saveIn(tx, signedIn)
    return { track: signedIn, user }
  }
  const allowIn = async (tx: Transaction, track: Track, grants: Grant[] | undefined): Promise<string> => {
    const given = grants ?? track.grants
    if (given.some((grant) => !track.grants.includes(grant))) throw new LoginError('invalid_grants')
    const { oidc } = track
    const code = await codes.issueIn(tx, {
      track_id: track.track_id,
      client_id: track.client_id,
      user_id: track.user_id!,
      grants: given,
      ...(oidc === undefined ? {} : { oidc: { redirect_uri: track.redirect_uri, nonce: oidc.nonce, code_challenge: oidc.code_challenge, auth_time: oidc.auth_time } })
    })
    tracks.saveIn(tx, { ...track, state: 'code_issued' })
    if (oidc !== undefined) return redirectWith(track.redirect_uri, { code: code.code, state: oidc.state })
    return redirectWith(track.redirect_uri, { authorization_code: code.code })
  }

  return {
    usable: async (trackId) => check(await tracks.find(trackId)),
    deny: (trackId) => store.atomically(async (tx) => denyIn(tx, await usableIn(tx, trackId))),
    open: (trackId) => store.atomically(async (tx) => {
      const track = await usableIn(tx, trackId)
      if (track.state !== 'issued') return track
      const opened: Track = { ...track, state: 'opened' }
      tracks.saveIn(tx, opened)
      return opened
    }),
    async signIn (trackId, credentials, authTime) {
      const at = authTime ?? unixSeconds(deps.clock.now())
      return store.atomically((tx) => signInIn(tx, trackId, credentials, at))
    },
    consent: (trackId, decision, grants) => store.atomically(async (tx) => {
      const track = await usableIn(tx, trackId)
      if (track.state !== 'signed_in' || track.user_id === undefined) throw new LoginError('not_signed_in')
      if (decision === 'deny') return denyIn(tx, track)
      return allowIn(tx, track, grants)
    }),
    async approve (trackId, userRef, grants) {
      const at = unixSeconds(deps.clock.now())
      return store.atomically(async (tx) => {
        const signedIn = await signInIn(tx, trackId, { userId: userRef }, at)
        return signedIn.redirect ?? allowIn(tx, signedIn.track, grants)
      })
    }
  }
}
