import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Grant } from '../../src/domain/grants.js'
import { DEMO, DEMO_AUTH, authorizeBody } from '../helpers/app.js'
import { AIGERIM, DANIYAR, approve, authorize, consent, exchange, refresh, signIn, userData } from '../helpers/flow.js'
import { describe, race, replicas } from '../helpers/race.js'
import { startRedis } from '../helpers/redis.js'

/**
 * Every transition that reads then writes, raced by two replicas on one real Redis: two requests
 * at once, each at its own replica, 200 rounds each on fresh state. Exactly one wins, and the
 * state afterwards is the winner's.
 */

const TRIES = Number(process.env.RACE_TRIES ?? 200)
// About 25 s on a quiet machine: room for a loaded one.
t.setTimeout(90_000)

const redis = await startRedis()
t.teardown(() => redis.stop())

const codeOf = (res: LightMyRequestResponse): string | null =>
  res.statusCode === 303 ? new URL(res.headers.location as string).searchParams.get('authorization_code') : null
const trackOf = async (app: FastifyInstance, trackId: string) => (await app.inject({ url: `/__sandbox/tracks/${trackId}` })).json()
const deny = (app: FastifyInstance, trackId: string) => app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/deny` })
const approveAs = (app: FastifyInstance, trackId: string, user: string) =>
  app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user } })
// Setups go through the domain, not HTTP: the rounds are many, and only the race is under test.
const newTrack = async (app: FastifyInstance): Promise<string> =>
  (await app.sandbox.tracks.issue({ clientId: DEMO.id, redirectUri: authorizeBody.redirect_uri, grants: authorizeBody.grants as Grant[] })).track_id
const signedInTrack = async (app: FastifyInstance): Promise<string> => {
  const trackId = await newTrack(app)
  await app.sandbox.login.signIn(trackId, { userId: AIGERIM })
  return trackId
}
const newCode = async (app: FastifyInstance): Promise<string> =>
  new URL(await app.sandbox.login.approve(await newTrack(app), AIGERIM)).searchParams.get('authorization_code')!
const newPair = async (app: FastifyInstance) => (await app.sandbox.codeExchange.exchange(await newCode(app), DEMO.id, 'oauth2')).pair
const outcome = (...answers: LightMyRequestResponse[]) => answers.map((res) => `${res.statusCode} ${res.headers.location ?? res.body.slice(0, 60)}`).join(' | ')

t.test('Allow pressed twice on one track: one code, and only it exchanges', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    setup: () => signedInTrack(a),
    first: (trackId) => consent(a, trackId, 'allow'),
    second: (trackId) => consent(b, trackId, 'allow'),
    async judge (_trackId, first, second) {
      const codes = [codeOf(first), codeOf(second)].filter((code) => code !== null)
      if (codes.length !== 1) return `${codes.length} codes: ${outcome(first, second)}`
      const loser = codeOf(first) === null ? first : second
      if (loser.statusCode !== 409) return `the other answered ${loser.statusCode}`
      if ((await exchange(b, codes[0]!)).statusCode !== 200) return 'the one code did not exchange'
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('Allow racing Deny: one wins; a denied track\'s code, if any, never exchanges', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    setup: () => signedInTrack(a),
    first: (trackId) => consent(a, trackId, 'allow'),
    second: (trackId) => consent(b, trackId, 'deny'),
    async judge (trackId, allowed, denied) {
      const winners = [allowed, denied].filter((res) => res.statusCode === 303)
      if (winners.length !== 1) return `${winners.length} winners: ${outcome(allowed, denied)}`
      const { state } = await trackOf(b, trackId)
      const code = codeOf(allowed)
      if (code === null) return state === 'denied' ? undefined : `denied, yet the track is ${state}`
      if (state !== 'code_issued') return `allowed, yet the track is ${state}`
      if ((await exchange(b, code)).statusCode !== 200) return 'the allowed code did not exchange'
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('approve as two users at once: one wins, and its code is for the user it named', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    setup: () => newTrack(a),
    first: (trackId) => approveAs(a, trackId, AIGERIM),
    second: (trackId) => approveAs(b, trackId, DANIYAR),
    async judge (trackId, first, second) {
      const winners = [first, second].filter((res) => res.statusCode === 200)
      if (winners.length !== 1) return `${winners.length} winners: ${outcome(first, second)}`
      const named = first.statusCode === 200 ? AIGERIM : DANIYAR
      const code = new URL(winners[0]!.json().redirect_uri).searchParams.get('authorization_code')!
      const pair = await exchange(b, code)
      if (pair.statusCode !== 200) return `the code answered ${pair.statusCode}`
      const user = (await userData(a, pair.json().access_token)).json().id
      if (user !== named) return `approved as ${named}, the code is ${user}'s`
      if ((await trackOf(a, trackId)).user_id !== named) return 'the track names the other user'
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('sign-in racing Deny: once Deny has answered, the track stays denied', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    setup: () => newTrack(a),
    first: (trackId) => signIn(a, { track_id: trackId, persona: AIGERIM }),
    second: (trackId) => deny(b, trackId),
    async judge (trackId, signedIn, denied) {
      const { state } = await trackOf(a, trackId)
      if (denied.statusCode === 200) return state === 'denied' ? undefined : `denied, yet the track is ${state}: ${outcome(signedIn, denied)}`
      if (signedIn.statusCode !== 303) return `neither won: ${outcome(signedIn, denied)}`
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('opening the login page racing sign-in: the sign-in is never undone', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    setup: async () => authorize(a),
    first: ({ path }) => a.inject({ url: path }),
    second: ({ trackId }) => signIn(b, { track_id: trackId, persona: AIGERIM }),
    async judge ({ trackId }, page, signedIn) {
      if (page.statusCode !== 200 || signedIn.statusCode !== 303) return outcome(page, signedIn)
      const track = await trackOf(a, trackId)
      if (track.state !== 'signed_in' || track.user_id !== AIGERIM) return `signed in, yet the track is ${track.state}`
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('one code exchanged twice: one pair', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    setup: () => newCode(a),
    first: (code) => exchange(a, code),
    second: (code) => exchange(b, code),
    async judge (_code, first, second) {
      const statuses = [first.statusCode, second.statusCode].sort()
      if (statuses[0] !== 200 || statuses[1] !== 400) return outcome(first, second)
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('one refresh token used twice: one new pair', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    setup: async () => (await newPair(a)).refresh_token,
    first: (token) => refresh(a, token),
    second: (token) => refresh(b, token),
    async judge (_token, first, second) {
      const statuses = [first.statusCode, second.statusCode].sort()
      if (statuses[0] !== 200 || statuses[1] !== 401) return outcome(first, second)
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('refresh racing logout: once logout has answered, no pair of the user lives', async (t) => {
  const { a, b } = await replicas(t, redis)
  // One round at a time: a logout ends every pair of the user, other rounds' too.
  const result = await race({
    setup: () => newPair(a),
    first: (pair) => refresh(a, pair.refresh_token),
    second: () => b.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` }),
    async judge (pair, refreshed, loggedOut) {
      if (loggedOut.statusCode !== 200) return `logout answered ${loggedOut.statusCode}`
      const live = [pair.access_token, ...(refreshed.statusCode === 200 ? [refreshed.json().access_token] : [])]
      for (const token of live) {
        if ((await userData(a, token)).statusCode !== 401) return `a pair lives after the logout: ${outcome(refreshed, loggedOut)}`
      }
      if (refreshed.statusCode === 200 && (await refresh(a, refreshed.json().refresh_token)).statusCode !== 401) return 'the new refresh token lives'
    }
  }, TRIES, 1)
  t.equal(result.broken, 0, describe(result))
})

t.test('KYC: one request_id sent twice at once, by two users of one client: both answers are the one request held', async (t) => {
  const { a, b } = await replicas(t, redis)
  const tokenOf = async (persona: string) => {
    const { code } = await approve(a, { body: { redirect_uri: 'https://shop.example/callback', grants: ['read.profile'] }, persona })
    return (await exchange(a, code)).json().access_token as string
  }
  const tokens = { aigerim: await tokenOf(AIGERIM), daniyar: await tokenOf(DANIYAR) }
  const submit = (app: FastifyInstance, token: string, requestId: string) =>
    app.inject({ method: 'POST', url: '/api/v1/oauth/get-profile', headers: { authorization: `Bearer ${token}` }, payload: { request_id: requestId } })
  const result = await race({
    setup: async (i) => `0190a000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    first: (requestId) => submit(a, tokens.aigerim, requestId),
    second: (requestId) => submit(b, tokens.daniyar, requestId),
    async judge (requestId, first, second) {
      if (first.statusCode !== 200 || second.statusCode !== 200) return outcome(first, second)
      const held = (await b.inject({ url: `/api/v1/oauth/get-profile/status?request_id=${requestId}`, headers: { authorization: `Bearer ${tokens.aigerim}` } })).json()
      const ids = [first.json().freedom_id, second.json().freedom_id]
      if (ids[0] !== ids[1]) return `two requests made: ${ids.join(' and ')}`
      if (held.freedom_id !== undefined && held.freedom_id !== ids[0]) return `held for ${held.freedom_id}`
    }
  }, TRIES)
  t.equal(result.broken, 0, describe(result))
})

t.test('provisioning one phone twice at once: one user', async (t) => {
  const { a, b } = await replicas(t, redis)
  const token = (await exchange(a, (await approve(a)).code)).json().access_token as string
  const create = (app: FastifyInstance, phone: string) =>
    app.inject({ method: 'POST', url: '/api/v1/oauth/user', headers: { authorization: `Bearer ${token}` }, payload: { phone } })
  const result = await race({
    setup: async (i) => `+7702${String(1_000_000 + i).slice(1)}`,
    first: (phone) => create(a, phone),
    second: (phone) => create(b, phone),
    async judge (_phone, first, second) {
      const statuses = [first.statusCode, second.statusCode].sort()
      if (statuses[0] !== 200 || statuses[1] !== 422) return outcome(first, second)
    }
    // Four rounds at a time: every creation waits for the one users lock, within LOCK_WAIT (5 s).
  }, TRIES, 4)
  t.equal(result.broken, 0, describe(result))
})

t.test('a fault queued for one call, called on both replicas at once: it hits one', async (t) => {
  const { a, b } = await replicas(t, redis)
  const result = await race({
    async setup () {
      const queued = await a.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /api/v1/oauth/user', status: 502 } })
      if (queued.statusCode !== 201) throw new Error(queued.body)
    },
    first: () => a.inject({ url: '/api/v1/oauth/user' }),
    second: () => b.inject({ url: '/api/v1/oauth/user' }),
    async judge (_state, first, second) {
      const statuses = [first.statusCode, second.statusCode].sort()
      if (statuses[0] !== 401 || statuses[1] !== 502) return outcome(first, second)
    }
  }, TRIES, 1)
  t.equal(result.broken, 0, describe(result))
})

t.test('the demo credentials work on both replicas (the races above use them)', async (t) => {
  const { a, b } = await replicas(t, redis)
  for (const app of [a, b]) t.equal((await app.inject({ method: 'POST', url: '/api/v1/oauth/authorize', headers: { authorization: DEMO_AUTH }, payload: { redirect_uri: 'https://shop.example/callback', grants: ['read.email'] } })).statusCode, 200)
})
