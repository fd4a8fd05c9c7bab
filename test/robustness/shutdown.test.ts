import { Agent } from 'node:http'
import t, { type Test } from 'tap'
import { SHUTDOWN_GRACE_MS } from '../../src/cli.js'
import { listeningUrl, spawnMain, type Spawned } from '../helpers/process.js'
import { live, type LiveAnswer } from '../helpers/live-http.js'
import { rawClient } from '../helpers/raw-socket.js'
import { DRAIN_MS } from '../../src/server.js'

// The stalled-client case waits past the 10 s grace period while its defect stands.
t.setTimeout(60_000)

const USER = '/api/v1/oauth/user'
const UNAUTHENTICATED = '{"error":{"message":"Unauthenticated.","code":100401}}'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `ready()` holds, at most `timeoutMs`. */
async function until (ready: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await ready()) return
    await sleep(10)
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function start (t: Test): Promise<{ run: Spawned, url: string, port: number }> {
  const run = spawnMain(['--port', '0'], { LOG_LEVEL: 'info' })
  t.teardown(() => { run.child.kill('SIGKILL') })
  const url = await listeningUrl(run)
  return { run, url, port: Number(new URL(url).port) }
}

const shuttingDown = (run: Spawned) => until(() => run.stdout().includes('"msg":"shutting down"'), 2_000, 'the shutdown log line')

/** Queues a delay-only fault on GET /api/v1/oauth/user, starts that request, and waits until the sandbox holds it. */
async function inFlight (url: string, delayMs: number, agent: Agent): Promise<{ answer: Promise<LiveAnswer> }> {
  const fault = await live(url, '/__sandbox/faults', { method: 'POST', json: { route: `GET ${USER}`, delay_ms: delayMs } })
  if (fault.status !== 201) throw new Error(`the fault was refused: ${fault.status} ${fault.text}`)
  const answer = live(url, USER, {}, agent)
  answer.catch(() => {})
  await until(async () => (await live(url, '/__sandbox/faults')).text === '[]', 2_000, 'the fault to be consumed')
  // Wrapped: an async function returning a bare promise would wait for it.
  return { answer }
}

/** What a new client gets while the sandbox shuts down: a refused connection or a 503. */
const newClient = (url: string) => live(url, '/health', {}, new Agent({ keepAlive: false }))
  .then((res) => String(res.status), (error: NodeJS.ErrnoException) => error.code ?? error.message)

const exitWithin = (run: Spawned, ms: number) => Promise.race([run.exited, sleep(ms).then(() => `still running after ${ms} ms`)])

t.test('SIGTERM drains an in-flight request, refuses new clients, then exits 0', async (t) => {
  const { run, url } = await start(t)
  const agent = new Agent({ keepAlive: false })
  t.teardown(() => agent.destroy())
  const { answer: pending } = await inFlight(url, 1_500, agent)

  const signalled = performance.now()
  run.child.kill('SIGTERM')
  await shuttingDown(run)
  let refusal = ''
  await until(async () => { refusal = await newClient(url); return refusal !== '200' }, 1_000, 'new clients to be turned away')
  t.ok(['ECONNREFUSED', '503'].includes(refusal), `a new client is refused or gets 503 (${refusal})`)
  t.ok(performance.now() - signalled < 1_000, 'new clients are turned away at once, not after the drain')

  const answer = await pending
  const answeredAfter = performance.now() - signalled
  t.equal(answer.status, 401, 'the in-flight request got its real answer')
  t.equal(answer.text, UNAUTHENTICATED)
  t.equal(answer.headers['www-authenticate'], 'Bearer realm="Freedom ID sandbox"')
  t.ok(answeredAfter > 1_000, `the request was drained, not cut (answered ${Math.round(answeredAfter)} ms after SIGTERM)`)

  const code = await exitWithin(run, 5_000)
  const exitedAfter = performance.now() - signalled
  t.equal(code, 0, 'exit code 0')
  t.ok(exitedAfter - answeredAfter < 1_000, `exited ${Math.round(exitedAfter - answeredAfter)} ms after the last answer`)
  t.comment(`in-flight answered ${Math.round(answeredAfter)} ms, process exited ${Math.round(exitedAfter)} ms after SIGTERM`)
  t.match(run.stdout(), /"signal":"SIGTERM"/)
  t.equal(run.stderr(), '', 'nothing on stderr')
})

t.test('SIGTERM with a keep-alive client (as fetch and most HTTP libraries are): exits right after the drained answer', async (t) => {
  const { run, url } = await start(t)
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const { answer: pending } = await inFlight(url, 1_500, agent)
  const signalled = performance.now()
  run.child.kill('SIGTERM')
  const answer = await pending
  const answeredAfter = performance.now() - signalled
  t.equal(answer.status, 401, 'the in-flight request got its real answer')
  const code = await exitWithin(run, 8_000)
  const exitedAfter = performance.now() - signalled
  t.equal(code, 0, 'exit code 0')
  // Known defect (see the report): the drained answer carries no "Connection: close", so the client's idle
  // socket keeps server.close() waiting until keepAliveTimeout (5 s) closes it.
  t.equal(answer.headers.connection, 'close', 'an answer sent while draining closes its connection')
  t.ok(exitedAfter - answeredAfter < 1_000,
    `exited ${Math.round(exitedAfter - answeredAfter)} ms after the drained answer (${Math.round(exitedAfter)} ms after SIGTERM)`)
})

t.test('a request that completes during the drain gets a 503 in the provider\'s envelope', async (t) => {
  const { run, port } = await start(t)
  const client = await rawClient(port)
  t.teardown(() => client.destroy())
  client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  await sleep(100)
  run.child.kill('SIGTERM')
  await shuttingDown(run)
  client.socket.write('\r\n')
  await Promise.race([client.closed, sleep(2_000)])
  t.match(client.received(), /^HTTP\/1\.1 503 Service Unavailable\r\n/)
  t.match(client.received(), /\r\nconnection: close\r\n/i, 'and the connection is closed')
  t.not(client.closedAfterMs(), undefined)
  t.equal(client.received().split('\r\n\r\n')[1], '{"error":{"message":"Not ready: the sandbox is shutting down.","code":100503}}', 'the envelope, as every other error')
  t.equal(await exitWithin(run, 2_000), 0)
})

for (const second of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`a second signal (${second}) during the drain exits at once with code 1`, async (t) => {
    const { run, url } = await start(t)
    const agent = new Agent({ keepAlive: false })
    t.teardown(() => agent.destroy())
    const { answer: pending } = await inFlight(url, 10_000, agent)
    run.child.kill('SIGTERM')
    await shuttingDown(run)
    await sleep(100)
    t.equal(run.child.exitCode, null, 'still draining after the first signal')
    const signalled = performance.now()
    run.child.kill(second)
    const code = await exitWithin(run, 3_000)
    const exitedAfter = performance.now() - signalled
    // close-with-grace: a signal after the first calls process.exit(1) and says so on stderr.
    t.equal(code, 1, 'exit code 1')
    t.ok(exitedAfter < 1_000, `exited ${Math.round(exitedAfter)} ms after the second signal, long before the 10 s delay`)
    t.equal(run.stderr(), `second ${second}, exiting\n`)
    await t.rejects(pending, 'the in-flight request is cut')
  })
}

t.test('SIGTERM is not held up by a client that never finishes its request', async (t) => {
  const { run, port } = await start(t)
  const client = await rawClient(port)
  t.teardown(() => client.destroy())
  client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a')
  await sleep(100)
  const signalled = performance.now()
  run.child.kill('SIGTERM')
  // Waits past the grace period on purpose, to record what the process finally does.
  const code = await exitWithin(run, SHUTDOWN_GRACE_MS + 2_000)
  const exitedAfter = Math.round(performance.now() - signalled)
  // Known defect (see the report): the half-sent request keeps server.close() waiting (Node also stops
  // enforcing requestTimeout once close() starts), so the grace period runs out and the process exits 1.
  t.same({ code, inTime: exitedAfter < DRAIN_MS + 2_000 }, { code: 0, inTime: true },
    `exit code ${code} after ${exitedAfter} ms; stderr: ${JSON.stringify(run.stderr())}`)
})

t.test('SIGTERM under keep-alive load: no client gets a reset, every answer is a 200 or the 503 envelope', async (t) => {
  const { run, url } = await start(t)
  const agent = new Agent({ keepAlive: true, maxSockets: 8 })
  t.teardown(() => agent.destroy())
  const answers = new Map<string, number>()
  const count = (what: string) => answers.set(what, (answers.get(what) ?? 0) + 1)
  let signalled = false
  // Each client goes on until the sandbox turns it away: a 503, or a refused connection once it stops listening.
  const client = async () => {
    for (;;) {
      try {
        const res = await live(url, '/health', {}, agent)
        count(`${res.status} ${res.status === 503 ? res.text : ''}`.trim())
        if (res.status !== 200) return
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
        count(code)
        if (signalled || code !== 'ECONNRESET') return
      }
    }
  }
  const clients = Array.from({ length: 32 }, client)
  await sleep(500)
  signalled = true
  run.child.kill('SIGTERM')
  await Promise.all(clients)
  t.comment(JSON.stringify(Object.fromEntries(answers)))
  const resets = (answers.get('ECONNRESET') ?? 0) + (answers.get('socket hang up') ?? 0)
  t.equal(resets, 0, 'no connection reset')
  const kinds = [...answers.keys()].filter((k) => k !== 'ECONNREFUSED').sort()
  t.same(kinds, ['200', `503 ${JSON.stringify({ error: { message: 'Not ready: the sandbox is shutting down.', code: 100503 } })}`],
    'only 200s and the envelope (and, once it stopped listening, refused connections)')
  t.equal(await exitWithin(run, 5_000), 0)
})
