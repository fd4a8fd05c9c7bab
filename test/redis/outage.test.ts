import t from 'tap'
import { AUTHORIZE, DEMO_AUTH, authorizeBody, testApp } from '../helpers/app.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/** Redis stopped under a running sandbox: plain words, one warning for the outage, one line when it is back. */

const ENVELOPE = { error: { message: 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.', code: 100503 } }

async function until (check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

t.test('Redis stopped, then back: one warning, requests 503 with the reason in words and no stack, one line when it is back', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const { app, logs } = await testApp(t, { store: redis.url, storePrefix: uniquePrefix('outage') })
  const authorize = async () => await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
  t.equal((await authorize()).statusCode, 200)
  const outageLines = () => logs.filter((line) => line.msg !== 'request')

  await redis.stop()
  await until(() => outageLines().length > 0, 'the outage warning')
  const down = `Redis at ${redis.url} is not reachable (connection refused)`
  const requests = [
    () => authorize(),
    () => app.inject({ method: 'GET', url: '/__sandbox/clock' }),
    () => app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: 'Bearer abc' } }),
    () => app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH }, payload: { authorization_code: 'x' } }),
    () => authorize()
  ]
  for (const request of requests) {
    const res = await request()
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '1')
    t.same(res.json(), ENVELOPE)
  }
  await new Promise((resolve) => setTimeout(resolve, 600))
  t.same(outageLines().map((line) => [line.level, line.msg]), [[40, `${down}; retrying, and answering 503 meanwhile`]], 'exactly one warning for the whole outage')
  const failed = logs.filter((line) => line.msg === 'request' && line.status === 503)
  t.equal(failed.length, 5)
  t.same([...new Set(failed.map((line) => line.reason))], [down], 'each request line says why, in the same words')
  t.notOk(logs.some((line) => 'err' in line || 'stack' in line), 'no stack anywhere')
  t.notOk(JSON.stringify(logs).includes("Stream isn't writeable"), 'nothing in ioredis\' words')

  await redis.restart()
  await until(() => outageLines().length > 1, 'the line saying Redis is back')
  t.match(outageLines()[1], { level: 30, msg: new RegExp(`^Redis at ${redis.url.replaceAll('.', '\\.')} is back after \\d+\\.\\d s$`) })
  t.equal((await authorize()).statusCode, 200, 'serving again, on the fresh Redis')
  t.equal(outageLines().length, 2)
})
