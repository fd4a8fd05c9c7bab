import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { MAX_TEXT } from '../../src/routes/oauth/provisioning.js'
import { LISTED_PROVISIONED } from '../../src/routes/login/index.js'
import { bundledFixtures, testApp } from '../helpers/app.js'
import { approve, authorize, exchange, openLogin, signIn } from '../helpers/flow.js'
import { CPU_BUDGET_MS, cost } from '../helpers/cost.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/*
 * Provisioned users are bounded in bytes (each text field at most 255 characters, Laravel's
 * string|max:255) and the login page in personas (the bundled ones, then the newest
 * provisioned): many users with the longest names cost a login page no more than a few.
 */

t.setTimeout(300_000)

const USER = '/api/v1/oauth/user'
const TEXT_FIELDS = ['firstname', 'lastname', 'identifier', 'nationality', 'patronymic', 'password'] as const

async function accessToken (app: FastifyInstance): Promise<string> {
  return (await exchange(app, (await approve(app)).code)).json().access_token
}

const provision = (app: FastifyInstance, token: string, payload: object, method: 'POST' | 'PUT' = 'POST') =>
  app.inject({ method, url: USER, headers: { authorization: `Bearer ${token}` }, payload })

const phoneOf = (i: number) => `+7702${String(i).padStart(7, '0')}`
/** The biggest user the schema takes: every text field at the limit. */
const biggest = (i: number): Record<string, string> => ({
  phone: phoneOf(i),
  email: `${'e'.repeat(MAX_TEXT - 20)}${String(i).padStart(7, '0')}@example.kz`,
  ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, `${field[0]}${String(i).padStart(7, '0')}`.padEnd(MAX_TEXT, 'x')]))
})

t.test('each text field takes 255 characters, not one more, in Laravel\'s words', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  const token = await accessToken(app)
  t.equal((await provision(app, token, biggest(1))).statusCode, 200)
  const over = { phone: phoneOf(2), email: `${'e'.repeat(MAX_TEXT - 10)}@example.kz`, ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, 'y'.repeat(MAX_TEXT + 1)])) }
  const res = await provision(app, token, over)
  t.equal(res.statusCode, 422)
  const label: Record<string, string> = { email: 'Email', firstname: 'Firstname', lastname: 'Lastname', identifier: 'Identifier', nationality: 'Nationality', patronymic: 'Patronymic', password: 'Password' }
  t.same(res.json(), {
    error: {
      message: 'Error validating transmitted data.',
      errors: Object.fromEntries(['email', 'firstname', 'lastname', 'identifier', 'nationality', 'patronymic', 'password']
        .map((field) => [field, [`The ${label[field]} field must not be greater than ${MAX_TEXT} characters.`]]))
    }
  })
  const id = (await provision(app, token, biggest(3))).json().freedom_id
  const update = await provision(app, token, { freedom_id: id, firstname: 'z'.repeat(60_000) }, 'PUT')
  t.same(update.json().error.errors, { firstname: [`The Firstname field must not be greater than ${MAX_TEXT} characters.`] })
  // A 64 KiB string is refused as cheaply as a short one.
  const { cpuMs } = await cost(app, { method: 'POST', url: USER, headers: { authorization: `Bearer ${token}` }, payload: { phone: phoneOf(4), firstname: 'z'.repeat(64_000) } })
  t.ok(cpuMs < CPU_BUDGET_MS, `${cpuMs.toFixed(1)} ms`)
})

const redis = await startRedis()
t.teardown(() => redis.stop())

for (const store of ['memory', 'redis'] as const) {
  t.test(`${store}: 2,400 users with the longest names: the login page lists the bundled and the newest ${LISTED_PROVISIONED}, small and cheap`, async (t) => {
    const { app } = await testApp(t, { logLevel: 'silent', journal: 'off', ...(store === 'redis' ? { store: redis.url, storePrefix: uniquePrefix('users') } : {}) })
    const token = await accessToken(app)
    const count = 2400
    for (let i = 0; i < count; i++) {
      const res = await provision(app, token, biggest(i))
      if (res.statusCode !== 200) throw new Error(res.body)
    }
    const { path } = await authorize(app)
    await openLogin(app, path)
    const { cpuMs, bytes, response } = await cost(app, { url: path })
    t.equal(response.statusCode, 200)
    t.ok(bytes < 64 * 1024, `${bytes} bytes`)
    t.ok(cpuMs < CPU_BUDGET_MS, `${cpuMs.toFixed(1)} ms of CPU`)
    const listed = [...response.body.matchAll(/data-testid="persona-([0-9a-f-]{36})"/g)].map((match) => match[1])
    const fixtures = (await bundledFixtures()).users.map((user) => user.id)
    t.same(listed.slice(0, fixtures.length), fixtures, 'the bundled personas first')
    t.equal(listed.length, fixtures.length + LISTED_PROVISIONED)
    const newest = `f${String(count - 1).padStart(7, '0')}`
    t.ok(response.body.indexOf(newest) < response.body.indexOf(`f${String(count - LISTED_PROVISIONED).padStart(7, '0')}`), 'then the newest first')
    t.notOk(response.body.includes(`f${String(count - LISTED_PROVISIONED - 1).padStart(7, '0')}`), 'older ones are not listed')
    t.match(response.body, /data-testid="more-personas">Only the newest provisioned users are listed: sign in as any other with their phone number or e-mail and password above\.</)
    // The oldest, unlisted, signs in by typing.
    const { trackId } = await authorize(app)
    const signedIn = await signIn(app, { track_id: trackId, login: phoneOf(0), password: biggest(0).password! })
    t.equal(signedIn.statusCode, 303)
  })
}

t.test(`with at most ${LISTED_PROVISIONED} provisioned, all are listed and no note is shown`, async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  const token = await accessToken(app)
  for (let i = 0; i < LISTED_PROVISIONED; i++) await provision(app, token, biggest(i))
  const { path } = await authorize(app)
  const page = await openLogin(app, path)
  t.equal([...page.body.matchAll(/data-testid="persona-/g)].length, (await bundledFixtures()).users.length + LISTED_PROVISIONED)
  t.notOk(page.body.includes('more-personas'))
})
