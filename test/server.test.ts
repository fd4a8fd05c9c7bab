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

t.test('LOG_FORMAT=pretty: pino-pretty lines on stdout, and no "listening at" line beside the banner', async (t) => {
  const written: string[] = []
  const write = process.stdout.write
  process.stdout.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true }) as typeof process.stdout.write
  try {
    const sandbox = await startServer(loadConfig({ port: 0, logLevel: 'info', logFormat: 'pretty' }))
    await fetch(`${sandbox.url}/api/v1/oauth/user`)
    await sandbox.close()
  } finally {
    process.stdout.write = write
  }
  t.match(written, [/^\[\d\d:\d\d:\d\d\] INFO: GET \/api\/v1\/oauth\/user 401 \(\d+(\.\d)? ms\): Unauthenticated\.\n$/])
  t.equal(written.length, 1, 'nothing else: no "listening at" line')
})

t.test('JSON (not a terminal): the JSON lines, and no "listening at" line either', async (t) => {
  const lines: string[] = []
  const logStream = { write: (line: string) => { lines.push(line) } }
  const sandbox = await startServer(loadConfig({ port: 0, logLevel: 'info' }), { logStream })
  await fetch(`${sandbox.url}/health`)
  await sandbox.close()
  t.match(lines.map((line) => JSON.parse(line)), [{ msg: 'request', url: '/health', status: 200 }])
  t.equal(sandbox.app.log.level, 'info', 'the level is back once listening')
})
