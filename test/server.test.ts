import { createServer } from 'node:net'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { ListenError, startServer } from '../src/server.js'

t.test('listens and reports where', async (t) => {
  const sandbox = await startServer(loadConfig({ port: 0, logLevel: 'silent' }))
  t.teardown(() => sandbox.close())
  t.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(sandbox.url, `http://127.0.0.1:${sandbox.port}`)
  t.equal(sandbox.publicUrl, `http://localhost:${sandbox.port}`)
  t.equal((await fetch(`${sandbox.url}/health`)).status, 200)
})

t.test('a wildcard host is reported as loopback', async (t) => {
  const sandbox = await startServer(loadConfig({ port: 0, host: '0.0.0.0', logLevel: 'silent', publicUrl: 'https://sb.example' }))
  t.teardown(() => sandbox.close())
  t.equal(sandbox.url, `http://127.0.0.1:${sandbox.port}`)
  t.equal(sandbox.publicUrl, 'https://sb.example')
})

t.test('IPv6 hosts are bracketed; the IPv6 wildcard is reported as loopback', async (t) => {
  for (const [host, shown] of [['::1', '[::1]'], ['::', '[::1]']]) {
    const sandbox = await startServer(loadConfig({ port: 0, host, logLevel: 'silent' }))
    t.teardown(() => sandbox.close())
    t.equal(sandbox.url, `http://${shown}:${sandbox.port}`)
    t.equal((await fetch(`${sandbox.url}/health`)).status, 200)
  }
})

t.test('a port in use is a clear error', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => blocker.close(resolve)))
  const port = (blocker.address() as { port: number }).port
  const error = await startServer(loadConfig({ port, logLevel: 'silent' })).catch((e: unknown) => e)
  t.ok(error instanceof ListenError)
  t.equal((error as Error).message,
    `cannot listen on 127.0.0.1:${port}: the port is already in use (choose another port, or 0 for any free one)`)
})

t.test('other listen failures say why', async (t) => {
  const error = await startServer(loadConfig({ port: 0, host: '203.0.113.1', logLevel: 'silent' })).catch((e: unknown) => e)
  t.ok(error instanceof ListenError)
  t.match((error as Error).message, /^cannot listen on 203\.0\.113\.1:0: listen EADDRNOTAVAIL/)
})
