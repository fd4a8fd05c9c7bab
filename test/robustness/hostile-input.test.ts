import t from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { FAULT_CAP } from '../../src/domain/faults.js'
import { AUTHORIZE, DEMO_AUTH, authorizeBody, testApp } from '../helpers/app.js'
import { approve, authorize, exchange } from '../helpers/flow.js'
import { CPU_BUDGET_MS, cost } from '../helpers/cost.js'
import { RUNS_PER_ENDPOINT } from '../helpers/property/runs.js'

/*
 * Hostile input on every route that takes a body: values no serialiser or template can take
 * (`{"toString":1}`), the deepest nesting the parser allows, the longest strings, the biggest
 * numbers, placed in every field a route reads. Whatever it is: no 500, a bounded CPU cost and
 * answer, and the journal and the fault queue still answer afterwards.
 */

t.setTimeout(300_000)

const RUNS = Math.max(100, Math.round(RUNS_PER_ENDPOINT / 20))

const deep = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels)
/** JSON texts of values that break code which trusts a field's type. */
const HOSTILE = [
  '{"toString":1,"valueOf":1}', '{"toJSON":1}', '{"constructor":{"prototype":{"x":1}}}', '[{"toString":{}}]', '{"length":1e308}',
  deep(60), `"${'a'.repeat(30_000)}"`, `"${'\\u0000'.repeat(1000)}"`, `"${'\\ud800'.repeat(1000)}"`, '1e308', '-0', '9007199254740993',
  'null', 'true', '[]', '{}', `[${Array(5000).fill('"read.email"').join(',')}]`, `"${'%'.repeat(10_000)}"`, '"+77015550101"'
]
const FIELDS = ['track_id', 'redirect_uri', 'grants', 'authorization_code', 'grant_type', 'code', 'code_verifier', 'client_id', 'client_secret', 'refresh_token',
  'login', 'password', 'persona', 'decision', 'user', 'request_id', 'created_at', 'phone', 'email', 'firstname', 'freedom_id', 'route', 'times', 'status',
  'body', 'delay_ms', 'drop', 'set', 'advance', 'scope', 'state', 'nonce']

interface World { app: FastifyInstance, access: string, refresh: string, track: string }

const ROUTES: Array<[string, string, (w: World) => Record<string, string>]> = [
  ['POST', AUTHORIZE, () => ({ authorization: DEMO_AUTH })],
  ['POST', '/api/v1/oauth/token', () => ({ authorization: DEMO_AUTH })],
  ['POST', '/api/v1/oauth/get-profile', (w) => ({ authorization: `Bearer ${w.access}` })],
  ['POST', '/api/v1/oauth/user', (w) => ({ authorization: `Bearer ${w.access}` })],
  ['PUT', '/api/v1/oauth/user', (w) => ({ authorization: `Bearer ${w.access}` })],
  ['POST', '/api/v1/oidc/token', () => ({ authorization: DEMO_AUTH })],
  ['POST', '/api/v1/oidc/token', () => ({})],
  ['POST', '/login/sign-in', () => ({})],
  ['POST', '/login/consent', () => ({})],
  ['POST', '/demo/sign-in', () => ({})],
  ['POST', '/__sandbox/faults', () => ({})],
  ['POST', '/__sandbox/clock', () => ({})],
  ['POST', '/__sandbox/tracks/{track}/approve', () => ({})],
  ['POST', '/__sandbox/users/%2B77015550101/logout', () => ({})],
  ['POST', '/nope', () => ({})]
]

async function world (t: Parameters<typeof testApp>[0]): Promise<World> {
  const { app } = await testApp(t, { logLevel: 'silent' })
  const tokens = (await exchange(app, (await approve(app)).code)).json()
  const { trackId } = await authorize(app)
  // Every route's schema compiled once, so the runs measure requests, not compilation.
  for (const [method, url, auth] of ROUTES) await app.inject({ method: method as 'POST', url: url.replace('{track}', trackId), headers: auth({ app, access: tokens.access_token, refresh: tokens.refresh_token, track: trackId }), payload: {} })
  return { app, access: tokens.access_token, refresh: tokens.refresh_token, track: trackId }
}

t.test('hostile values in every field of every route: no 500, bounded cost, the journal still answers', async (t) => {
  const w = await world(t)
  let worst = { cpuMs: 0, bytes: 0, what: '' }
  const body = fc.tuple(fc.subarray(FIELDS, { minLength: 1 }), fc.array(fc.constantFrom(...HOSTILE), { minLength: 1, maxLength: 4 }))
    .map(([fields, values]) => `{${fields.map((field, i) => `"${field}":${values[i % values.length]}`).join(',')}}`)
    .filter((text) => text.length < 64 * 1024)
  await fc.assert(fc.asyncProperty(fc.constantFrom(...ROUTES), body, async ([method, url, auth], payload) => {
    const target = url.replace('{track}', w.track)
    const { cpuMs, bytes, response } = await cost(w.app, { method: method as 'POST', url: target, headers: { 'content-type': 'application/json', ...auth(w) }, payload })
    if (cpuMs > worst.cpuMs) worst = { cpuMs, bytes, what: `${method} ${url}` }
    const journal = await w.app.inject({ url: '/__sandbox/requests?limit=5' })
    const faults = await w.app.inject({ url: '/__sandbox/faults' })
    await w.app.inject({ method: 'DELETE', url: '/__sandbox/faults' })
    // A queued clock change or a fault would change the next run's world: put it back.
    await w.app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { set: '2030-01-01T00:00:00Z' } })
    return response.statusCode < 500 && cpuMs < CPU_BUDGET_MS && bytes < 16 * 1024 && journal.statusCode === 200 && faults.statusCode === 200
  }), { numRuns: RUNS })
  t.pass(`worst: ${worst.cpuMs.toFixed(1)} ms of CPU (${worst.what})`)
})

t.test(`the fault queue full (${FAULT_CAP} faults with 60 KiB bodies) costs a request that none of them hit little`, async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
  const quiet = (await cost(app, { method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })).cpuMs
  for (let i = 0; i < FAULT_CAP + 5; i++) {
    const res = await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: `GET /nobody/${i}`, status: 500, body: { pad: 'p'.repeat(60 * 1024) } } })
    t.equal(res.statusCode, 201)
  }
  const queued = (await app.inject({ url: '/__sandbox/faults' })).json() as Array<{ route: string }>
  t.ok(queued.length <= FAULT_CAP && queued.length >= FAULT_CAP - FAULT_CAP / 100, `${queued.length} queued`)
  t.equal(queued.at(-1)!.route, `GET /nobody/${FAULT_CAP + 4}`, 'the oldest went first')
  const costs: number[] = []
  for (let i = 0; i < 20; i++) {
    const { cpuMs, response } = await cost(app, { method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
    t.equal(response.statusCode, 200)
    costs.push(cpuMs)
  }
  const median = costs.sort((a, b) => a - b)[10]!
  t.ok(median < CPU_BUDGET_MS / 10, `${median.toFixed(2)} ms a request with the queue full, ${quiet.toFixed(2)} ms without`)
})

t.test('the longest URL Node takes, on the routes that read the query: bounded cost and answer', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  const { trackId } = await authorize(app)
  const pad = 'x'.repeat(15_000)
  for (const url of [
    `/openid?response_type=code&client_id=${'c'.repeat(15_000)}`,
    `/openid?response_type=code&client_id=0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70&redirect_uri=https://shop.example/cb&scope=${'openid%20'.repeat(1500)}&state=1`,
    `/login?track_id=${trackId}&expire_at=${pad}`,
    `/login?track_id=${pad}`,
    `/login/consent?track_id=${trackId}&${'a=1&'.repeat(3500)}`,
    `/api/v1/oauth/get-profile/status?request_id=${pad}`,
    `/__sandbox/requests?path=${pad}&limit=${'9'.repeat(1000)}`,
    `/${'%2e'.repeat(5000)}`
  ]) {
    const { cpuMs, bytes, response } = await cost(app, { url })
    t.ok(response.statusCode < 500, `${url.slice(0, 60)}: ${response.statusCode}`)
    t.ok(cpuMs < CPU_BUDGET_MS, `${cpuMs.toFixed(1)} ms`)
    t.ok(bytes < 64 * 1024, `${bytes} bytes`)
  }
})

t.test('form bodies of one parameter repeated to the limit: bounded cost and answer', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  const form = (unit: string) => Array(Math.floor(65_000 / (unit.length + 1))).fill(unit).join('&')
  for (const [url, auth] of [['/login/sign-in', {}], ['/login/consent', {}], ['/api/v1/oidc/token', { authorization: DEMO_AUTH }], ['/api/v1/oidc/token', {}]] as const) {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...auth }
    await app.inject({ method: 'POST', url, headers, payload: 'a=1' })
    for (const unit of ['track_id=x', 'grant_type=authorization_code', 'a=1', 'x[y][z]=1', `password=${'p'.repeat(60_000)}`]) {
      const { cpuMs, bytes, response } = await cost(app, { method: 'POST', url, headers, payload: form(unit) })
      t.ok(response.statusCode >= 400 && response.statusCode < 500, `${url} ${unit.slice(0, 30)}: ${response.statusCode}`)
      t.ok(cpuMs < CPU_BUDGET_MS && bytes < 16 * 1024, `${cpuMs.toFixed(1)} ms, ${bytes} bytes`)
    }
  }
})
