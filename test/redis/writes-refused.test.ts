import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { testApp } from '../helpers/app.js'
import { AIGERIM, approve, consent, exchange, refresh, signIn, userData, authorize } from '../helpers/flow.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/**
 * A real Redis that refuses writes (maxmemory reached, noeviction), as a full Redis does: every
 * step that cannot store its result answers 503 and consumes nothing, so the same request
 * succeeds once Redis takes writes again.
 */

const redis = await startRedis()
t.teardown(() => redis.stop())
const raw = new Redis(redis.url)
t.teardown(() => raw.quit())

const UNAVAILABLE = { error: { message: 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.', code: 100503 } }

async function refusingWrites<R> (fn: () => Promise<R>): Promise<R> {
  await raw.config('SET', 'maxmemory-policy', 'noeviction')
  await raw.config('SET', 'maxmemory', '1')
  try {
    return await fn()
  } finally {
    await raw.config('SET', 'maxmemory', '0')
  }
}

const sandbox = async (t: Test) => (await testApp(t, { logLevel: 'silent', store: redis.url, storePrefix: uniquePrefix('full') })).app

t.test('the code exchange answers 503 while Redis refuses writes, and the code still exchanges afterwards', async (t) => {
  const app = await sandbox(t)
  const { code, trackId } = await approve(app)
  const refused = await refusingWrites(() => exchange(app, code))
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '1')
  t.same(refused.json(), UNAVAILABLE)
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'code_issued', 'the track untouched')
  const retried = await exchange(app, code)
  t.equal(retried.statusCode, 200, 'the retry exchanges the code')
  t.equal((await userData(app, retried.json().access_token)).json().id, AIGERIM)
  t.equal((await exchange(app, code)).statusCode, 400, 'and then it is used')
})

t.test('a refresh answers 503 while Redis refuses writes, and the old refresh token still refreshes afterwards', async (t) => {
  const app = await sandbox(t)
  const pair = (await exchange(app, (await approve(app)).code)).json()
  const refused = await refusingWrites(() => refresh(app, pair.refresh_token))
  t.equal(refused.statusCode, 503)
  t.same(refused.json(), UNAVAILABLE)
  const retried = await refresh(app, pair.refresh_token)
  t.equal(retried.statusCode, 200, 'the old refresh token is still valid')
  t.not(retried.json().refresh_token, pair.refresh_token)
  t.equal((await refresh(app, pair.refresh_token)).statusCode, 401, 'and then it is used')
})

t.test('sign-in and Allow answer 503 while Redis refuses writes, and work afterwards', async (t) => {
  const app = await sandbox(t)
  const { trackId } = await authorize(app)
  t.equal((await refusingWrites(() => signIn(app, { track_id: trackId, persona: AIGERIM }))).statusCode, 503)
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'issued')
  t.equal((await signIn(app, { track_id: trackId, persona: AIGERIM })).statusCode, 303)
  t.equal((await refusingWrites(() => consent(app, trackId, 'allow'))).statusCode, 503)
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'signed_in')
  const allowed = await consent(app, trackId, 'allow')
  t.equal(allowed.statusCode, 303)
  t.match(allowed.headers.location, /^https:\/\/shop\.example\/callback\?authorization_code=[A-Za-z0-9]{64}$/)
})

t.test('logout answers 503 while Redis refuses writes; the pair lives until a logout succeeds', async (t) => {
  const app = await sandbox(t)
  const pair = (await exchange(app, (await approve(app)).code)).json()
  const logout = () => app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  t.equal((await refusingWrites(logout)).statusCode, 503)
  t.equal((await userData(app, pair.access_token)).statusCode, 200, 'nothing half-ended')
  const done = await logout()
  t.equal(done.statusCode, 200)
  t.equal(done.json().tokens_ended, 1)
  t.equal((await userData(app, pair.access_token)).statusCode, 401)
})
