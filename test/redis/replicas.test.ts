import t from 'tap'
import { listeningUrl, printed, spawnMain, type Spawned } from '../helpers/process.js'
import { startRedis, uniquePrefix, type RedisServer } from '../helpers/redis.js'
import { AIGERIM } from '../helpers/flow.js'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { CLOCK_START_S, DEMO, DEMO_AUTH, authorizeBody, type Teardown } from '../helpers/app.js'
import { CALLBACK, NONCE, STATE, TOKEN_PATH, openidUrl } from '../helpers/oidc.js'

/**
 * Sandbox processes (the bundled CLI, as a container runs it) on one real Redis: any replica
 * serves any step, single-use operations hold across replicas, and a lost Redis is survived.
 */

interface Replica { url: string, run: Spawned }

async function replicas (t: Teardown, redis: RedisServer, count: number, env: Record<string, string> = {}): Promise<Replica[]> {
  const prefix = uniquePrefix('replicas')
  const started = await Promise.all(Array.from({ length: count }, async () => {
    const run = spawnMain([], { PORT: '0', LOG_LEVEL: 'silent', STORE: redis.url, STORE_PREFIX: prefix, ...env })
    t.teardown(async () => {
      run.child.kill('SIGKILL')
      await run.exited
    })
    return { url: await listeningUrl(run), run }
  }))
  return started
}

const json = async (res: Response) => ({ status: res.status, body: await res.json() as Record<string, any> })
const post = (url: string, body: unknown, headers: Record<string, string> = { authorization: DEMO_AUTH }) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
const form = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })

t.test('a whole flow across three replicas, each step on another one', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const [a, b, c] = await replicas(t, redis, 3, { CLOCK: '2030-01-01T00:00:00Z' })

  const link = new URL((await json(await post(`${a!.url}/api/v1/oauth/authorize`, authorizeBody))).body.redirect_uri)
  const trackId = link.searchParams.get('track_id')!
  const page = await fetch(`${b!.url}${link.pathname}${link.search}`)
  t.equal(page.status, 200, 'B shows the login page of a track A issued')
  t.match(await page.text(), /Demo Shop/)
  const signedIn = await form(`${c!.url}/login/sign-in`, { track_id: trackId, login: '+77015550101', password: 'Sandbox123!' })
  t.equal(signedIn.status, 303, 'C signs in on it')
  const consented = await form(`${a!.url}/login/consent`, { track_id: trackId, decision: 'allow' })
  t.equal(consented.status, 303, 'A takes the consent')
  const code = new URL(consented.headers.get('location')!).searchParams.get('authorization_code')!

  const pair = await json(await post(`${b!.url}/api/v1/oauth/token`, { authorization_code: code }))
  t.equal(pair.status, 200, 'B exchanges the code')
  const again = await json(await post(`${c!.url}/api/v1/oauth/token`, { authorization_code: code }))
  t.same(again, { status: 400, body: { error: { message: 'Invalid authorization_code.', code: 100101 } } }, 'C knows it is used')
  const user = await json(await fetch(`${c!.url}/api/v1/oauth/user`, { headers: { authorization: `Bearer ${pair.body.access_token}` } }))
  t.same(user, { status: 200, body: { id: AIGERIM, email: 'aigerim.sarsenbayeva@example.com', phone: '+77015550101' } }, 'C serves user data')
  const refreshed = await json(await fetch(`${a!.url}/api/v1/oauth/token`, { method: 'PATCH', headers: { authorization: `Bearer ${pair.body.refresh_token}` } }))
  t.equal(refreshed.status, 200, 'A rotates the refresh token')
  t.equal((await fetch(`${b!.url}/api/v1/oauth/token`, { method: 'PATCH', headers: { authorization: `Bearer ${pair.body.refresh_token}` } })).status, 401, 'B knows it is spent')
  const track = await json(await fetch(`${b!.url}/__sandbox/tracks/${trackId}`))
  t.match(track.body, { track_id: trackId, state: 'exchanged', user_id: AIGERIM })

  // The clock, the journal, faults and provisioned users are shared too.
  t.same((await json(await post(`${c!.url}/__sandbox/clock`, { advance: '1h' }))).body, { now: '2030-01-01T01:00:00.000Z', frozen: true })
  t.same((await json(await fetch(`${a!.url}/__sandbox/clock`))).body, { now: '2030-01-01T01:00:00.000Z', frozen: true }, 'A reads the clock C moved')
  const journal = (await json(await fetch(`${a!.url}/__sandbox/requests?path=/api/v1/oauth/token&method=POST`))).body as unknown as Array<{ id: number, status: number }>
  t.same(journal.map((entry) => entry.status), [400, 200], 'A lists requests B and C served, newest first')
  t.ok(journal[0]!.id > journal[1]!.id, 'numbered by one shared counter')
  await post(`${a!.url}/__sandbox/faults`, { route: 'GET /api/v1/oauth/user', status: 502 })
  t.equal((await fetch(`${b!.url}/api/v1/oauth/user`)).status, 502, 'a fault queued on A hits B')
  t.equal((await fetch(`${c!.url}/api/v1/oauth/user`)).status, 401, 'once')
  const created = await json(await post(`${b!.url}/api/v1/oauth/user`, { phone: '+77015550909', password: 'pw' }, { authorization: `Bearer ${refreshed.body.access_token}` }))
  t.equal(created.status, 200, 'B provisions a user')
  const taken = await json(await post(`${c!.url}/api/v1/oauth/user`, { phone: '+77015550909' }, { authorization: `Bearer ${refreshed.body.access_token}` }))
  t.same(taken.body, { error: { message: 'Error validating transmitted data.', errors: { phone: ['The Phone has already been taken.'] } } }, 'C sees the phone taken')
  const session = await json(await post(`${a!.url}/__sandbox/users/+77015550909/logout`, {}, {}))
  t.equal(session.status, 200, 'A finds the user B provisioned')

  // A reset on one replica is a reset for all.
  t.equal((await post(`${a!.url}/__sandbox/reset`, {}, {})).status, 200)
  t.equal((await fetch(`${b!.url}/__sandbox/tracks/${trackId}`)).status, 404)
  t.same((await json(await fetch(`${c!.url}/__sandbox/clock`))).body, { now: '2030-01-01T00:00:00.000Z', frozen: true })
  t.equal((await fetch(`${b!.url}/api/v1/oauth/user`, { headers: { authorization: `Bearer ${refreshed.body.access_token}` } })).status, 401)
})

t.test('OIDC across replicas: an id_token signed on one verifies with the JWKS of another; KYC requests are shared', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  // No SEED, no SIGNING_KEY: the key is generated, by whichever replica needs it first.
  const [a, b, c] = await replicas(t, redis, 3, { CLOCK: '2030-01-01T00:00:00Z' })
  const start = await fetch(`${a!.url}${openidUrl({ scope: 'openid read.email read.profile' })}`, { redirect: 'manual' })
  t.equal(start.status, 303)
  const trackId = new URL(start.headers.get('location')!, a!.url).searchParams.get('track_id')!
  const approved = await json(await post(`${b!.url}/__sandbox/tracks/${trackId}/approve`, { user: AIGERIM }, {}))
  const callback = new URL(approved.body.redirect_uri)
  t.equal(callback.searchParams.get('state'), STATE)
  const tokens = await json(await fetch(`${c!.url}${TOKEN_PATH}`, {
    method: 'POST',
    headers: { authorization: DEMO_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: CALLBACK }).toString()
  }))
  t.equal(tokens.status, 200, 'C exchanges the code B issued')
  const jwks = await json(await fetch(`${a!.url}/.well-known/jwks.json`))
  const { payload } = await jwtVerify(tokens.body.id_token, createLocalJWKSet(jwks.body as never), { audience: DEMO.id })
  t.match(payload, { sub: AIGERIM, nonce: NONCE, iat: CLOCK_START_S }, "A's JWKS verifies C's id_token")
  t.same((await json(await fetch(`${b!.url}/.well-known/jwks.json`))).body, jwks.body, 'every replica publishes the one key')
  t.equal((await post(`${b!.url}/__sandbox/reset`, {}, {})).status, 200)
  t.same((await json(await fetch(`${c!.url}/.well-known/jwks.json`))).body, jwks.body, 'a reset keeps it')

  const bearer = { authorization: `Bearer ${tokens.body.access_token as string}` }
  t.equal((await fetch(`${a!.url}/api/v1/oauth/user`, { headers: bearer })).status, 401, 'the reset ended the token')
  const link = new URL((await json(await post(`${c!.url}/api/v1/oauth/authorize`, { redirect_uri: 'https://shop.example/callback', grants: ['read.profile'] }))).body.redirect_uri)
  const code = new URL((await json(await post(`${b!.url}/__sandbox/tracks/${link.searchParams.get('track_id')}/approve`, { user: AIGERIM }, {}))).body.redirect_uri)
  const pair = await json(await post(`${a!.url}/api/v1/oauth/token`, { authorization_code: code.searchParams.get('authorization_code') }))
  const kycBearer = { authorization: `Bearer ${pair.body.access_token as string}` }
  const requestId = '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f'
  const submitted = await json(await post(`${a!.url}/api/v1/oauth/get-profile`, { request_id: requestId }, kycBearer))
  t.match(submitted, { status: 200, body: { request_id: requestId, status: 'accepted', freedom_id: AIGERIM } })
  await post(`${c!.url}/__sandbox/clock`, { advance: 30 }, {})
  const status = await json(await fetch(`${b!.url}/api/v1/oauth/get-profile/status?request_id=${requestId}`, { headers: kycBearer }))
  t.match(status, { status: 200, body: { request_id: requestId, status: 'completed', datetime: '2030-01-01T00:00:30.000000Z' } }, 'B answers the request A took, on the clock C moved')
})

t.test('racing redeems and refreshes on two replicas: each succeeds exactly once', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const [a, b] = await replicas(t, redis, 2)
  const codes = await Promise.all(Array.from({ length: 40 }, async () => {
    const link = new URL((await json(await post(`${a!.url}/api/v1/oauth/authorize`, authorizeBody))).body.redirect_uri)
    const approved = await json(await post(`${b!.url}/__sandbox/tracks/${link.searchParams.get('track_id')}/approve`, { user: AIGERIM }, {}))
    return new URL(approved.body.redirect_uri).searchParams.get('authorization_code')!
  }))
  const exchanges = await Promise.all(codes.map(async (code) =>
    Promise.all([a, b].map(async (replica) => json(await post(`${replica!.url}/api/v1/oauth/token`, { authorization_code: code }))))))
  for (const pair of exchanges) t.same(pair.map((r) => r.status).sort(), [200, 400])
  const refreshTokens = exchanges.map((pair) => pair.find((r) => r.status === 200)!.body.refresh_token as string)
  const rotations = await Promise.all(refreshTokens.map(async (token) => Promise.all([a, b].map(async (replica) =>
    (await fetch(`${replica!.url}/api/v1/oauth/token`, { method: 'PATCH', headers: { authorization: `Bearer ${token}` } })).status))))
  for (const statuses of rotations) t.same(statuses.sort(), [200, 401])
  t.equal(exchanges.length, 40)
})

t.test('Redis lost while running: 503 in the envelope, /ready fails, /health stays up; service resumes when it is back', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const [a] = await replicas(t, redis, 1)
  // The banner's later lines may come in a later chunk than the URL.
  await printed(a!.run, /\n {2}store: .*\n/)
  t.match(a!.run.stdout(), new RegExp(`\\n {2}store: redis://127\\.0\\.0\\.1:${redis.port}/0, keys under \\{replicas-\\d+-\\d+\\}: \\(shared with every replica using them\\)\\n`))
  t.equal((await fetch(`${a!.url}/ready`)).status, 200)

  await redis.stop()
  const refused = await post(`${a!.url}/api/v1/oauth/authorize`, authorizeBody)
  t.equal(refused.status, 503)
  t.equal(refused.headers.get('retry-after'), '1')
  t.same(await refused.json(), { error: { message: 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.', code: 100503 } })
  t.equal((await fetch(`${a!.url}/health`)).status, 200)
  const ready = await json(await fetch(`${a!.url}/ready`))
  t.equal(ready.status, 503)
  t.match(ready.body.error.message, /^Not ready: /)

  await redis.restart()
  let status = 0
  for (let i = 0; i < 100 && status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    status = (await fetch(`${a!.url}/ready`)).status
  }
  t.equal(status, 200, 'ready again once Redis answers')
  t.equal((await post(`${a!.url}/api/v1/oauth/authorize`, authorizeBody)).status, 200, 'and serving')
  t.equal(a!.run.child.exitCode, null, 'the process never exited')
})

t.test('Redis unreachable at start: one clear line and exit 1, no password shown', async (t) => {
  const redis = await startRedis()
  await redis.stop()
  const run = spawnMain([], { PORT: '0', STORE: `redis://:hunter2@127.0.0.1:${redis.port}/0` })
  t.equal(await run.exited, 1)
  t.match(run.stderr(), new RegExp(`^freedom-id-sandbox: .*redis://127\\.0\\.0\\.1:${redis.port}/0`))
  t.notMatch(run.stderr(), /hunter2/)
  t.notMatch(run.stderr(), /\n\s+at /, 'no stack trace')
  t.equal(run.stdout(), '')
})

t.test('two prefixes on one Redis are two sandboxes', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const [a] = await replicas(t, redis, 1)
  const [other] = await replicas(t, redis, 1)
  const link = new URL((await json(await post(`${a!.url}/api/v1/oauth/authorize`, authorizeBody))).body.redirect_uri)
  t.equal((await fetch(`${other!.url}/__sandbox/tracks/${link.searchParams.get('track_id')}`)).status, 404)
  t.equal((await post(`${other!.url}/__sandbox/reset`, {}, {})).status, 200)
  t.equal((await fetch(`${a!.url}/__sandbox/tracks/${link.searchParams.get('track_id')}`)).status, 200, 'a reset of one prefix leaves the other')
})
