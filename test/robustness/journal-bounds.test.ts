import t from 'tap'
import { Redis } from 'ioredis'
import { JOURNAL_BODY_LIMIT, JOURNAL_CAP, JOURNAL_MAX_BYTES } from '../../src/domain/journal.js'
import { DEMO_AUTH, testApp } from '../helpers/app.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/*
 * The journal is bounded in bytes, not only in entries, on both stores (docs/control-api.md:
 * "the journal keeps at most the last 1,000 requests (bodies cut at 16 KiB)"), and it keeps only
 * plain data: no request can make GET /__sandbox/requests fail.
 */

t.setTimeout(180_000)

const redis = await startRedis()
t.teardown(() => redis.stop())

const STORES = [
  { name: 'memory', settings: {} },
  { name: 'redis', settings: () => ({ store: redis.url, storePrefix: uniquePrefix('journal') }) }
]
const settingsOf = (store: typeof STORES[number]) => typeof store.settings === 'function' ? store.settings() : store.settings

/** A JSON body just under the 64 KiB limit. */
const BIG = JSON.stringify({ track_id: 'x', padding: 'a'.repeat(63_000) })

for (const store of STORES) {
  t.test(`${store.name}: bodies are cut at 16 KiB, both ways, and the whole journal stays under its byte budget`, async (t) => {
    const { app } = await testApp(t, { logLevel: 'silent', ...settingsOf(store) })
    const sends = 400
    for (let i = 0; i < sends; i++) {
      const res = await app.inject({ method: 'POST', url: '/nope', headers: { 'content-type': 'application/json', 'x-pad': 'h'.repeat(8000) }, payload: BIG })
      t.equal(res.statusCode, 404)
    }
    const res = await app.inject({ url: '/__sandbox/requests' })
    t.equal(res.statusCode, 200)
    const entries = res.json() as Array<{ request: { body: unknown }, track_id?: string }>
    t.ok(res.payload.length <= JOURNAL_MAX_BYTES, `the journal answers ${res.payload.length} bytes, at most ${JOURNAL_MAX_BYTES}`)
    t.ok(entries.length < sends, `the byte budget dropped the oldest: ${entries.length} of ${sends} kept`)
    t.ok(entries.length >= 100, `yet a useful number stays: ${entries.length}`)
    const body = entries[0]!.request.body as string
    t.equal(typeof body, 'string', 'a body over the limit is kept as its cut JSON text')
    t.equal(body.length, JOURNAL_BODY_LIMIT + 1)
    t.equal(body, `${BIG.slice(0, JOURNAL_BODY_LIMIT)}…`)
    t.equal(entries[0]!.track_id, 'x', 'the track id still read from the body')

    // A big answer (the OpenAPI document is JSON over 16 KiB) is cut too, and a small one kept whole.
    await app.inject({ method: 'DELETE', url: '/__sandbox/requests' })
    const login = await app.inject({ url: '/login?track_id=nope' })
    const [entry] = (await app.inject({ url: '/__sandbox/requests' })).json() as Array<{ response: { body: unknown } }>
    t.equal(entry!.response.body, login.payload.length > JOURNAL_BODY_LIMIT ? `${login.payload.slice(0, JOURNAL_BODY_LIMIT)}…` : login.payload)
  })

  t.test(`${store.name}: many small requests still fill the journal to its entry cap`, async (t) => {
    const { app } = await testApp(t, { logLevel: 'silent', ...settingsOf(store) })
    for (let i = 0; i < JOURNAL_CAP + 20; i++) await app.inject({ url: `/nope/${i}` })
    const entries = (await app.inject({ url: '/__sandbox/requests' })).json() as Array<{ path: string }>
    t.ok(entries.length <= JOURNAL_CAP && entries.length >= JOURNAL_CAP - JOURNAL_CAP / 100, `${entries.length} entries`)
    t.equal(entries[0]!.path, `/nope/${JOURNAL_CAP + 19}`)
  })

  t.test(`${store.name}: values no serialiser can take are never journaled as such`, async (t) => {
    const { app } = await testApp(t, { logLevel: 'silent', ...settingsOf(store) })
    const hostile = '{"track_id":{"toString":1,"valueOf":1},"client_id":{"toJSON":1},"nested":[{"toString":null}]}'
    for (const [method, url, headers] of [
      ['POST', '/nope', {}],
      ['POST', '/login/sign-in', {}],
      ['POST', '/login/consent', {}],
      ['POST', '/api/v1/oidc/token', {}],
      ['POST', '/api/v1/oauth/authorize', { authorization: DEMO_AUTH }],
      ['POST', '/api/v1/oauth/token', { authorization: DEMO_AUTH }],
      ['POST', '/__sandbox/../nope', {}]
    ] as const) {
      await app.inject({ method: 'DELETE', url: '/__sandbox/requests' })
      const sent = await app.inject({ method, url, headers: { 'content-type': 'application/json', ...headers }, payload: hostile })
      t.ok(sent.statusCode < 500, `${method} ${url} answers ${sent.statusCode}`)
      const res = await app.inject({ url: '/__sandbox/requests' })
      t.equal(res.statusCode, 200, `the journal answers after ${method} ${url}`)
      const [entry] = res.json() as Array<Record<string, unknown>>
      t.equal(entry!.track_id, undefined, 'an object is no track id')
      t.same((entry!.request as { body: unknown }).body, JSON.parse(hostile), 'the body kept as sent, as plain data')
    }
    // The query string too: a track_id given twice is an array, not a track id.
    await app.inject({ url: '/login?track_id=a&track_id=b' })
    const res = await app.inject({ url: '/__sandbox/requests?limit=1' })
    t.equal(res.statusCode, 200)
    t.equal((res.json() as Array<Record<string, unknown>>)[0]!.track_id, undefined)
  })
}

t.test('redis: the byte count lives beside the list, and a reset starts it again', async (t) => {
  const prefix = uniquePrefix('journal-keys')
  const { app } = await testApp(t, { logLevel: 'silent', store: redis.url, storePrefix: prefix })
  const raw = new Redis(redis.url)
  t.teardown(() => raw.quit())
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/nope', headers: { 'content-type': 'application/json' }, payload: BIG })
  const key = `{${prefix}}:l:journal`
  // An entry is written once its answer has gone out.
  while (await raw.llen(key) < 3) await new Promise((resolve) => setTimeout(resolve, 5))
  const items = await raw.lrange(key, 0, -1)
  const counted = Number(await raw.get(`${key}:bytes`))
  t.equal(counted, items.reduce((sum, item) => sum + Buffer.byteLength(item), 0), 'the count is the bytes of the items')
  await app.inject({ method: 'POST', url: '/__sandbox/reset' })
  await app.inject({ url: '/nope' })
  while (await raw.llen(key) === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const [only] = await raw.lrange(key, 0, -1)
  t.equal(Number(await raw.get(`${key}:bytes`)), Buffer.byteLength(only!), 'after a reset the count is the one new entry')
})
