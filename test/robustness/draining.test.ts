import t from 'tap'
import { startSandbox } from '../../src/index.js'
import { KEEP_ALIVE_GRACE_MS } from '../../src/plugins/draining.js'
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
