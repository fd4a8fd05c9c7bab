import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { parseDuration } from '../../../src/routes/sandbox/clock.js'
import { AUTHORIZE, CLOCK_START_S, DEMO, DEMO_AUTH, authorizeBody, testApp } from '../../helpers/app.js'
import { startRedis, uniquePrefix } from '../../helpers/redis.js'

async function redisSettings (t: Test): Promise<{ store: string, storePrefix: string }> {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  return { store: redis.url, storePrefix: uniquePrefix('clock') }
}

t.test('durations', async (t) => {
  t.equal(parseDuration(90), 90)
  t.equal(parseDuration(-30), -30)
  t.equal(parseDuration('90'), 90)
  t.equal(parseDuration('-90'), -90)
  t.equal(parseDuration('15m'), 900)
  t.equal(parseDuration('2h'), 7200)
  t.equal(parseDuration('7d'), 604800)
  t.equal(parseDuration('10s'), 10)
  t.equal(parseDuration(1.5), undefined)
  t.equal(parseDuration('1w'), undefined)
})

t.test('read, set and advance the clock', async (t) => {
  const { app } = await testApp(t)
  const get = await app.inject({ method: 'GET', url: '/__sandbox/clock' })
  t.same(get.json(), { now: '2030-01-01T00:00:00.000Z', frozen: true })
  const steps: Array<[unknown, string]> = [
    [{ advance: '15m' }, '2030-01-01T00:15:00.000Z'],
    [{ advance: 45 }, '2030-01-01T00:15:45.000Z'],
    [{ advance: '-45' }, '2030-01-01T00:15:00.000Z'],
    [{ advance: '7d' }, '2030-01-08T00:15:00.000Z'],
    [{ set: '2031-06-01T12:00:00+02:00' }, '2031-06-01T10:00:00.000Z']
  ]
  for (const [payload, now] of steps) {
    const res = await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: payload as object })
    t.equal(res.statusCode, 200, JSON.stringify(payload))
    t.same(res.json(), { now, frozen: true })
  }
})

t.test('bad clock bodies get the validation envelope, every one naming a field, and change nothing', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[unknown, Record<string, string[]>]> = [
    [{}, { body: ['Send set (an ISO 8601 instant), advance (seconds, or a duration such as "15m") or freeze (true or false).'] }],
    [{ set: '2030-01-01T00:00:00Z', advance: 5 }, { set: ['Send either set or advance, not both.'] }],
    [{ set: '2030-01-01T00:00:00Z', advance: 5, freeze: true }, { set: ['Send either set or advance, not both.'] }],
    [{ frozen: true }, { frozen: ['The clock takes set, advance and freeze only; frozen is none of them.'] }],
    [{ advance: 60, Freeze: false, x: 1, y: 2, z: 3 }, {
      Freeze: ['The clock takes set, advance and freeze only; Freeze is none of them.'],
      x: ['The clock takes set, advance and freeze only; x is none of them.'],
      y: ['The clock takes set, advance and freeze only; y is none of them.']
    }],
    [{ ['k'.repeat(500)]: 1 }, { ['k'.repeat(100)]: [`The clock takes set, advance and freeze only; ${'k'.repeat(100)} is none of them.`] }],
    [{ freeze: 'yes' }, { freeze: ['The Freeze field must be true or false.'] }],
    [{ freeze: 1, advance: 5 }, { freeze: ['The Freeze field must be true or false.'] }],
    [{ set: '9999-06-01T00:00:00Z', freeze: false }, { set: ['The Set field is beyond the dates a clock can show: from 1970-01-01T00:00:00Z to 9998-12-01T00:00:00Z.'] }],
    [{ advance: '-86400000000', freeze: false }, { advance: ['The Advance field moves the clock beyond the dates a clock can show: from 1970-01-01T00:00:00Z to 9998-12-01T00:00:00Z.'] }],
    [{ advance: '1w' }, { advance: ['The selected Advance is invalid.'] }],
    [{ advance: 1.5 }, { advance: ['The selected Advance is invalid.'] }],
    [{ set: 'tomorrow' }, { set: ['The Set field must be valid.'] }],
    [[], { body: ['The request body must be a JSON object.'] }],
    [{ advance: '99999999999999' }, { advance: ['The Advance field moves the clock beyond the dates a clock can show: from 1970-01-01T00:00:00Z to 9998-12-01T00:00:00Z.'] }],
    [{ advance: -9007199254740991 }, { advance: ['The Advance field moves the clock beyond the dates a clock can show: from 1970-01-01T00:00:00Z to 9998-12-01T00:00:00Z.'] }]
  ]
  for (const [payload, errors] of cases) {
    const res = await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: payload as object })
    t.equal(res.statusCode, 422, JSON.stringify(payload))
    t.same(res.json(), { error: { message: 'Error validating transmitted data.', errors } }, JSON.stringify(payload))
  }
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/clock' })).json(), { now: '2030-01-01T00:00:00.000Z', frozen: true }, 'nor froze or unfroze it')
})

t.test('freeze and unfreeze at run time, alone or with set or advance', async (t) => {
  for (const store of ['memory', 'redis'] as const) {
    const settings = store === 'memory' ? {} : await redisSettings(t)
    const { app } = await testApp(t, settings)
    const post = async (payload: object) => {
      const res = await app.inject({ method: 'POST', url: '/__sandbox/clock', payload })
      t.equal(res.statusCode, 200, `${store}: ${JSON.stringify(payload)}`)
      return res.json() as { now: string, frozen: boolean }
    }
    const get = async () => (await app.inject({ method: 'GET', url: '/__sandbox/clock' })).json() as { now: string, frozen: boolean }
    t.same(await post({ freeze: true }), { now: '2030-01-01T00:00:00.000Z', frozen: true }, `${store}: freezing a frozen clock keeps it where it is`)
    const running = await post({ freeze: false })
    t.equal(running.frozen, false)
    await sleep(30)
    const later = await get()
    t.equal(later.frozen, false)
    const ran = Date.parse(later.now) - Date.parse('2030-01-01T00:00:00Z')
    t.ok(ran >= 25 && ran < 5000, `${store}: unfrozen, it runs with real time from 2030-01-01 (${ran} ms)`)
    const stopped = await post({ freeze: true })
    t.equal(stopped.frozen, true)
    await sleep(20)
    t.same(await get(), stopped, `${store}: frozen again, where it had run to`)
    t.same(await post({ advance: '1h', freeze: false }).then((r) => r.frozen), false, `${store}: advance, then run`)
    t.same(await post({ set: '2031-01-01T00:00:00Z', freeze: true }), { now: '2031-01-01T00:00:00.000Z', frozen: true }, `${store}: jump, and stand still there`)
    t.same(await post({ advance: 60 }), { now: '2031-01-01T00:01:00.000Z', frozen: true }, `${store}: set and advance keep it frozen`)
    const reset = await app.inject({ method: 'POST', url: '/__sandbox/reset' })
    t.same(reset.json(), { now: '2030-01-01T00:00:00.000Z', frozen: true }, `${store}: a reset restores the start, frozen`)
  }
})

t.test('advances at once near the end of the range: as many as fit, never past it (memory store)', async (t) => {
  const { app } = await testApp(t)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { set: '9998-11-30T23:58:25Z' } })
  const answers = await Promise.all(Array.from({ length: 20 }, async () => await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 10 } })))
  t.same(answers.map((res) => res.statusCode).sort(), [...Array(9).fill(200), ...Array(11).fill(422)])
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/clock' })).json(), { now: '9998-11-30T23:59:55.000Z', frozen: true })
})

t.test('a real-time clock (no CLOCK) freezes and runs on', async (t) => {
  const { app } = await testApp(t, { clock: undefined })
  const before = Date.now()
  const res = await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { freeze: true } })
  const frozen = res.json() as { now: string, frozen: boolean }
  t.equal(frozen.frozen, true)
  t.ok(Math.abs(Date.parse(frozen.now) - before) < 5000, 'frozen at about real time')
  await sleep(20)
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/clock' })).json(), frozen)
  t.equal((await app.inject({ method: 'POST', url: '/__sandbox/reset' })).json().frozen, false, 'a reset runs it with real time again')
})

t.test('a track as stored, and expired once the clock passes expire_at', async (t) => {
  const { app } = await testApp(t, { trackTtl: 60 })
  const link = new URL((await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })).json().redirect_uri)
  const trackId = link.searchParams.get('track_id')!
  t.equal(link.searchParams.get('expire_at'), String(CLOCK_START_S + 60))
  const expected = {
    track_id: trackId,
    client_id: DEMO.id,
    redirect_uri: authorizeBody.redirect_uri,
    grants: authorizeBody.grants,
    state: 'issued',
    created_at: '2030-01-01T00:00:00.000Z',
    expires_at: '2030-01-01T00:01:00.000Z'
  }
  const fresh = await app.inject({ method: 'GET', url: `/__sandbox/tracks/${trackId}` })
  t.equal(fresh.statusCode, 200)
  t.same(fresh.json(), { ...expected, expired: false })

  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 59 } })
  t.equal((await app.inject({ method: 'GET', url: `/__sandbox/tracks/${trackId}` })).json().expired, false)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 1 } })
  t.same((await app.inject({ method: 'GET', url: `/__sandbox/tracks/${trackId}` })).json(), { ...expected, expired: true })

  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '1h' } })
  const gone = await app.inject({ method: 'GET', url: `/__sandbox/tracks/${trackId}` })
  t.equal(gone.statusCode, 404, 'an hour after expiry the track is swept')
  t.same(gone.json(), { error: { message: `No track ${trackId} (unknown, or expired more than an hour ago).`, code: 100404 } })
})

t.test('SANDBOX_TOKEN guards /__sandbox and nothing else', async (t) => {
  const { app } = await testApp(t, { sandboxToken: 'let-me-in' })
  for (const authorization of [undefined, 'Bearer wrong', 'Bearer let-me-i', 'Basic let-me-in', 'let-me-in', 'Bearer let-me-in extra']) {
    const res = await app.inject({ method: 'GET', url: '/__sandbox/clock', headers: authorization === undefined ? {} : { authorization } })
    t.equal(res.statusCode, 401, String(authorization))
    t.equal(res.headers['www-authenticate'], 'Bearer realm="freedom-id-sandbox control API"')
    t.equal(res.headers['cache-control'], 'no-store', 'a refusal is not cached either')
    t.same(res.json(), { error: { message: 'Unauthenticated: the control API needs "Authorization: Bearer <SANDBOX_TOKEN>".', code: 100401 } })
  }
  for (const authorization of ['Bearer let-me-in', 'bearer   let-me-in ', 'Bearer\tlet-me-in']) {
    const res = await app.inject({ method: 'GET', url: '/__sandbox/clock', headers: { authorization } })
    t.equal(res.statusCode, 200, `${JSON.stringify(authorization)}: the token read after any scheme case and whitespace`)
  }
  const denied = await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  t.equal(denied.statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/__sandbox/clock', headers: { authorization: 'bearer let-me-in' } })).json().now,
    '2030-01-01T00:00:00.000Z', 'the refused change did not happen')
  t.equal((await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
})

t.test('no answer of the control API is kept by a cache: the journal, the report and the sessions carry codes and tokens', async (t) => {
  const { app } = await testApp(t)
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
  for (const [method, url] of [['GET', '/__sandbox/requests'], ['GET', '/__sandbox/clock'], ['GET', '/__sandbox/faults'], ['GET', '/__sandbox/report?format=html'],
    ['GET', '/__sandbox/tracks/unknown'], ['POST', '/__sandbox/reset'], ['POST', '/__sandbox/clock']] as const) {
    const res = await app.inject({ method, url, ...(method === 'POST' && url.endsWith('clock') ? { payload: {} } : {}) })
    t.ok(res.statusCode < 500, `${method} ${url}: ${res.statusCode}`)
    t.equal(res.headers['cache-control'], 'no-store', `${method} ${url}`)
  }
})
