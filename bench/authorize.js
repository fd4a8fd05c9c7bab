// Throughput of POST /api/v1/oauth/authorize against the bare node:http reference, both as child
// processes so neither shares an event loop with autocannon (which runs here).
import autocannon from 'autocannon'
import { AUTHORIZE, REFERENCE_MAIN, SANDBOX_ENV, SANDBOX_MAIN, cpuSeconds, fmt, request, rssMiB, spawnServer } from './lib.js'

export const RATIO_TARGET = { 50: 0.75 }
// Beyond this many tracks the sandbox evicts one per request, so a run that crosses it mixes two regimes.
const TRACK_CAP = 100_000
const WARMUP_SECONDS = 2

export function benchSeconds () {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10)
  if (!(seconds > 0)) throw new Error(`BENCH_SECONDS must be a positive number, got ${process.env.BENCH_SECONDS}`)
  return seconds
}

// autocannon's own histogram has 1 ms resolution, too coarse for a sub-millisecond endpoint.
function percentile (sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p / 100) - 1)]
}

async function load (url, connections, seconds, pid) {
  const latencies = []
  const cpuBefore = cpuSeconds(pid)
  const ownBefore = process.cpuUsage()
  const instance = autocannon({ url: url + AUTHORIZE.path, connections, duration: seconds, method: AUTHORIZE.method, headers: AUTHORIZE.headers, body: AUTHORIZE.body })
  instance.on('response', (_client, _status, _bytes, ms) => { latencies.push(ms) })
  const result = await instance
  const own = process.cpuUsage(ownBefore)
  latencies.sort((a, b) => a - b)
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpu: (cpuSeconds(pid) - cpuBefore) / result.duration,
    clientCpu: (own.user + own.system) / 1e6 / result.duration
  }
}

async function measure (name, args, env, connections, seconds, check) {
  const server = spawnServer(args, env)
  try {
    const url = await server.url
    const probe = await request(url, AUTHORIZE)
    if (probe.status !== 200 || !check(probe.body)) throw new Error(`${name} answered ${probe.status} ${probe.body}`)
    const warmup = await load(url, connections, WARMUP_SECONDS, server.child.pid)
    const stats = await load(url, connections, seconds, server.child.pid)
    return { ...stats, served: 1 + warmup.total + stats.total, rssMiB: rssMiB(server.child.pid) }
  } finally {
    await server.stop()
  }
}

const looksLikeLoginLink = (body) => /^\{"redirect_uri":"http:\/\/localhost:\d+\/login\?track_id=[0-9a-f-]{36}&expire_at=\d+"\}$/.test(body)

/** Runs the reference then the sandbox at `connections`, prints both and returns the figures. */
export async function benchAuthorize ({ connections, seconds = benchSeconds() }) {
  console.log(`\n# authorize, ${connections} connection(s), ${seconds} s each (after ${WARMUP_SECONDS} s warm-up)`)
  const runs = {
    reference: await measure('reference', [REFERENCE_MAIN], {}, connections, seconds, looksLikeLoginLink),
    sandbox: await measure('sandbox', [SANDBOX_MAIN], SANDBOX_ENV, connections, seconds, looksLikeLoginLink)
  }
  const failures = []
  for (const [name, r] of Object.entries(runs)) {
    console.log(`${name.padEnd(9)}  ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms  ` +
      `non-2xx ${r.non2xx}  errors ${r.errors}  server CPU ${fmt(r.serverCpu * 100)}%  autocannon CPU ${fmt(r.clientCpu * 100)}%`)
    if (r.non2xx > 0 || r.errors > 0 || r.total === 0) {
      failures.push(`${name} at ${connections} connection(s): ${r.non2xx} non-2xx, ${r.errors} errors, ${r.total} requests`)
    }
  }
  const { served } = runs.sandbox
  console.log(`sandbox served ${fmt(served)} requests in all: track store cap (${fmt(TRACK_CAP)}) ${served > TRACK_CAP ? 'reached during the run' : 'not reached'}`)
  for (const failure of failures) console.log(`FAIL: ${failure}`)
  const ratio = runs.sandbox.rps / runs.reference.rps
  const target = RATIO_TARGET[connections]
  const verdict = target === undefined ? '(no target)' : ratio >= target ? `target >= ${target}: met` : `target >= ${target}: NOT met`
  console.log(`ratio sandbox/reference req/s: ${fmt(ratio, 2)}  ${verdict}`)
  return { connections, seconds, ...runs, ratio, target, met: target === undefined ? undefined : ratio >= target, failures }
}
