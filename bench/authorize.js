// Throughput of POST /api/v1/oauth/authorize against the bare node:http reference, both as child
// processes so neither shares an event loop with autocannon (which runs here).
import { AUTHORIZE, FASTIFY_PEER_MAIN, REFERENCE_MAIN, SANDBOX_ENV, SANDBOX_MAIN, checkJournalOff, fmt, load, request, rssMiB, spawnServer } from './lib.js'

export const RATIO_TARGET = { 50: 0.75 }
export const P99_TARGET_MS = { 50: 5 }
// Beyond this many tracks the sandbox evicts the oldest 1% at a time, so a run that crosses it mixes two regimes.
const TRACK_CAP = 10_000
export const WARMUP_SECONDS = 2

export function benchSeconds () {
  const seconds = Number(process.env.BENCH_SECONDS ?? 6)
  if (!(seconds > 0)) throw new Error(`BENCH_SECONDS must be a positive number, got ${process.env.BENCH_SECONDS}`)
  return seconds
}

const authorizeLoad = (url, connections, seconds, pid, extraPid) => load(url + AUTHORIZE.path, pid, {
  connections, duration: seconds, method: AUTHORIZE.method, headers: AUTHORIZE.headers, body: AUTHORIZE.body, extraPid
})

/**
 * One server (`node <args>` with `env`, e.g. the sandbox with STORE=redis://...) under authorize
 * load after a warm-up; `extraPid`'s CPU is read too (as `extraCpu`).
 */
export async function measureAuthorize (name, args, env, { connections, seconds, extraPid }) {
  const server = spawnServer(args, env)
  try {
    const url = await server.url
    const probe = await request(url, AUTHORIZE)
    if (probe.status !== 200 || !looksLikeLoginLink(probe.body)) throw new Error(`${name} answered ${probe.status} ${probe.body}`)
    const warmup = await authorizeLoad(url, connections, WARMUP_SECONDS, server.child.pid, extraPid)
    const stats = await authorizeLoad(url, connections, seconds, server.child.pid, extraPid)
    if (args[0] === SANDBOX_MAIN) await checkJournalOff(url)
    return { ...stats, served: 1 + warmup.total + stats.total, rssMiB: rssMiB(server.child.pid) }
  } finally {
    await server.stop()
  }
}

/** Server CPU (all its threads) per answer, in µs. */
const usPerRequest = (run) => run.serverCpu / run.rps * 1e6

const looksLikeLoginLink = (body) => /^\{"redirect_uri":"http:\/\/localhost:\d+\/login\?track_id=[0-9a-f-]{36}&expire_at=\d+"\}$/.test(body)

/**
 * Runs the reference, the Fastify peer (bench/fastify-peer.js) then the sandbox at `connections`,
 * prints them and returns the figures.
 */
export async function benchAuthorize ({ connections, seconds = benchSeconds() }) {
  console.log(`\n# authorize, ${connections} connection(s), ${seconds} s each (after ${WARMUP_SECONDS} s warm-up)`)
  const runs = {
    reference: await measureAuthorize('reference', [REFERENCE_MAIN], {}, { connections, seconds }),
    fastify: await measureAuthorize('fastify', [FASTIFY_PEER_MAIN], {}, { connections, seconds }),
    sandbox: await measureAuthorize('sandbox', [SANDBOX_MAIN], SANDBOX_ENV, { connections, seconds })
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
  const peerRatio = runs.fastify.rps / runs.reference.rps
  const target = RATIO_TARGET[connections]
  const verdict = target === undefined ? '(no target)' : ratio >= target ? `target >= ${target}: met` : `target >= ${target}: NOT met`
  console.log(`ratio sandbox/reference req/s: ${fmt(ratio, 2)}  ${verdict}`)
  console.log(`ratio Fastify peer/reference: ${fmt(peerRatio, 2)}, sandbox/Fastify peer: ${fmt(runs.sandbox.rps / runs.fastify.rps, 2)}` +
    `  (cpu per request: reference ${fmt(usPerRequest(runs.reference), 1)} µs, Fastify peer ${fmt(usPerRequest(runs.fastify), 1)} µs, sandbox ${fmt(usPerRequest(runs.sandbox), 1)} µs)`)
  const p99Target = P99_TARGET_MS[connections]
  const p99Met = p99Target === undefined ? undefined : runs.sandbox.p99 <= p99Target
  if (p99Target !== undefined) console.log(`sandbox p99 ${fmt(runs.sandbox.p99, 2)} ms  target <= ${p99Target} ms: ${p99Met ? 'met' : 'NOT met'}`)
  return { connections, seconds, ...runs, ratio, peerRatio, target, met: target === undefined ? undefined : ratio >= target, p99Target, p99Met, failures }
}
