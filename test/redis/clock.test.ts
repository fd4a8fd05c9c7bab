import t from 'tap'
import { AUTHORIZE, DEMO_AUTH, authorizeBody, testApp } from '../helpers/app.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/** Two replicas on one real redis-server: one clock, frozen, unfrozen and advanced from either, atomically. */

const redis = await startRedis()
t.teardown(() => redis.stop())

async function replicas (t: Parameters<typeof testApp>[0], more: { clock?: undefined } = {}) {
  const settings = { store: redis.url, storePrefix: uniquePrefix('clock'), ...more }
  const a = await testApp(t, settings)
  const b = await testApp(t, settings)
  return [a.app, b.app] as const
}

type App = Awaited<ReturnType<typeof replicas>>[number]
const clockOf = async (app: App) => (await app.inject({ method: 'GET', url: '/__sandbox/clock' })).json() as { now: string, frozen: boolean }
const post = async (app: App, payload: object) => await app.inject({ method: 'POST', url: '/__sandbox/clock', payload })

t.test('a freeze on one replica is a freeze on the other; so is an unfreeze', async (t) => {
  const [a, b] = await replicas(t)
  t.same((await post(a, { freeze: false })).json().frozen, false)
  await new Promise((resolve) => setTimeout(resolve, 20))
  const running = await clockOf(b)
  t.equal(running.frozen, false, 'B runs the clock A unfroze')
  t.ok(Date.parse(running.now) > Date.parse('2030-01-01T00:00:00.015Z'), `and it has moved (${running.now})`)

  const frozen = (await post(b, { freeze: true })).json()
  t.equal(frozen.frozen, true)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.same(await clockOf(a), frozen, 'A stands still where B froze it')
  t.same(await clockOf(b), frozen)

  t.same((await post(a, { set: '2031-01-01T00:00:00Z', freeze: false })).json().frozen, false)
  t.equal((await clockOf(b)).frozen, false)
  t.same((await a.inject({ method: 'POST', url: '/__sandbox/reset' })).json(), { now: '2030-01-01T00:00:00.000Z', frozen: true })
  t.same(await clockOf(b), { now: '2030-01-01T00:00:00.000Z', frozen: true }, 'a reset on A restores the start on B')
})

t.test('a real-time clock (no CLOCK) frozen on one replica stands still on both, and runs again on both', async (t) => {
  const [a, b] = await replicas(t, { clock: undefined })
  t.equal((await clockOf(b)).frozen, false)
  const frozen = (await post(a, { freeze: true })).json()
  t.ok(Math.abs(Date.parse(frozen.now) - Date.now()) < 5000, `frozen at about real time (${frozen.now})`)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.same(await clockOf(b), frozen)
  t.equal((await post(b, { advance: '1d', freeze: false })).json().frozen, false)
  const running = await clockOf(a)
  t.equal(running.frozen, false)
  t.ok(Date.parse(running.now) - Date.parse(frozen.now) >= 86_400_000, 'a day on, and running')
  t.equal((await a.inject({ method: 'POST', url: '/__sandbox/reset' })).json().frozen, false)
})

t.test('advances fired at once on two replicas near the end of the range: as many as fit, never past it', async (t) => {
  const [a, b] = await replicas(t)
  const LATEST = '9998-12-01T00:00:00.000Z'
  const TOO_FAR = { error: { message: 'Error validating transmitted data.', errors: { advance: ['The Advance field moves the clock beyond the dates a clock can show: from 1970-01-01T00:00:00Z to 9998-12-01T00:00:00Z.'] } } }
  for (let round = 0; round < 5; round++) {
    t.equal((await post(a, { set: new Date(Date.parse(LATEST) - 95_000).toISOString() })).statusCode, 200)
    // Each replica reads the clock (95 s to go) before any of the others' advances has landed.
    const answers = await Promise.all(Array.from({ length: 20 }, async (_, i) => await post(i % 2 === 0 ? a : b, { advance: 10 })))
    const taken = answers.filter((res) => res.statusCode === 200)
    t.equal(taken.length, 9, `round ${round}: nine 10 s advances fit in 95 s`)
    t.same(answers.filter((res) => res.statusCode !== 200).map((res) => [res.statusCode, res.json()]), Array.from({ length: 11 }, () => [422, TOO_FAR]))
    t.same(await clockOf(a), { now: '9998-11-30T23:59:55.000Z', frozen: true })
    t.same(await clockOf(b), { now: '9998-11-30T23:59:55.000Z', frozen: true })
  }
  const link = await b.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
  t.equal(link.statusCode, 200, 'at the last advance that fit, a login link is still issued')
})
