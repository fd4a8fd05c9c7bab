import t from 'tap'
import fc from 'fast-check'
import { MAX_GRANTS } from '../../src/domain/grants.js'
import { MAX_REPORTED_FIELDS } from '../../src/http/validation.js'
import { AUTHORIZE, DEMO_AUTH, authorizeBody, testApp } from '../helpers/app.js'
import { CPU_BUDGET_MS, cost, filled } from '../helpers/cost.js'
import { RUNS_PER_ENDPOINT } from '../helpers/property/runs.js'
import { authorize } from '../helpers/flow.js'

/*
 * Whatever a body holds, up to the 64 KiB limit, a 422 costs about what a valid request does and
 * says at most MAX_REPORTED_FIELDS fields, counting the rest in Laravel's words.
 */

t.setTimeout(300_000)

const json = { authorization: DEMO_AUTH, 'content-type': 'application/json' }
const RUNS = Math.max(20, Math.round(RUNS_PER_ENDPOINT / 200))

t.test('32,000 bad grants in one 64 KiB body: one short 422, cheap', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: json, payload: authorizeBody })
  const payload = filled('{"redirect_uri":"https://shop.example/callback","grants":[', '1', ']}')
  t.ok(payload.length > 64_000)
  const { cpuMs, bytes, response } = await cost(app, { method: 'POST', url: AUTHORIZE, headers: json, payload })
  t.equal(response.statusCode, 422)
  const errors: Record<string, string[]> = { grants: [`The Grants field must not have more than ${MAX_GRANTS} items.`] }
  for (let i = 0; i < MAX_REPORTED_FIELDS - 1; i++) errors[`grants.${i}`] = [`The selected grants.${i} is invalid.`]
  t.same(response.json(), {
    error: { message: `Error validating transmitted data. (and ${MAX_GRANTS - MAX_REPORTED_FIELDS + 1} more errors)`, errors }
  })
  t.ok(cpuMs < CPU_BUDGET_MS, `${cpuMs.toFixed(1)} ms of CPU`)
  t.ok(bytes < 2048, `${bytes} bytes`)
})

t.test('exactly MAX_REPORTED_FIELDS failing fields: all listed, the message as the docs print it', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  const grants = Array.from({ length: MAX_REPORTED_FIELDS }, () => 'read.nothing')
  const res = await app.inject({ method: 'POST', url: AUTHORIZE, headers: json, payload: { redirect_uri: 'https://shop.example/callback', grants } })
  t.equal(res.json().error.message, 'Error validating transmitted data.')
  t.equal(Object.keys(res.json().error.errors).length, MAX_REPORTED_FIELDS)
  const more = await app.inject({ method: 'POST', url: AUTHORIZE, headers: json, payload: { redirect_uri: 'nope', grants } })
  t.same(more.json().error.message, 'Error validating transmitted data. (and 1 more error)', 'one more: singular, as Laravel says it')
  t.same(Object.keys(more.json().error.errors), ['redirect_uri', ...grants.slice(0, MAX_REPORTED_FIELDS - 1).map((_, i) => `grants.${i}`)])
})

t.test('MAX_GRANTS grants are taken, one more is not', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  const grants = Array.from({ length: MAX_GRANTS }, () => 'read.email')
  const ok = await app.inject({ method: 'POST', url: AUTHORIZE, headers: json, payload: { redirect_uri: 'https://shop.example/callback', grants } })
  t.equal(ok.statusCode, 200)
  const over = await app.inject({ method: 'POST', url: AUTHORIZE, headers: json, payload: { redirect_uri: 'https://shop.example/callback', grants: [...grants, 'read.email'] } })
  t.same(over.json(), { error: { message: 'Error validating transmitted data.', errors: { grants: [`The Grants field must not have more than ${MAX_GRANTS} items.`] } } })
  // The approve route has the same bound.
  const { trackId: track } = await authorize(app)
  const approve = await app.inject({ method: 'POST', url: `/__sandbox/tracks/${track}/approve`, payload: { user: '+77015550101', grants: [...grants, 'read.email'] } })
  t.equal(approve.statusCode, 422)
  t.same(approve.json().error.errors.grants, [`The Grants field must not have more than ${MAX_GRANTS} items.`])
})

/** A JSON value of some kind, written out: what a hostile array is made of. */
const element = fc.constantFrom('1', '"x"', 'null', '{}', '[]', '{"a":[1,2]}', '"read.email"', '"openid"', 'true', '"' + 'y'.repeat(200) + '"', '[[[[1]]]]')

t.test('any element, any field, filled to the limit: bounded CPU and answer', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: json, payload: authorizeBody })
  let worst = { cpuMs: 0, bytes: 0 }
  await fc.assert(fc.asyncProperty(element, fc.constantFrom('grants', 'redirect_uri', 'extra', 'root'), async (unit, where) => {
    const payload = {
      grants: filled('{"redirect_uri":"https://shop.example/callback","grants":[', unit, ']}'),
      redirect_uri: `{"grants":["openid"],"redirect_uri":"https://shop.example/${'a'.repeat(64_000)}"}`,
      extra: filled('{"redirect_uri":"https://shop.example/callback","grants":["openid"],"x":[', unit, ']}'),
      root: filled('[', unit, ']')
    }[where]
    const { cpuMs, bytes, response } = await cost(app, { method: 'POST', url: AUTHORIZE, headers: json, payload })
    worst = { cpuMs: Math.max(worst.cpuMs, cpuMs), bytes: Math.max(worst.bytes, bytes) }
    return (where === 'extra' ? response.statusCode === 200 : response.statusCode === 422) && cpuMs < CPU_BUDGET_MS && bytes < 4096
  }), { numRuns: RUNS })
  t.pass(`worst: ${worst.cpuMs.toFixed(1)} ms of CPU, ${worst.bytes} bytes`)
})
