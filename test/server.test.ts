import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { loadConfig } from '../src/config.js'
import { ListenError, exposureWarning, startServer } from '../src/server.js'
import { bundledFixtures } from './helpers/app.js'

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

const OPEN_WARNING = 'listening on 0.0.0.0, beyond this machine: "Demo Shop", "Demo Shop (revoke_uri)" accept any redirect URI, so a login link with their client id can send a user anywhere (give every client redirect_uris); and the control API (/__sandbox) needs no token (set SANDBOX_TOKEN). See docs/shared-qa.md.'

/** Starts a sandbox with these settings, and answers the warnings it logged at start. */
async function warningsAt (t: Test, settings: Record<string, unknown>): Promise<string[]> {
  const lines: Array<{ level: number, msg: string }> = []
  const logStream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    }
  })
  const sandbox = await startServer(loadConfig({ port: 0, logLevel: 'info', ...settings }), { logStream })
  t.teardown(() => sandbox.close())
  return lines.filter((line) => line.level === 40).map((line) => line.msg)
}

t.test('beyond loopback with an unrestricted client and no SANDBOX_TOKEN: one warning line, in plain words', async (t) => {
  t.same(await warningsAt(t, { host: '0.0.0.0' }), [OPEN_WARNING])
  t.same(await warningsAt(t, { host: '0.0.0.0', sandboxToken: 'secret' }), [
    'listening on 0.0.0.0, beyond this machine: "Demo Shop", "Demo Shop (revoke_uri)" accept any redirect URI, so a login link with their client id can send a user anywhere (give every client redirect_uris). See docs/shared-qa.md.'
  ])
})

t.test('no warning on loopback, nor when every client is restricted and SANDBOX_TOKEN is set', async (t) => {
  t.same(await warningsAt(t, {}), [], 'the default host, 127.0.0.1')
  t.same(await warningsAt(t, { host: 'localhost' }), [])
  t.same(await warningsAt(t, { host: 'LocalHost' }), [], 'a host name in any case')
  t.same(await warningsAt(t, { host: '::1' }), [])
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-fixtures-'))
  const { clients, users } = await bundledFixtures()
  writeFileSync(join(dir, 'clients.json'), JSON.stringify(clients.filter((client) => client.redirect_uris !== undefined)))
  writeFileSync(join(dir, 'users.json'), JSON.stringify(users))
  t.same(await warningsAt(t, { host: '0.0.0.0', fixturesDir: dir, sandboxToken: 'secret' }), [], 'restricted clients and a token')
  t.same(await warningsAt(t, { host: '0.0.0.0', fixturesDir: dir }), [
    'listening on 0.0.0.0, beyond this machine: the control API (/__sandbox) needs no token (set SANDBOX_TOKEN). See docs/shared-qa.md.'
  ])
})

t.test('what counts as loopback: localhost, ::1, 127.0.0.0/8 (also IPv4-mapped); any other name or address does not', async (t) => {
  const kitap = (await bundledFixtures()).clients.filter((client) => client.name === 'Kitap Books (restricted)')
  const demo = (await bundledFixtures()).clients.filter((client) => client.name === 'Demo Shop')
  for (const host of ['localhost', '::1', '127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1']) t.equal(exposureWarning({ host }, kitap), undefined, host)
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'sandbox.example', '128.0.0.1']) t.match(exposureWarning({ host }, kitap), /needs no token/, host)
  t.equal(exposureWarning({ host: '10.0.0.5', sandboxToken: 't' }, demo),
    'listening on 10.0.0.5, beyond this machine: "Demo Shop" accepts any redirect URI, so a login link with its client id can send a user anywhere (give every client redirect_uris). See docs/shared-qa.md.')
})
