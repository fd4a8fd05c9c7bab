import { spawn } from 'node:child_process'
import t from 'tap'
import { startSandbox } from '../../src/index.js'
import { KEEP_ALIVE_GRACE_MS } from '../../src/plugins/draining.js'
import { DRAIN_MS } from '../../src/server.js'
import { childEnv } from '../helpers/process.js'
import { rawClient } from '../helpers/raw-socket.js'

t.test('in process: while closing, in-flight answers say Connection: close and late requests get the 503 envelope', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  await sandbox.addFault({ route: 'GET /api/v1/oauth/user', delay_ms: 400 })
  const inFlight = await rawClient(sandbox.port)
  const late = await rawClient(sandbox.port)
  t.teardown(() => { inFlight.destroy(); late.destroy() })
  inFlight.socket.write('GET /api/v1/oauth/user HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  late.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closing = sandbox.close()
  late.socket.write('\r\n')
  await Promise.all([inFlight.closed, late.closed])
  await closing
  t.match(inFlight.received(), /^HTTP\/1\.1 401 Unauthorized\r\n/, 'the in-flight request got its real answer')
  t.match(inFlight.received(), /\r\nconnection: close\r\n/i)
  t.match(late.received(), /^HTTP\/1\.1 503 Service Unavailable\r\n/)
  t.match(late.received(), /\r\nconnection: close\r\n/i)
  t.equal(late.received().split('\r\n\r\n')[1], '{"error":{"message":"Not ready: the sandbox is shutting down.","code":100503}}')
})

t.test(`in process, closed as the CLI's SIGTERM closes it: an idle kept-alive connection is kept ${KEEP_ALIVE_GRACE_MS} ms after close starts: its next request gets the 503, then a clean close`, async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  const idle = await rawClient(sandbox.port)
  t.teardown(() => idle.destroy())
  idle.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  while (!idle.received().includes('"status":"ok"')) await new Promise((resolve) => setTimeout(resolve, 5))
  let error: NodeJS.ErrnoException | undefined
  idle.socket.on('error', (e) => { error = e })
  const closing = sandbox.close({ keepAliveGraceMs: KEEP_ALIVE_GRACE_MS })
  await new Promise((resolve) => setTimeout(resolve, KEEP_ALIVE_GRACE_MS / 2))
  const before = idle.received().length
  idle.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  await idle.closed
  await closing
  const late = idle.received().slice(before)
  t.match(late, /^HTTP\/1\.1 503 Service Unavailable\r\n/)
  t.match(late, /\r\nconnection: close\r\n/i)
  t.equal(late.split('\r\n\r\n')[1], '{"error":{"message":"Not ready: the sandbox is shutting down.","code":100503}}')
  t.equal(error, undefined, 'closed with a FIN, no reset')
})

t.test('the library\'s close() keeps no grace: a test that closes its sandbox does not wait for its own kept-alive sockets', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  const idle = await rawClient(sandbox.port)
  t.teardown(() => idle.destroy())
  idle.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  while (!idle.received().includes('"status":"ok"')) await new Promise((resolve) => setTimeout(resolve, 5))
  const closed = sandbox.close()
  // With a grace it would go on listening while a client is connected; without one it stops at once.
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(sandbox.server.listening, false, 'it stops listening at once, the idle client connected')
  await closed
  await idle.closed
})

t.test('a request held by a fault\'s delay is drained as any request, then cut: close() takes the drain\'s limit, not the delay', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  await sandbox.addFault({ route: 'GET /api/v1/oauth/user', delay_ms: 60_000 })
  const held = fetch(`${sandbox.url}/api/v1/oauth/user`, { headers: { authorization: 'Bearer x' } })
  while ((await sandbox.faults()).length > 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const started = performance.now()
  await sandbox.close()
  const closedIn = performance.now() - started
  t.ok(closedIn >= DRAIN_MS - 100 && closedIn < DRAIN_MS + 5_000, `closed in ${Math.round(closedIn)} ms: the drain's ${DRAIN_MS} ms, not the minute's delay`)
  await t.rejects(held, { name: 'TypeError', message: 'fetch failed' }, 'the request was cut')
  t.equal(sandbox.context.lifecycle.waits.signal.aborted, true, 'and its delay ended')
})

t.test('a request held by a fault\'s delay does not keep a test process alive once its sandbox has closed', async (t) => {
  // The library as a merchant's test imports it; a minute's delay (the longest a fault takes) on a request in flight.
  const code = `const { startSandbox } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)})
const sandbox = await startSandbox({ logLevel: 'silent' })
await sandbox.addFault({ route: 'GET /api/v1/oauth/user', delay_ms: 60000 })
fetch(sandbox.url + '/api/v1/oauth/user', { headers: { authorization: 'Bearer x' } }).catch(() => {})
while ((await sandbox.faults()).length > 0) await new Promise((resolve) => setTimeout(resolve, 5))
await sandbox.close()
console.log('closed')`
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => { out += String(d) })
  child.stderr.on('data', (d) => { err += String(d) })
  const killer = setTimeout(() => child.kill(), 20_000)
  t.teardown(() => clearTimeout(killer))
  let closedAt = 0
  child.stdout.on('data', () => { if (closedAt === 0 && out.includes('closed')) closedAt = performance.now() })
  const exit = await new Promise<number | string>((resolve) => child.on('exit', (status, signal) => resolve(status ?? signal ?? -1)))
  t.equal(exit, 0, err)
  t.equal(out, 'closed\n')
  t.ok(performance.now() - closedAt < 10_000, `exited ${Math.round(performance.now() - closedAt)} ms after close(), not when the minute's delay ran out`)
})
