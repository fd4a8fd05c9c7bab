import { unixSeconds, type Clock } from './clock.js'
import type { Client } from './fixtures.js'
import type { Grant } from './grants.js'
import type { Ids } from './ids.js'
import type { Store } from './store.js'
import type { UserDirectory } from './users.js'

/**
 * The browser's Freedom ID sign-in, as the real service keeps one ("users who are already signed
 * in see their account and are offered to continue"). Signing in on the login page starts one
 * (a cookie on the sandbox's origin); `prompt=none` reads it to answer without a page; ending the
 * user's session through the control API ends it.
 */

/** How long a sign-in lasts on the sandbox clock. */
export const SIGN_IN_TTL_SECONDS = 24 * 60 * 60

export interface SignInSession {
  user_id: string
  /** When the user signed in, unix seconds: the id_token's `auth_time`. */
  auth_time: number
  /** The user's logout count when it started; a logout since then ends it. */
  epoch: number
}

export interface SignInSessions {
  /** A new sign-in of this user at `authTime` (unix seconds): its id (the cookie's value). */
  start(userId: string, authTime: number): Promise<string>
  /** The live sign-in of this id, if there is one. */
  find(id: string): Promise<SignInSession | undefined>
  /** What the user allowed a client in this sign-in (the latest consent), for `prompt=none`. */
  allowed(id: string, clientId: string): Promise<Grant[]>
  rememberConsent(id: string, clientId: string, grants: Grant[]): Promise<void>
  /** Ends every sign-in of the user (their Freedom ID session ended). */
  endFor(userId: string): Promise<void>
}

export function createSignInSessions (deps: { store: Store, clock: Clock, ids: Ids }): SignInSessions {
  const sessions = deps.store.collection<SignInSession>('sign_in_sessions')
  // One key per sign-in and client: a consent is one put, never a read-modify-write of the sign-in.
  const consents = deps.store.collection<Grant[]>('sign_in_consents')
  const epoch = (userId: string) => deps.store.counter(`sign_in_epoch:${userId}`)
  const expiry = (session: SignInSession) => (session.auth_time + SIGN_IN_TTL_SECONDS) * 1000

  const find: SignInSessions['find'] = async (id) => {
    const session = await sessions.get(id)
    if (session === undefined || session.epoch !== await epoch(session.user_id).get()) return undefined
    return session
  }

  return {
    async start (userId, authTime) {
      const id = await deps.ids.token()
      const session: SignInSession = { user_id: userId, auth_time: authTime, epoch: await epoch(userId).get() }
      await sessions.put(id, session, expiry(session))
      return id
    },
    find,
    async allowed (id, clientId) {
      return await consents.get(`${id}:${clientId}`) ?? []
    },
    async rememberConsent (id, clientId, grants) {
      const session = await find(id)
      if (session !== undefined) await consents.put(`${id}:${clientId}`, grants, expiry(session))
    },
    async endFor (userId) {
      await epoch(userId).add(1)
    }
  }
}

/** What `prompt=none` answers: the sign-in to reuse, or the error OIDC Core 3.1.2.6 names. */
export type Silent =
  | { outcome: 'signed_in', session: SignInSession }
  | { outcome: 'refused', error: 'login_required' | 'consent_required', description: string }

/**
 * `prompt=none`: a code without any page, only for a browser already signed in (recently enough
 * for max_age, as the login_hint's user) that already allowed this client these grants.
 */
export async function silentSignIn (deps: { sessions: SignInSessions, users: UserDirectory, clock: Clock }, input: {
  sessionId: string | undefined
  client: Client
  grants: Grant[]
  maxAge?: number
  loginHint?: string
}): Promise<Silent> {
  const refused = (error: 'login_required' | 'consent_required', description: string): Silent => ({ outcome: 'refused', error, description })
  const session = input.sessionId === undefined ? undefined : await deps.sessions.find(input.sessionId)
  if (session === undefined) return refused('login_required', 'Nobody is signed in to Freedom ID in this browser (prompt=none).')
  if (input.maxAge !== undefined && unixSeconds(deps.clock.now()) - session.auth_time > input.maxAge) {
    return refused('login_required', `The sign-in is older than max_age (${input.maxAge} s).`)
  }
  if (input.loginHint !== undefined && (await deps.users.find(input.loginHint))?.id !== session.user_id) {
    return refused('login_required', 'The login_hint names someone other than the user signed in.')
  }
  const allowed = await deps.sessions.allowed(input.sessionId!, input.client.client_id)
  const missing = input.grants.filter((grant) => !allowed.includes(grant))
  if (missing.length > 0) return refused('consent_required', `The user has not allowed ${input.client.name}: ${missing.join(', ')}.`)
  return { outcome: 'signed_in', session }
}
