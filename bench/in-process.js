// What a merchant's test file pays for the sandbox: the library started inside its own process.
//
// Fresh processes, alternated in one run (medians of BENCH_PROCESS_RUNS, 8), spawn to exit:
//   sandbox     imports the library, startSandbox(), one headless flow (authorize, approve, token,
//               user: fetch over HTTP), close();
//   mock        oauth2-mock-server (the usual in-process OAuth mock): start with its RSA key, one
//               token request, stop: less than the sandbox does;
//   bare        node:http: listen, answer one fetch, close: what node itself costs.
// Then, in one child process: the import, the first startSandbox(), warm startSandbox() + close(),
// reset(), and the headless flow over HTTP on one keep-alive connection (medians of its first 100 flows, and of
// 1,000 after 1,000 more: the target is for the code V8 has optimised, as a test file with many flows runs it).
//
//   node bench/in-process.js          (uses dist/index.js: npm run build first)
import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { ROOT, fmt, median } from './lib.js'

export const PROCESS_TARGET_RATIO = 2
export const WARM_START_TARGET_MS = 5
export const RESET_TARGET_MS = 1
export const FLOW_TARGET_MS = 1
// The headless flows of the in-process run: a first window, a warm-up, and the steady window the target is for.
export const FLOWS = { early: 100, warmup: 1000, steady: 1000 }

const LIBRARY = new URL('../dist/index.js', import.meta.url).href
const MOCK = 'oauth2-mock-server'
const CLIENT = '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret'
const USER = '+77015550101'

// One headless flow with fetch, as a merchant's test does it; throws on any wrong answer.
const FETCH_FLOW = `async function flow (url) {
  const basic = 'Basic ' + Buffer.from(${JSON.stringify(CLIENT)}).toString('base64')
  const json = { 'content-type': 'application/json' }
  const call = async (path, init) => {
    const res = await fetch(url + path, init)
    const body = await res.json()
    if (res.status !== 200) throw new Error(path + ' answered ' + res.status + ' ' + JSON.stringify(body))
    return body
  }
  const { redirect_uri: link } = await call('/api/v1/oauth/authorize', { method: 'POST', headers: { authorization: basic, ...json }, body: JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants: ['read.email', 'read.phone'] }) })
  const track = new URL(link).searchParams.get('track_id')
  const approved = await call('/__sandbox/tracks/' + track + '/approve', { method: 'POST', headers: json, body: JSON.stringify({ user: ${JSON.stringify(USER)} }) })
  const code = new URL(approved.redirect_uri).searchParams.get('authorization_code')
  const { access_token: access } = await call('/api/v1/oauth/token', { method: 'POST', headers: { authorization: basic, ...json }, body: JSON.stringify({ authorization_code: code }) })
  const user = await call('/api/v1/oauth/user', { headers: { authorization: 'Bearer ' + access } })
  if (typeof user.email !== 'string') throw new Error('user data without an e-mail: ' + JSON.stringify(user))
}`

const PROCESSES = {
  sandbox: `import { startSandbox } from ${JSON.stringify(LIBRARY)}
${FETCH_FLOW}
const sandbox = await startSandbox()
await flow(sandbox.url)
await sandbox.close()`,
  mock: `import { OAuth2Server } from ${JSON.stringify(MOCK)}
const server = new OAuth2Server()
await server.issuer.keys.generate('RS256')
await server.start(0, '127.0.0.1')
const res = await fetch(server.issuer.url + '/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=read' })
const body = await res.json()
if (res.status !== 200 || typeof body.access_token !== 'string') throw new Error('token answered ' + res.status)
await server.stop()`,
  bare: `import http from 'node:http'
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')) })
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const res = await fetch('http://127.0.0.1:' + server.address().port + '/')
if (res.status !== 200 || await res.text() !== '{}') throw new Error('bare answered ' + res.status)
await new Promise((resolve) => server.close(resolve))`
}

// The in-process figures, measured by one child so nothing of this script (autocannon...) is loaded.
const inProcessCode = (warmStarts, flows) => `import http from 'node:http'
const ms = (from) => performance.now() - from
const median = (values) => { const s = [...values].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
let at = performance.now()
const { startSandbox } = await import(${JSON.stringify(LIBRARY)})
const importMs = ms(at)
at = performance.now()
const first = await startSandbox()
const firstStartMs = ms(at)
// The routes it registers, from its OpenAPI document (which leaves out HEAD routes, as Fastify adds one to each GET, and
// itself), for a Fastify floor with as many.
const described = await first.inject({ url: '/openapi.json' })
const routes = Object.values(described.json().paths).reduce((n, methods) => n + Object.keys(methods).length, 1)
await first.close()
/** n runs of start() then close(): the wall-time medians of each, and the CPU time of both per run (less skewed by other processes). */
async function warm (n, start) {
  const starts = []
  const closes = []
  const cpu = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    at = performance.now()
    const close = await start()
    starts.push(ms(at))
    at = performance.now()
    await close()
    closes.push(ms(at))
  }
  const used = process.cpuUsage(cpu)
  return { start: median(starts), close: median(closes), cpu: (used.user + used.system) / 1000 / n }
}
const sandboxWarm = await warm(${warmStarts}, async () => { const s = await startSandbox(); return () => s.close() })
// The framework's floor: Fastify alone with one route, and with as many routes as the sandbox has.
const { default: Fastify } = await import('fastify')
const fastifyWith = (routes) => async () => {
  const app = Fastify({ logger: false })
  for (let i = 0; i < routes; i++) app.route({ method: i % 2 ? 'POST' : 'GET', url: '/route/' + i, handler: async () => ({}) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return () => app.close()
}
const fastifyOne = await warm(${warmStarts}, fastifyWith(1))
const fastifyAll = await warm(${warmStarts}, fastifyWith(routes))
let sockets = 0
/** A client on one keep-alive connection to a port; rejects on anything but a 200. */
function client (port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const call = (method, path, headers, body) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk }).on('end', () => {
        if (res.statusCode !== 200) reject(new Error(method + ' ' + path + ' answered ' + res.statusCode + ' ' + text))
        else resolve(JSON.parse(text))
      })
    })
    req.on('socket', (socket) => { if (!socket.counted) { socket.counted = true; sockets++ } })
    req.on('error', reject)
    req.end(body)
  })
  return { call, close: () => agent.destroy() }
}
const basic = 'Basic ' + Buffer.from(${JSON.stringify(CLIENT)}).toString('base64')
const AUTHORIZE = JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants: ['read.email', 'read.phone'] })
const APPROVE = JSON.stringify({ user: ${JSON.stringify(USER)} })
const jsonWith = (extra) => ({ 'content-type': 'application/json', ...extra })
const flowWith = (call) => async () => {
  const { redirect_uri: link } = await call('POST', '/api/v1/oauth/authorize', jsonWith({ authorization: basic }), AUTHORIZE)
  const track = /[?&]track_id=([^&]+)/.exec(link)[1]
  const { redirect_uri: back } = await call('POST', '/__sandbox/tracks/' + track + '/approve', jsonWith({}), APPROVE)
  const code = /[?&]authorization_code=([^&]+)/.exec(back)[1]
  const { access_token: access } = await call('POST', '/api/v1/oauth/token', jsonWith({ authorization: basic }), '{"authorization_code":"' + code + '"}')
  const user = await call('GET', '/api/v1/oauth/user', { authorization: 'Bearer ' + access })
  if (typeof user.email !== 'string') throw new Error('user data without an e-mail')
}
/**
 * Flows one after the other, in two windows: the first \`early\` (what a short test file sees, while V8 still
 * compiles the code they run), then, after \`warmup\` more, \`steady\` of them (the same code optimised). For each
 * window the median wall time and the CPU time per flow (client and server, resets included); every tenth flow
 * is followed by reset() when given.
 */
async function flows ({ early, warmup, steady }, flow, reset) {
  const resets = []
  const window = async (n, measured) => {
    const times = []
    const cpu = process.cpuUsage()
    for (let i = 0; i < n; i++) {
      at = performance.now()
      await flow()
      times.push(ms(at))
      if (reset !== undefined && i % 10 === 9) {
        at = performance.now()
        await reset()
        if (measured) resets.push(ms(at))
      }
    }
    const used = process.cpuUsage(cpu)
    return { flow: median(times), cpu: (used.user + used.system) / 1000 / n }
  }
  const first = await window(early, true)
  await window(warmup, false)
  const warm = await window(steady, true)
  return { early: first, steady: warm, reset: median(resets) }
}
const sandbox = await startSandbox()
const toSandbox = client(new URL(sandbox.url).port)
const sandboxFlow = flowWith(toSandbox.call)
at = performance.now()
await sandboxFlow()
const firstFlowMs = ms(at)
const sandboxFlows = await flows(${JSON.stringify(flows)}, sandboxFlow, () => sandbox.reset())
toSandbox.close()
await sandbox.close()
// The floor under the flow: node:http answering the same four requests with canned bodies of the same shape, on one connection.
const CANNED = {
  '/api/v1/oauth/authorize': '{"redirect_uri":"http://localhost/login?track_id=3f0c3a5e-0000-4000-8000-000000000000&expire_at=1"}',
  approve: '{"redirect_uri":"https://shop.example/callback?authorization_code=' + 'a'.repeat(64) + '"}',
  '/api/v1/oauth/token': '{"access_token":"' + 'b'.repeat(128) + '","refresh_token":"' + 'c'.repeat(128) + '"}',
  '/api/v1/oauth/user': '{"id":"5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01","email":"aigerim@example.com"}'
}
const bare = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(CANNED[req.url] ?? CANNED.approve))
})
await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve))
const toBare = client(bare.address().port)
const bareFlows = await flows(${JSON.stringify(flows)}, flowWith(toBare.call))
toBare.close()
await new Promise((resolve) => bare.close(resolve))
console.log(JSON.stringify({ importMs, firstStartMs, routes, sandboxWarm, fastifyOne, fastifyAll, firstFlowMs, sandboxFlows, bareFlows, sockets }))`

/** Spawn to exit of `node --input-type=module -e <code>`, in ms; rejects when it fails. */
function wall (code, args = []) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [...args, '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => { out += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk) => { err += chunk })
    child.on('exit', (status) => {
      if (status === 0) resolve({ ms: performance.now() - started, out })
      else reject(new Error(`a child exited ${status}: ${err.slice(0, 2000)}`))
    })
  })
}

export const processRuns = () => Number(process.env.BENCH_PROCESS_RUNS ?? 8)

export async function benchInProcess ({ runs = processRuns(), warmStarts = 30, flows = FLOWS } = {}) {
  console.log(`\n# in-process: fresh processes (spawn to exit, ${runs} runs each, alternated), then one process's warm figures`)
  const times = { sandbox: [], mock: [], bare: [] }
  for (let i = 0; i < runs; i++) {
    for (const [name, code] of Object.entries(PROCESSES)) times[name].push((await wall(code)).ms)
  }
  const process_ = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]))
  const list = (values) => values.map((ms) => fmt(ms)).join(', ')
  console.log(`sandbox (import, start, flow, close)   ${list(times.sandbox)} ms  median ${fmt(process_.sandbox)} ms`)
  console.log(`oauth2-mock-server (start, token)      ${list(times.mock)} ms  median ${fmt(process_.mock)} ms`)
  console.log(`bare node:http (listen, fetch, close)  ${list(times.bare)} ms  median ${fmt(process_.bare)} ms`)
  const inner = JSON.parse((await wall(inProcessCode(warmStarts, flows))).out)
  if (inner.sockets !== 2) throw new Error(`the flows used ${inner.sockets} connections, not one to each server`)
  console.log(`import ${fmt(inner.importMs, 1)} ms, first startSandbox() ${fmt(inner.firstStartMs, 1)} ms, first flow ${fmt(inner.firstFlowMs, 2)} ms`)
  const warmLine = (w) => `${fmt(w.start, 2)} ms (close ${fmt(w.close, 2)} ms; CPU ${fmt(w.cpu, 2)} ms a start and close)`
  console.log(`warm startSandbox() ${warmLine(inner.sandboxWarm)}, median of ${warmStarts}`)
  console.log(`floor: Fastify alone, 1 route ${warmLine(inner.fastifyOne)}; with the sandbox's ${inner.routes} routes ${warmLine(inner.fastifyAll)}`)
  const flowLine = (f) => `${fmt(f.flow, 2)} ms (CPU ${fmt(f.cpu, 2)} ms a flow, client and server)`
  const { sandboxFlows: box, bareFlows: canned } = inner
  console.log(`reset() ${fmt(box.reset, 3)} ms, median of those after every tenth flow`)
  console.log(`flow on one connection, first ${flows.early} flows of the process: ${flowLine(box.early)}; ` +
    `floor: node:http answering the same requests canned ${flowLine(canned.early)}`)
  console.log(`flow on one connection, ${flows.steady} flows after ${flows.warmup} more: ${flowLine(box.steady)}; ` +
    `floor, the same way: ${flowLine(canned.steady)}`)
  const result = {
    process: process_,
    runs: times,
    sandboxToBare: process_.sandbox / process_.bare,
    sandboxToMock: process_.sandbox / process_.mock,
    ...inner
  }
  console.log(`ratios: sandbox / bare ${fmt(result.sandboxToBare, 2)} (target <= ${PROCESS_TARGET_RATIO}), sandbox / oauth2-mock-server ${fmt(result.sandboxToMock, 2)} (target < 1)`)
  return result
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await benchInProcess()
