// The headless full flow a merchant's test suite runs, as many times per second as it goes:
// authorize -> headless approve -> token exchange -> user data (-> refresh with BENCH_FLOW_REFRESH=1).
// Every connection of autocannon walks the steps in order on one keep-alive connection, each step
// taking what it needs (track id, code, tokens) from the previous answer; a flow counts once its
// last step answered 200 with the expected body. The reference answers every step with a canned
// body of the same shape, so the client does the same work against both.
import { pathToFileURL } from 'node:url'
import { AUTHORIZE, REFERENCE_MAIN, SANDBOX_ENV, SANDBOX_MAIN, checkJournalOff, fmt, load, percentile, request, rssMiB, spawnServer } from './lib.js'
import { benchSeconds } from './authorize.js'

export const FLOW_TARGET = 5_000
export const WARMUP_SECONDS = 2
export const CONNECTIONS = 50
const USER = '+77015550101'
const JSON_HEADERS = { 'content-type': 'application/json' }
const TRACK = /[?&]track_id=([0-9a-f-]{36})&/
const CODE = /[?&]authorization_code=([A-Za-z0-9]{64})"/
const TOKEN_PAIR = /^\{"id":"[0-9a-f-]{36}","access_token":"([A-Za-z0-9]{128})","refresh_token":"([A-Za-z0-9]{128})"/
const USER_DATA = /^\{"id":"[0-9a-f-]{36}",.*"email":"[^"]+"/

export const flowRefresh = () => process.env.BENCH_FLOW_REFRESH === '1'

/**
 * The steps as autocannon `requests`. `tally` counts flows and failures and keeps each completed
 * flow's wall time (first byte of authorize sent to the last answer read, client work included).
 * A step whose answer is wrong records a failure and ends its flow: the next setupRequest returns
 * null and autocannon starts a new flow on that connection.
 */
export function flowSteps (tally, { refresh = flowRefresh() } = {}) {
  const fail = (step, status, body) => {
    tally.failed++
    if (tally.firstFailure === undefined) tally.firstFailure = `${step} answered ${status} ${String(body).slice(0, 200)}`
  }
  const done = (context) => {
    tally.flows++
    tally.latencies.push(performance.now() - context.start)
  }
  const steps = [
    {
      method: 'POST',
      path: AUTHORIZE.path,
      headers: AUTHORIZE.headers,
      body: AUTHORIZE.body,
      setupRequest: (req, context) => { context.start = performance.now(); return req },
      onResponse: (status, body, context) => {
        context.track = status === 200 ? TRACK.exec(body)?.[1] : undefined
        if (context.track === undefined) fail('authorize', status, body)
      }
    },
    {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ user: USER }),
      setupRequest: (req, context) => context.track === undefined ? null : { ...req, path: `/__sandbox/tracks/${context.track}/approve` },
      onResponse: (status, body, context) => {
        context.code = status === 200 ? CODE.exec(body)?.[1] : undefined
        if (context.code === undefined) fail('approve', status, body)
      }
    },
    {
      method: 'POST',
      path: '/api/v1/oauth/token',
      headers: { authorization: AUTHORIZE.headers.authorization, ...JSON_HEADERS },
      setupRequest: (req, context) => context.code === undefined ? null : { ...req, body: `{"authorization_code":"${context.code}"}` },
      onResponse: (status, body, context) => {
        const pair = status === 200 ? TOKEN_PAIR.exec(body) : null
        if (pair === null) fail('token exchange', status, body)
        context.access = pair?.[1]
        context.refresh = pair?.[2]
      }
    },
    {
      method: 'GET',
      path: '/api/v1/oauth/user',
      setupRequest: (req, context) => context.access === undefined ? null : { ...req, headers: { authorization: `Bearer ${context.access}` } },
      onResponse: (status, body, context) => {
        context.ok = status === 200 && USER_DATA.test(body)
        if (!context.ok) fail('user data', status, body)
        else if (!refresh) done(context)
      }
    }
  ]
  if (refresh) {
    steps.push({
      method: 'PATCH',
      path: '/api/v1/oauth/token',
      setupRequest: (req, context) => context.ok !== true ? null : { ...req, headers: { authorization: `Bearer ${context.refresh}` } },
      onResponse: (status, body, context) => {
        if (status === 200 && TOKEN_PAIR.test(body)) done(context)
        else fail('refresh', status, body)
      }
    })
  }
  return steps
}

/**
 * One flow with plain requests, before any load: both servers must answer every step. Given
 * replicas, step i goes to `urls[i % urls.length]`: they must share the flow's state.
 */
async function probeFlow (urls, refresh) {
  const tally = { flows: 0, failed: 0, latencies: [] }
  const steps = flowSteps(tally, { refresh })
  const context = {}
  for (const [i, step] of steps.entries()) {
    const req = step.setupRequest({ method: step.method, path: step.path, headers: step.headers ?? {}, body: step.body }, context)
    if (req === null) break
    const { status, body } = await request(urls[i % urls.length], req)
    step.onResponse(status, body, context)
  }
  if (tally.flows !== 1) throw new Error(`one flow by hand failed: ${tally.firstFailure}`)
}

// Given several urls (replicas), autocannon deals the connections out in turn: connection i
// walks all its flows on urls[i % urls.length].
async function flowLoad (urls, pids, seconds, refresh, extraPid) {
  const tally = { flows: 0, failed: 0, latencies: [] }
  const steps = flowSteps(tally, { refresh })
  const stats = await load(urls, pids, { connections: CONNECTIONS, duration: seconds, requests: steps, extraPid })
  tally.latencies.sort((a, b) => a - b)
  return {
    ...stats,
    flows: tally.flows,
    flowsPerSecond: tally.flows / stats.seconds,
    // Answers per whole second / steps per flow: how the flow rate moves during the run.
    flowTimeline: stats.perSecond.slice(0, Math.floor(stats.seconds)).map((n) => n / steps.length),
    failed: tally.failed,
    firstFailure: tally.firstFailure,
    flowP50: percentile(tally.latencies, 50),
    flowP99: percentile(tally.latencies, 99)
  }
}

/**
 * The flow against `replicas` processes of `node <args>` with `env` (replicas only make sense on
 * a shared store, e.g. STORE=redis://...), after a warm-up; `extraPid`'s CPU is read too.
 * serverCpu is the sum over the replicas, rssMiB the highest of them.
 */
export async function measureFlow (name, args, env, { seconds, refresh = flowRefresh(), replicas = 1, extraPid }) {
  const servers = Array.from({ length: replicas }, () => spawnServer(args, env))
  const pids = servers.map((server) => server.child.pid)
  try {
    const urls = await Promise.all(servers.map((server) => server.url))
    await probeFlow(urls, refresh)
    await flowLoad(urls, pids, WARMUP_SECONDS, refresh, extraPid)
    const stats = await flowLoad(urls, pids, seconds, refresh, extraPid)
    if (args[0] === SANDBOX_MAIN) for (const url of urls) await checkJournalOff(url)
    return { ...stats, replicas, rssMiB: Math.max(...pids.map(rssMiB)) }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
  }
}

export async function benchFlow ({ seconds = benchSeconds(), refresh = flowRefresh() } = {}) {
  const steps = `authorize -> approve -> token exchange -> user data${refresh ? ' -> refresh' : ''}`
  console.log(`\n# headless full flow (${steps}), ${CONNECTIONS} concurrent flows, ${seconds} s each (after ${WARMUP_SECONDS} s warm-up)`)
  const runs = {
    reference: await measureFlow('reference', [REFERENCE_MAIN], {}, { seconds, refresh }),
    sandbox: await measureFlow('sandbox', [SANDBOX_MAIN], SANDBOX_ENV, { seconds, refresh })
  }
  const failures = []
  for (const [name, r] of Object.entries(runs)) {
    console.log(`${name.padEnd(9)}  ${fmt(r.flowsPerSecond).padStart(6)} flows/s  (${fmt(r.rps)} req/s)  flow p50 ${fmt(r.flowP50, 2)} ms  ` +
      `p99 ${fmt(r.flowP99, 2)} ms  failed flows ${r.failed}  non-2xx ${r.non2xx}  errors ${r.errors}  ` +
      `server CPU ${fmt(r.serverCpu * 100)}%  autocannon CPU ${fmt(r.clientCpu * 100)}%`)
    if (r.failed > 0 || r.non2xx > 0 || r.errors > 0 || r.flows === 0) {
      failures.push(`flow, ${name}: ${r.failed} failed flows, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.flows} flows` +
        (r.firstFailure === undefined ? '' : ` (first: ${r.firstFailure})`))
    }
  }
  console.log(`sandbox flows in each whole second (answers / ${refresh ? 5 : 4}): ${runs.sandbox.flowTimeline.map((n) => fmt(n)).join(', ')}`)
  for (const failure of failures) console.log(`FAIL: ${failure}`)
  const ratio = runs.sandbox.flowsPerSecond / runs.reference.flowsPerSecond
  const met = runs.sandbox.flowsPerSecond >= FLOW_TARGET
  console.log(`sandbox ${fmt(runs.sandbox.flowsPerSecond)} flows/s  target >= ${fmt(FLOW_TARGET)}: ${met ? 'met' : 'NOT met'}  ` +
    `(sandbox/reference ${fmt(ratio, 2)})`)
  return { seconds, refresh, ...runs, ratio, met, failures }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchFlow()
  if (result.failures.length > 0) process.exitCode = 1
}
