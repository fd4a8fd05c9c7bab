import type { FastifyInstance } from 'fastify'
import { GRANTS } from '../../../src/domain/grants.js'
import type { TrackOidc } from '../../../src/domain/tracks.js'
import { DEMO, KITAP, authorizeBody } from '../app.js'
import { AIGERIM, DANIYAR } from '../flow.js'
import { CALLBACK, CHALLENGE, NONCE, STATE } from '../oidc.js'
import type { Bait } from './req.js'

/**
 * The records requests may name, planted straight through the domain (fast, and no request to
 * check): only those missing or used up since the last time, so a run costs what it consumed.
 */
export async function plant (app: FastifyInstance, old: Partial<Bait> = {}): Promise<Bait> {
  const { tracks, login, tokens, kyc, clock, ids, store } = app.sandbox
  const grants = [...GRANTS]
  const issue = (oidc?: TrackOidc) =>
    tracks.issue({ clientId: DEMO.id, redirectUri: oidc === undefined ? authorizeBody.redirect_uri : CALLBACK, grants, oidc })
  const signedIn = async (oidc?: TrackOidc) => {
    const track = await issue(oidc)
    await login.signIn(track.track_id, { userId: AIGERIM })
    return track.track_id
  }
  const codeOf = async (trackId: string) => {
    const back = new URL(await login.consent(trackId, 'allow')).searchParams
    return back.get('authorization_code') ?? back.get('code')!
  }
  const pair = (clientId: string, userId: string, granted: typeof grants) =>
    tokens.issue({ client_id: clientId, user_id: userId, track_id: bait.usedTrack!, grants: granted })
  const live = async (collection: string, key: string | undefined) => key !== undefined && await store.collection(collection).get(key) !== undefined
  const trackIn = async (id: string | undefined, expired: boolean, ...states: string[]) => {
    const track = id === undefined ? undefined : await tracks.find(id)
    return track !== undefined && tracks.isExpired(track) === expired && (states.length === 0 || states.includes(track.state))
  }
  const bait = { ...old }
  if (!await trackIn(old.expiredTrack, true)) {
    const now = clock.now()
    await clock.set(now - 11 * 60_000)
    bait.expiredTrack = (await issue()).track_id
    await clock.set(now)
  }
  if (!await trackIn(old.usedTrack, false, 'code_issued', 'exchanged', 'denied')) {
    bait.usedTrack = await signedIn()
    await codeOf(bait.usedTrack)
  }
  if (!await trackIn(old.track, false, 'issued', 'opened')) bait.track = (await issue()).track_id
  if (!await trackIn(old.signedIn, false, 'signed_in')) bait.signedIn = await signedIn()
  if (!await live('codes', old.code)) bait.code = await codeOf(await signedIn())
  if (!await live('codes', old.oidcCode)) bait.oidcCode = await codeOf(await signedIn({ state: STATE, nonce: NONCE, code_challenge: CHALLENGE }))
  if (!await live('access_tokens', old.access) || !await live('refresh_tokens', old.refresh)) {
    const full = await pair(DEMO.id, AIGERIM, grants)
    Object.assign(bait, { access: full.access_token, refresh: full.refresh_token })
  }
  if (!await live('access_tokens', old.plainAccess)) bait.plainAccess = (await pair(KITAP.id, DANIYAR, ['read.email'])).access_token
  if (!await live('refresh_tokens', old.oidcRefresh)) bait.oidcRefresh = (await pair(DEMO.id, AIGERIM, grants)).refresh_token
  if (!await live('kyc_requests', old.kyc === undefined ? undefined : `${DEMO.id}:${old.kyc}`)) {
    bait.kyc = await ids.uuidv4()
    await kyc.submit({ client_id: DEMO.id, user_id: AIGERIM, request_id: bait.kyc, grants, behaviour: undefined })
  }
  return bait as Bait
}

/** Every stored record behind a set of bait, exactly as stored. */
export async function recordsOf (app: FastifyInstance, bait: Bait) {
  const get = (collection: string, key: string) => app.sandbox.store.collection(collection).get(key)
  return {
    tracks: await Promise.all([bait.track, bait.signedIn, bait.usedTrack, bait.expiredTrack].map((id) => get('tracks', id))),
    codes: await Promise.all([bait.code, bait.oidcCode].map((code) => get('codes', code))),
    access: await Promise.all([bait.access, bait.plainAccess].map((token) => get('access_tokens', token))),
    refresh: await Promise.all([bait.refresh, bait.oidcRefresh].map((token) => get('refresh_tokens', token))),
    kyc: await get('kyc_requests', `${DEMO.id}:${bait.kyc}`)
  }
}
