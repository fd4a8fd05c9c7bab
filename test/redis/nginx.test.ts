import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startSandbox } from '../../src/index.js'
import { listeningUrl, spawnMain, type Spawned } from '../helpers/process.js'
import { freePort, startRedis, uniquePrefix } from '../helpers/redis.js'
import { AIGERIM } from '../helpers/flow.js'
import { DEMO_AUTH, authorizeBody } from '../helpers/app.js'

/**
 * The compose example's nginx.conf on a real nginx, in front of two sandbox processes on one
 * real Redis: a whole flow through the balancer, spread round-robin over both replicas, answering
 * the same bytes as one sandbox would; a POST never repeated on the other replica once sent.
 */

const EXAMPLE_CONF = fileURLToPath(new URL('../../examples/compose/nginx.conf', import.meta.url))
const SEED = 'nginx'
const CLOCK = '2030-01-01T00:00:00Z'

/** The nginx binary: the first on PATH or in the usual sbin folders (Debian's is /usr/sbin/nginx). */
function findNginx (): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']
  return folders.filter((folder) => folder !== '').map((folder) => join(folder, 'nginx')).find((path) => existsSync(path))
}
const NGINX = findNginx()

const REPLICAS_BLOCK = /^[ \t]*# --- replicas: BEGIN[^\n]*\n[\s\S]*?^[ \t]*# --- replicas: END ---[^\n]*\n/m
const LISTEN = /^([ \t]*)listen 8080;$/m

/**
 * The example's server config with the replicas swapped for local ports and nginx on `port`.
 * `max_fails=0`: a failure (the dropped connections below) never takes a replica out of the
 * rotation, so every check sees plain round-robin whatever the one before it did.
 */
function localConf (example: string, replicaPorts: number[], port: number): string {
  if (!REPLICAS_BLOCK.test(example)) throw new Error(`${EXAMPLE_CONF}: the "# --- replicas: BEGIN/END ---" block is missing`)
  if (example.match(new RegExp(LISTEN.source, 'gm'))?.length !== 1) throw new Error(`${EXAMPLE_CONF}: expected exactly one "listen 8080;"`)
  const servers = replicaPorts.map((replica) => `    server 127.0.0.1:${replica} max_fails=0;\n`).join('')
  return example.replace(REPLICAS_BLOCK, servers).replace(LISTEN, `$1listen 127.0.0.1:${port};`)
}

/**
 * nginx in the foreground as one process (so one round-robin, and nothing left behind when it is
 * stopped), every path it writes in `dir`, the example's file inside http {} as in the nginx image.
 */
const mainConf = (dir: string, serverConf: string) => `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    access_log off;
    # Test only: the replica(s) that served each request, in the order nginx tried them.
    add_header X-Upstream $upstream_addr always;
    include ${serverConf};
}
`

interface Nginx { url: string, stderr: () => string, stop: () => Promise<void> }

/**
 * True when nginx answers on `port` itself: a request without Host, which nginx rejects without
 * passing it on (a replica bound there would answer without "Server: nginx", and log it).
 */
async function nginxAnswers (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (answer: boolean): void => {
      socket.destroy()
      clearTimeout(timer)
      resolve(answer)
    }
    const timer = setTimeout(() => done(false), 1000)
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nConnection: close\r\n\r\n'))
    socket.on('data', (data) => { reply += String(data) })
    socket.on('end', () => done(/^HTTP\/1\.1 400 [^\r]*\r\n(?:[^\r]+\r\n)*Server: nginx/i.test(reply)))
    socket.on('error', () => done(false))
  })
}

/** nginx on `port`, once it answers there itself; undefined when it could not bind the port (another process took it). */
async function startNginx (binary: string, dir: string, replicaPorts: number[], port: number): Promise<Nginx | undefined> {
  const serverConf = join(dir, 'freedom-id.conf')
  await writeFile(serverConf, localConf(await readFile(EXAMPLE_CONF, 'utf8'), replicaPorts, port))
  await writeFile(join(dir, 'nginx.conf'), mainConf(dir, serverConf))
  const child = spawn(binary, ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  let running = true
  const alive = (): boolean => running
  child.stderr!.on('data', (data) => { stderr += String(data) })
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => { running = false; resolve() })
    // Not started at all (not executable, say): no exit event follows.
    child.once('error', (error) => { running = false; stderr += String(error); resolve() })
  })
  const stop = async (): Promise<void> => {
    if (alive()) child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 5000
  while (Date.now() < deadline && alive()) {
    if (await nginxAnswers(port)) return { url: `http://127.0.0.1:${port}`, stderr: () => stderr, stop }
    await sleep(20)
  }
  await stop()
  if (/bind\(\) to 127\.0\.0\.1:\d+ failed \(98: Address already in use\)/.test(stderr)) return undefined
  throw new Error(`nginx did not listen on 127.0.0.1:${port}; its stderr:\n${stderr}`)
}

interface Answer { status: number, location: string | null, upstream: string | null, body: any }

/** One HTTP call, answered as status, Location, the X-Upstream the test's nginx adds, and the parsed body. */
async function call (url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init })
  const text = await res.text()
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json')
  return { status: res.status, location: res.headers.get('location'), upstream: res.headers.get('x-upstream'), body: json ? JSON.parse(text) : text }
}
const postJson = (url: string, body: unknown, headers: Record<string, string> = { authorization: DEMO_AUTH }) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
const postForm = (url: string, fields: Record<string, string>) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })

/** The whole flow as a browser and a merchant's server go through it, against `base`. */
async function flow (base: string) {
  const authorized = await postJson(`${base}/api/v1/oauth/authorize`, authorizeBody)
  const link = new URL(authorized.body.redirect_uri)
  const trackId = link.searchParams.get('track_id')!
  const page = await call(`${base}${link.pathname}${link.search}`)
  const signedIn = await postForm(`${base}/login/sign-in`, { login: '+77015550101', password: 'Sandbox123!', track_id: trackId })
  const consented = await postForm(`${base}/login/consent`, { track_id: trackId, decision: 'allow' })
  const code = new URL(consented.location ?? 'x:').searchParams.get('authorization_code') ?? ''
  const token = await postJson(`${base}/api/v1/oauth/token`, { authorization_code: code })
  const user = await call(`${base}/api/v1/oauth/user`, { headers: { authorization: `Bearer ${token.body.access_token}` } })
  return { trackId, steps: { authorized, page, signedIn, consented, token, user } }
}

/** The "METHOD /path" of every request line a replica logged (LOG_LEVEL=info), once `count` are there. */
async function loggedRequests (run: Spawned, count: number): Promise<string[]> {
  const read = () => run.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
    .filter((line) => line.msg === 'request').map((line) => `${line.method} ${String(line.url).split('?')[0]}`)
  for (let i = 0; i < 100 && read().length < count; i++) await sleep(20)
  return read()
}

const NGINX_TRIES = 5

/**
 * Two replicas on Redis behind nginx. nginx's port must be known before it starts (the replicas'
 * PUBLIC_URL), so it is picked free and may be taken meanwhile, by a replica among others: then
 * everything starts again on another port, NGINX_TRIES times at most.
 */
async function startBalanced (t: Test, redisUrl: string) {
  const dir = await mkdtemp(join(tmpdir(), 'fid-nginx-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (let tries = 0; tries < NGINX_TRIES; tries++) {
    const nginxPort = await freePort()
    const prefix = uniquePrefix('nginx')
    const replicas = await Promise.all([0, 1].map(async () => {
      const run = spawnMain([], { PORT: '0', LOG_LEVEL: 'info', STORE: redisUrl, STORE_PREFIX: prefix, PUBLIC_URL: `http://127.0.0.1:${nginxPort}`, SEED, CLOCK })
      const stop = async () => {
        run.child.kill('SIGKILL')
        await run.exited
      }
      t.teardown(stop)
      const url = await listeningUrl(run)
      return { run, url, address: new URL(url).host, stop }
    }))
    const nginx = await startNginx(NGINX!, dir, replicas.map((replica) => Number(new URL(replica.url).port)), nginxPort)
    if (nginx !== undefined) {
      t.teardown(() => nginx.stop())
      return { nginx, replicas, nginxPort }
    }
    await Promise.all(replicas.map((replica) => replica.stop()))
  }
  throw new Error(`nginx could not bind a port in ${NGINX_TRIES} tries`)
}

t.test('the compose example\'s nginx.conf in front of two replicas on Redis', {
  skip: NGINX === undefined ? 'nginx is not installed (apt-get install nginx-light); CI installs it' : false
}, async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const { nginx, replicas, nginxPort } = await startBalanced(t, redis.url)
  const publicUrl = `http://127.0.0.1:${nginxPort}`
  const [a, b] = replicas as [typeof replicas[0], typeof replicas[0]]
  t.equal(nginx.url, publicUrl)
  // One sandbox on its own, in memory, given the same requests: what the pair behind nginx must answer.
  const reference = await startSandbox({ seed: SEED, clock: CLOCK, publicUrl, logLevel: 'silent' })
  t.teardown(() => reference.close())

  const { trackId, steps } = await flow(nginx.url)
  const expected = await flow(reference.url)
  const { authorized, page, signedIn, consented, token, user } = steps

  t.equal(authorized.status, 200)
  t.same(Object.keys(authorized.body), ['redirect_uri'])
  t.equal(authorized.body.redirect_uri, `${publicUrl}/login?track_id=${trackId}&expire_at=1893456600`, 'the login link points at nginx')
  t.equal(page.status, 200, 'the login page, through nginx')
  t.match(page.body, /Demo Shop/)
  t.same([signedIn.status, signedIn.location], [303, `/login/consent?track_id=${trackId}`], 'signed in')
  t.equal(consented.status, 303, 'allowed')
  t.match(consented.location, /^https:\/\/shop\.example\/callback\?authorization_code=[A-Za-z0-9]{64}$/)
  t.equal(token.status, 200, 'the code exchanged')
  t.match(token.body, {
    id: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    access_token: /^[A-Za-z0-9]{128}$/,
    refresh_token: /^[A-Za-z0-9]{128}$/
  })
  t.same([token.body.access_expire_at, token.body.refresh_expire_at], ['2030-01-08T00:00:00.000000Z', '2030-02-01T00:00:00.000000Z'])
  t.same(user, { status: 200, location: null, upstream: user.upstream, body: { id: AIGERIM, email: 'aigerim.sarsenbayeva@example.com', phone: '+77015550101' } }, 'the user data')
  for (const [step, answer] of Object.entries(steps)) {
    const { status, location, body } = expected.steps[step as keyof typeof steps]
    t.same({ status: answer.status, location: answer.location, body: answer.body }, { status, location, body }, `${step}: the very answer of one sandbox (same seed, same requests)`)
  }

  // Round-robin: with both replicas up, nginx alternates between them, one try per request.
  const served = Object.values(steps).map((answer) => answer.upstream)
  t.same(new Set(served), new Set([a.address, b.address]), 'both replicas served, and nothing else')
  t.ok(served.every((address, i) => i === 0 || address !== served[i - 1]), `each step on the other replica: ${served.join(' ')}`)
  const routes = ['POST /api/v1/oauth/authorize', 'GET /login', 'POST /login/sign-in', 'POST /login/consent', 'POST /api/v1/oauth/token', 'GET /api/v1/oauth/user']
  for (const replica of [a, b]) {
    const mine = routes.filter((_route, i) => served[i] === replica.address)
    t.same(await loggedRequests(replica.run, mine.length), mine, `replica ${replica.address} logged exactly the steps nginx says it sent there`)
  }

  // What the replicas were told about the client, as the journal recorded it.
  const journal = await call(`${nginx.url}/__sandbox/requests?path=/api/v1/oauth/authorize`)
  t.match(journal.body[0].request.headers, {
    host: '127.0.0.1',
    'x-real-ip': '127.0.0.1',
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': '127.0.0.1',
    'x-forwarded-port': String(nginxPort),
    authorization: 'Basic [redacted]'
  }, 'Host and X-Forwarded-* passed on')

  // A POST that reached a replica is never sent to the other one: a dropped code exchange is a 502.
  const tokenEntries = async () => (await call(`${nginx.url}/__sandbox/requests?path=/api/v1/oauth/token&method=POST`)).body.map((entry: { status: number }) => entry.status)
  t.equal((await postJson(`${nginx.url}/__sandbox/faults`, { route: 'POST /api/v1/oauth/token', drop: true }, {})).status, 201)
  const dropped = await postJson(`${nginx.url}/api/v1/oauth/token`, { authorization_code: 'A'.repeat(64) })
  t.equal(dropped.status, 502, 'the dropped connection reaches the client as a 502')
  t.ok(dropped.upstream === a.address || dropped.upstream === b.address, `one replica tried, no retry (${dropped.upstream})`)
  t.same(await tokenEntries(), [0, 200], 'the journal: the dropped exchange once, then the flow\'s')

  // A GET is idempotent: dropped on one replica, nginx asks the other, which answers.
  t.equal((await postJson(`${nginx.url}/__sandbox/faults`, { route: 'GET /api/v1/oauth/user', drop: true }, {})).status, 201)
  const retried = await call(`${nginx.url}/api/v1/oauth/user`, { headers: { authorization: `Bearer ${token.body.access_token}` } })
  t.same([retried.status, retried.body], [200, user.body], 'answered by the other replica')
  t.same(retried.upstream?.split(', ').sort(), [a.address, b.address].sort(), `both tried (${retried.upstream})`)
  const userEntries = await call(`${nginx.url}/__sandbox/requests?path=/api/v1/oauth/user`)
  t.same(userEntries.body.map((entry: { status: number }) => entry.status), [200, 0, 200], 'the journal: the flow\'s, the dropped one, the retry')

  // A replica gone: a connection refused is retried even for a POST (nothing was sent), on the other one.
  b.run.child.kill('SIGKILL')
  await b.run.exited
  // Let nginx see its kept-alive sockets to B close before the next request could pick one.
  await sleep(100)
  const afterB = [await postJson(`${nginx.url}/api/v1/oauth/authorize`, authorizeBody), await postJson(`${nginx.url}/api/v1/oauth/authorize`, authorizeBody)]
  t.same(afterB.map((answer) => answer.status), [200, 200], 'authorize still works with one replica down')
  t.same(afterB.map((answer) => answer.upstream).sort(), [a.address, `${b.address}, ${a.address}`].sort(), 'B refused, A answered')
  t.equal(a.run.child.exitCode, null, 'A is still running')
  t.notMatch(nginx.stderr(), /\[(emerg|crit|alert)\]/, 'no serious nginx error')
})
