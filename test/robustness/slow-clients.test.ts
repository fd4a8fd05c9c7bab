import { Agent } from 'node:http'
import t from 'tap'
import { BODY_LIMIT } from '../../src/app.js'
import { startSandbox } from '../../src/index.js'
import { DEMO_AUTH } from '../helpers/app.js'
import { AIGERIM } from '../helpers/flow.js'
import { json, live, liveAuthorize } from '../helpers/live-http.js'
import { rawClient, trickle, type RawClient } from '../helpers/raw-socket.js'
import { DRAIN_MS } from '../../src/server.js'

const PROMPT_MS = 200
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

t.test('the Fastify timeouts are set on the listening server', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const server = sandbox.server
  t.equal(server.requestTimeout, 30_000, 'requestTimeout: a whole request must arrive within 30 s')
  t.equal(server.timeout, 60_000, 'connectionTimeout: a socket idle for 60 s is closed')
  t.equal(server.keepAliveTimeout, 5_000, 'keepAliveTimeout: an idle keep-alive connection lives 5 s')
  // Node cuts a request whose headers are incomplete at the smaller of the two (its parser checks both).
  t.ok(Math.min(server.headersTimeout, server.requestTimeout) <= 30_000, 'headers must arrive within 30 s')
  const over = await sandbox.inject({ method: 'POST', url: '/__sandbox/faults', headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(BODY_LIMIT - 1)}"` })
  t.equal(over.statusCode, 413, 'a body one byte over BODY_LIMIT is refused')
  const at = await sandbox.inject({ method: 'POST', url: '/__sandbox/faults', headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(BODY_LIMIT - 2)}"` })
  t.equal(at.statusCode, 422, 'one of BODY_LIMIT bytes is read (and refused: a fault is an object)')
  t.equal(BODY_LIMIT, 64 * 1024)
})

t.test('slow-loris headers and bodies that never finish do not hold up other clients', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent', journal: 'off' })
  const stalled: RawClient[] = []
  const stops: Array<() => void> = []
  const fresh = new Agent({ keepAlive: false })
  t.teardown(async () => {
    for (const stop of stops) stop()
    for (const client of stalled) client.destroy()
    fresh.destroy()
    await sandbox.close()
  })

  // 50 clients sending their headers one byte every 100 ms.
  for (let i = 0; i < 50; i++) {
    const client = await rawClient(sandbox.port)
    stops.push(trickle(client, `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `, 100, 100))
    stalled.push(client)
  }
  // 20 bodies that stop halfway: JSON to the token endpoint (authenticated, so it waits for the body), forms to the login page.
  for (let i = 0; i < 20; i++) {
    const client = await rawClient(sandbox.port)
    const form = i % 2 === 1
    const head = form
      ? 'POST /login/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\n'
      : `POST /api/v1/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${DEMO_AUTH}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n`
    client.socket.write(head + (form ? 'track_id=' : '{"authorization_code":"') + 'x'.repeat(150))
    stalled.push(client)
  }
  // 5 chunked bodies whose last chunk never comes.
  for (let i = 0; i < 5; i++) {
    const client = await rawClient(sandbox.port)
    client.socket.write(`POST /api/v1/oauth/authorize HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${DEMO_AUTH}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"red\r\n`)
    stalled.push(client)
  }

  const times: number[] = []
  const timed = async <T>(answer: Promise<T & { ms: number }>) => {
    const result = await answer
    times.push(result.ms)
    return result
  }
  // Each on a new connection: accepting is not held up either.
  for (let i = 0; i < 30; i++) {
    const health = await timed(live(sandbox.url, '/health', {}, fresh))
    t.equal(health.status, 200)
  }
  const concurrent = await Promise.all(Array.from({ length: 30 }, () => timed(live(sandbox.url, '/ready', {}, fresh))))
  t.same(concurrent.map((a) => a.status), Array(30).fill(200))
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    const trackId = await liveAuthorize(sandbox.url, ['read.email'], undefined, fresh)
    const approved = await live(sandbox.url, `/__sandbox/tracks/${trackId}/approve`, { method: 'POST', json: { user: AIGERIM } }, fresh)
    const code = new URL(json<{ redirect_uri: string }>(approved).redirect_uri).searchParams.get('authorization_code')!
    const token = await live(sandbox.url, '/api/v1/oauth/token', { method: 'POST', headers: { authorization: DEMO_AUTH }, json: { authorization_code: code } }, fresh)
    t.equal(token.status, 200, 'a full flow completes beside the stalled clients')
    times.push((performance.now() - started) / 4)
  }
  t.comment(`${times.length} requests beside ${stalled.length} stalled clients: median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`)
  t.same(times.filter((ms) => ms >= PROMPT_MS), [], `every request answered in under ${PROMPT_MS} ms`)

  // The stalled clients were really stalled the whole time: no answer, still connected.
  t.same(stalled.filter((c) => c.received() !== '' || c.closedAfterMs() !== undefined).map((c) => c.received()), [],
    'no stalled client was answered or cut while the others were served')
})

t.test('a body declared too large is refused at once, headers too large are refused', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const big = await rawClient(sandbox.port)
  t.teardown(() => big.destroy())
  const started = performance.now()
  big.socket.write(`POST /api/v1/oauth/authorize HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${DEMO_AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT + 1}\r\n\r\n{"redirect_uri":`)
  const deadline = Date.now() + 5_000
  while (!big.received().includes('}}') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  t.match(big.received(), /^HTTP\/1\.1 413 /, 'answered 413 without waiting for the body')
  t.match(big.received(), '{"error":{"message":"The request body is larger than 64 KiB.","code":100413}}')
  t.ok(performance.now() - started < 1_000, 'within a second')

  const flood = await rawClient(sandbox.port)
  t.teardown(() => flood.destroy())
  flood.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ${'a'.repeat(20_000)}\r\n\r\n`)
  await Promise.race([flood.closed, new Promise((resolve) => setTimeout(resolve, 5_000))])
  t.match(flood.received(), /^HTTP\/1\.1 431 /, 'headers over 16 KiB: 431, connection closed')
  t.not(flood.closedAfterMs(), undefined)
  t.equal((await live(sandbox.url, '/health')).status, 200, 'the server still answers')
})

t.test('an idle keep-alive connection is closed after keepAliveTimeout (5 s)', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const client = await rawClient(sandbox.port)
  t.teardown(() => client.destroy())
  client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')
  const answered = performance.now()
  await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 8_000))])
  const idleMs = performance.now() - answered
  t.match(client.received(), /^HTTP\/1\.1 200 OK\r\n[^]*keep-alive: timeout=5/i)
  t.not(client.closedAfterMs(), undefined, 'the server closed the idle connection')
  t.ok(idleMs > 4_500 && idleMs < 7_500, `closed after ${Math.round(idleMs)} ms of idleness, about 5 s`)
})

t.test('close() is not held up by a client that never finishes its request', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  const client = await rawClient(sandbox.port)
  client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a')
  const body = await rawClient(sandbox.port)
  body.socket.write(`POST /api/v1/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${DEMO_AUTH}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"auth`)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closing = sandbox.close()
  const started = performance.now()
  const bound = DRAIN_MS + 2_000
  const finished = await Promise.race([closing.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), bound))])
  // Node stops timing requests out once closing starts; close() cuts what is left after DRAIN_MS.
  t.ok(finished, `close() finished within ${bound} ms (waited ${Math.round(performance.now() - started)} ms)`)
  client.destroy()
  body.destroy()
  await closing
})
