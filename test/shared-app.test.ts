import { connect } from 'node:net'
import { Writable } from 'node:stream'
import t from 'tap'
import { loadConfig, startSandbox, type SandboxOptions } from '../src/index.js'
import { buildApp } from '../src/app.js'
import { createFixturesCache } from '../src/domain/fixtures.js'
import { createCompiledSchemas } from '../src/http/lazy-schemas.js'
import { ListenError, startInProcess, type InProcessSandbox, type SharedParts } from '../src/server.js'
import { AIGERIM, authorize, exchange, userData } from './helpers/flow.js'
import { DEMO_AUTH, bundledFixtures } from './helpers/app.js'

// startSandbox() serves every sandbox of a process from one app: each still has its own services,
// store, settings, clock, log and server, and closing one leaves the others serving.

const freshParts = (): SharedParts => ({ fixtures: createFixturesCache(), compiledSchemas: createCompiledSchemas(), apps: new Map() })

const start = (parts: SharedParts, options: SandboxOptions = {}, logStream?: Writable) =>
  startInProcess(loadConfig({ port: 0, logLevel: 'silent', host: '127.0.0.1' }, options), parts, logStream === undefined ? {} : { logStream })

function lines (): { stream: Writable, logged: Array<Record<string, unknown>> } {
  const logged: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter((text) => text !== '')) logged.push(JSON.parse(line))
      done()
    }
  })
  return { stream, logged }
}

t.test('sandboxes of one shape share one app: the routes are registered once, whatever number are started', async (t) => {
  const parts = freshParts()
  const started: InProcessSandbox[] = []
  for (let i = 0; i < 4; i++) started.push(await start(parts))
  t.teardown(() => Promise.all(started.map((sandbox) => sandbox.close())))
  t.equal(parts.apps.size, 1, 'four sandboxes, one app')
  started.push(await start(parts, { logLevel: 'warn' }), await start(parts, { logLevel: 'info' }))
  t.equal(parts.apps.size, 2, 'one more for sandboxes that log (their levels and streams stay their own)')
  started.push(await start(parts, { oidcErrors: 'envelope' }))
  t.equal(parts.apps.size, 3, 'and one for OIDC_ERRORS=envelope, which shapes the OIDC token routes')
  t.same(new Set(started.map((sandbox) => sandbox.port)).size, started.length, 'each on its own port')
})

t.test('each sandbox keeps its own state: a track, a code, a token, the clock and the journal of one are unknown to the other', async (t) => {
  const parts = freshParts()
  const a = await start(parts, { clock: '2030-01-01T00:00:00Z' })
  const b = await start(parts)
  t.teardown(async () => { await a.close(); await b.close() })
  const { trackId } = await authorize(a)
  t.equal((await b.inject({ url: `/__sandbox/tracks/${trackId}` })).statusCode, 404, "a's track is unknown to b")
  const approved = await a.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: AIGERIM } })
  const code = new URL(approved.json().redirect_uri).searchParams.get('authorization_code')!
  t.equal((await exchange(b, code)).statusCode, 400, "a's code is refused by b")
  const pair = (await exchange(a, code)).json()
  t.equal((await userData(b, pair.access_token)).statusCode, 401, "a's token is unknown to b")
  t.equal((await userData(a, pair.access_token)).statusCode, 200)
  await a.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: '1d' } })
  t.same((await a.inject({ url: '/__sandbox/clock' })).json(), { now: '2030-01-02T00:00:00.000Z', frozen: true })
  t.equal((await b.inject({ url: '/__sandbox/clock' })).json().frozen, false, "b's clock runs on its own")
  t.equal((await a.inject({ url: '/__sandbox/requests' })).json().length, 3, "a's journal: authorize, exchange, user (not the control API's approve)")
  t.same((await b.inject({ url: '/__sandbox/requests' })).json().map((entry: { status: number }) => entry.status), [401, 400], "b's, newest first: the token and the code it refused")
})

t.test('each sandbox keeps its own settings on the shared app: SANDBOX_TOKEN, ERROR_STATUS, JOURNAL', async (t) => {
  const parts = freshParts()
  const guarded = await start(parts, { sandboxToken: 'a-long-enough-token-0123456789' })
  const plain = await start(parts, { errorStatus: '200', journal: 'off' })
  t.teardown(async () => { await guarded.close(); await plain.close() })
  t.equal(parts.apps.size, 1)
  t.equal((await guarded.inject({ url: '/__sandbox/clock' })).statusCode, 401, 'the guarded one wants its token')
  t.equal((await guarded.inject({ url: '/__sandbox/clock', headers: { authorization: 'Bearer a-long-enough-token-0123456789' } })).statusCode, 200)
  t.equal((await plain.inject({ url: '/__sandbox/clock' })).statusCode, 200, 'the other takes anyone')
  const refused = await plain.inject({ method: 'POST', url: '/api/v1/oauth/authorize' })
  t.equal(refused.statusCode, 200, 'ERROR_STATUS=200 on that one')
  t.same(refused.json(), { error: { message: 'Unauthenticated.', code: 100401 } })
  t.equal((await guarded.inject({ method: 'POST', url: '/api/v1/oauth/authorize' })).statusCode, 401, 'and not on the other')
  t.same((await plain.inject({ url: '/__sandbox/requests' })).json(), [], 'JOURNAL=off keeps nothing')
  t.equal((await guarded.inject({ url: '/__sandbox/requests', headers: { authorization: 'Bearer a-long-enough-token-0123456789' } })).json().length, 1, 'while the other journals its own')
})

t.test("each sandbox's request log goes to its own stream at its own level", async (t) => {
  const parts = freshParts()
  const one = lines()
  const two = lines()
  const info = await start(parts, { logLevel: 'info' }, one.stream)
  const warn = await start(parts, { logLevel: 'warn' }, two.stream)
  t.teardown(async () => { await info.close(); await warn.close() })
  await fetch(`${info.url}/health`)
  await fetch(`${warn.url}/health`)
  await fetch(`${info.url}/api/v1/oauth/user`)
  t.match(one.logged, [{ msg: 'request', url: '/health', status: 200 }, { msg: 'request', url: '/api/v1/oauth/user', status: 401, reason: 'Unauthenticated.' }])
  t.ok(one.logged.every((line) => typeof line.reqId === 'string'), 'each request line carries its request id')
  t.not(one.logged[0]!.reqId, one.logged[1]!.reqId)
  t.equal(one.logged.length, 2)
  t.same(two.logged, [], 'warn logs no request lines')
})

t.test('a sandbox beyond loopback says what is open, in its own log', async (t) => {
  const parts = freshParts()
  const { stream, logged } = lines()
  const sandbox = await start(parts, { logLevel: 'warn', host: '0.0.0.0' }, stream)
  t.teardown(() => sandbox.close())
  t.match(logged, [{ level: 40, msg: /^listening on 0\.0\.0\.0, beyond this machine: .*See docs\/shared-qa\.md\.$/ }])
  t.equal(sandbox.url, `http://127.0.0.1:${sandbox.port}`)
})

t.test('closing one sandbox leaves the others serving; it answers no more', async (t) => {
  const parts = freshParts()
  const a = await start(parts)
  const b = await start(parts)
  t.teardown(() => b.close())
  await a.close()
  t.equal(a.server.listening, false)
  await t.rejects(fetch(`${a.url}/health`), 'its port is closed')
  t.equal((await fetch(`${b.url}/ready`)).status, 200, 'the other still ready')
  t.equal((await fetch(`${b.url}/health`)).status, 200)
})

t.test("the HTTP parser's errors on a shared app's server: the envelope, as on a server of its own", async (t) => {
  const parts = freshParts()
  const sandbox = await start(parts)
  t.teardown(() => sandbox.close())
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(sandbox.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'))
    let text = ''
    socket.on('data', (chunk) => { text += String(chunk) })
    socket.on('close', () => resolve(text))
  })
  t.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/)
  t.match(answer, /\{"error":\{"message":"The HTTP request is malformed[^"]*","code":100400\}\}$/)
})

t.test('on a shared app too: a request without Host and a CONNECT are answered in the envelope', async (t) => {
  const sandbox = await start(freshParts())
  t.teardown(() => sandbox.close())
  const answer = (raw: string) => new Promise<string>((resolve, reject) => {
    const socket = connect(sandbox.port, '127.0.0.1', () => socket.end(raw))
    let text = ''
    socket.on('data', (chunk) => { text += String(chunk) }).on('close', () => resolve(text)).on('error', reject)
  })
  t.match(await answer('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n'),
    /^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\n\r\n\{"error":\{"message":"The HTTP request is malformed: no Host header \(HTTP\/1\.1 requires one\)\.","code":100400\}\}$/)
  t.match(await answer('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
    /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*\r\n\r\n\{"error":\{"message":"The CONNECT method is not supported: this is not a proxy\.","code":100405\}\}$/)
  t.equal((await sandbox.inject({ url: '/__sandbox/requests' })).json().length, 0, 'neither is journaled')
})

t.test('a port already taken: a ListenError, and the sandbox it built is closed again', async (t) => {
  const parts = freshParts()
  const first = await start(parts)
  t.teardown(() => first.close())
  const error = await start(parts, { port: first.port }).catch((caught: unknown) => caught)
  t.type(error, ListenError)
  t.equal((error as Error).message, `cannot listen on 127.0.0.1:${first.port}: the port is already in use (choose another port, or 0 for any free one)`)
  t.equal((await fetch(`${first.url}/health`)).status, 200, 'the sandbox on that port is untouched')
})

t.test('HOST=localhost: a sandbox with an app of its own (Fastify listens on each address the name has)', async (t) => {
  const parts = freshParts()
  const sandbox = await start(parts, { host: 'localhost' })
  t.teardown(() => sandbox.close())
  t.equal(parts.apps.size, 0, 'the shared app is not used')
  const { trackId } = await authorize(sandbox)
  t.equal((await sandbox.inject({ url: `/__sandbox/tracks/${trackId}` })).statusCode, 200)
  t.equal((await fetch(`http://127.0.0.1:${sandbox.port}/health`)).status, 200)
  t.equal(sandbox.context.clients.all().length, 3)
  const shouted = await start(parts, { host: 'LOCALHOST' })
  t.teardown(() => shouted.close())
  t.equal(parts.apps.size, 0, 'LOCALHOST is the same name')
})

t.test('a shared app has no sandbox of its own: reading one without a request says so', async (t) => {
  const parts = freshParts()
  const sandbox = await start(parts)
  t.teardown(() => sandbox.close())
  const app = await parts.apps.get('false:oauth')!
  t.throws(() => app.sandbox, { message: 'this app serves several sandboxes: read request.sandbox' })
  // A request that reached it without a sandbox is the sandbox's own bug: a 500 that names it.
  const stray = await app.inject({ method: 'GET', url: '/health' })
  t.equal(stray.statusCode, 500)
  t.equal(stray.json().message, 'a request to an app that serves several sandboxes came without one')
  // And on an app of sandboxes that log: its request loggers fall back to the app's own.
  const logging = await start(parts, { logLevel: 'info' })
  t.teardown(() => logging.close())
  const strayLogged = await (await parts.apps.get('true:oauth')!).inject({ method: 'GET', url: '/health' })
  t.equal(strayLogged.statusCode, 500)
})

t.test('startSandbox() uses the shared app: a second sandbox costs no new routes', async (t) => {
  const a = await startSandbox({ logLevel: 'silent' })
  const b = await startSandbox({ logLevel: 'silent' })
  t.teardown(async () => { await a.close(); await b.close() })
  const { trackId } = await authorize(a)
  t.equal((await b.inject({ url: `/__sandbox/tracks/${trackId}` })).statusCode, 404)
  t.equal((await a.track(trackId)).track_id, trackId)
  t.match(await b.track(trackId).catch((error: unknown) => error), { status: 404 }, "b's control knows no such track")
})

t.test('an app of its own (buildApp) reads its own sandbox, as before', async (t) => {
  const app = await buildApp({ config: loadConfig({ logLevel: 'silent' }, {}), fixtures: await bundledFixtures() })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/api/v1/oauth/authorize', headers: { authorization: DEMO_AUTH }, payload: { redirect_uri: 'https://shop.example/cb', grants: ['read.email'] } })
  t.equal(res.statusCode, 200)
  t.equal(app.sandbox.clients.all().length, 3)
})

t.test("the handle's app.inject(), as the docs once printed it, reaches this sandbox", async (t) => {
  const a = await startSandbox({ logLevel: 'silent' })
  const b = await startSandbox({ logLevel: 'silent' })
  t.teardown(async () => { await a.close(); await b.close() })
  const { trackId } = await authorize(a.app)
  t.equal((await a.app.inject({ url: `/__sandbox/tracks/${trackId}` })).statusCode, 200)
  t.equal((await b.app.inject({ url: `/__sandbox/tracks/${trackId}` })).statusCode, 404)
})

t.test("the handle's app.inject() in Fastify's callback form answers; its chain form is refused in words, on a shared app and on one of its own", async (t) => {
  for (const host of ['127.0.0.1', 'localhost']) {
    const sandbox = await startSandbox({ logLevel: 'silent', host })
    t.teardown(() => sandbox.close())
    const answered = await new Promise<{ error: Error | undefined, status?: number, body?: string }>((resolve) => {
      sandbox.app.inject({ method: 'GET', url: '/health' }, (error, response) => resolve({ error, status: response?.statusCode, body: response?.body }))
    })
    t.same(answered, { error: undefined, status: 200, body: '{"status":"ok"}' }, `${host}: the callback gets the answer`)
    await sandbox.addFault({ route: 'GET /api/v1/oauth/user', drop: true })
    const failed = await new Promise<Error | undefined>((resolve) => {
      sandbox.app.inject({ method: 'GET', url: '/api/v1/oauth/user' }, (error) => resolve(error))
    })
    t.match(failed, { code: 'LIGHT_ECONNRESET' }, `${host}: the callback gets a dropped connection as its error`)
    t.throws(() => (sandbox.app.inject as unknown as () => unknown)(), {
      name: 'TypeError',
      message: 'app.inject() takes its options, as in app.inject({ method, url }) or sandbox.inject({ method, url }): the chain form (app.inject().get(url)) is not kept, since the sandboxes of a process share one app'
    }, `${host}: the chain form`)
  }
})
