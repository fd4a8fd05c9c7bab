// The store on Redis against the store in memory, in one run: authorize at 50 connections and the
// headless full flow, each against a sandbox child with the same settings (JOURNAL=off) but STORE,
// measured back to back so both meet the same machine load. Then the flow on two replicas sharing
// one Redis and prefix, autocannon dealing the 50 connections out in turn (each connection walks
// its flows on one replica; a probe flow first walks its steps across both). redis-server is a
// throwaway child on a free port; the store is emptied (FLUSHALL) before each Redis run.
//
// On a 2-core machine the Redis runs share the cores with redis-server (and the replica run with
// a second sandbox): the ratios measure that setup, not Redis alone.
//
// `node bench/redis.js` runs it alone. Settings: BENCH_REDIS_SECONDS (default BENCH_SECONDS, at
// most 4, to keep `npm run bench` under five minutes), BENCH_REDIS_SERVER (/usr/bin/redis-server),
// BENCH_FLOW_REFRESH=1 as for the flow.
import { pathToFileURL } from 'node:url'
import { WARMUP_SECONDS as AUTHORIZE_WARMUP, benchSeconds, measureAuthorize } from './authorize.js'
import { CONNECTIONS as FLOW_CONNECTIONS, WARMUP_SECONDS as FLOW_WARMUP, flowRefresh, measureFlow } from './flow.js'
import { SANDBOX_ENV, SANDBOX_MAIN, fmt } from './lib.js'
import { REDIS_SERVER, redisAvailable, startRedis } from './throwaway-redis.js'

const CONNECTIONS = 50
const REPLICAS = 2

export function redisSeconds () {
  if (process.env.BENCH_REDIS_SECONDS === undefined) return Math.min(4, benchSeconds())
  const seconds = Number(process.env.BENCH_REDIS_SECONDS)
  if (!(seconds > 0)) throw new Error(`BENCH_REDIS_SECONDS must be a positive number, got ${process.env.BENCH_REDIS_SECONDS}`)
  return seconds
}

const cpu = (share) => `${fmt(share * 100)}%`
// CPU time per request or flow moves less than the rates when other processes share the cores.
const cpuEach = (share, perSecond) => `${fmt(share * 1e6 / perSecond)} µs`

function printAuthorize (name, r) {
  console.log(`${name.padEnd(16)}  ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms  ` +
    `non-2xx ${r.non2xx}  errors ${r.errors}  sandbox CPU ${cpu(r.serverCpu)} (${cpuEach(r.serverCpu, r.rps)}/req)  ` +
    `redis CPU ${cpu(r.extraCpu)} (${cpuEach(r.extraCpu, r.rps)}/req)  autocannon CPU ${cpu(r.clientCpu)}`)
}

function printFlow (name, r) {
  console.log(`${name.padEnd(16)}  ${fmt(r.flowsPerSecond).padStart(6)} flows/s  (${fmt(r.rps)} req/s)  flow p50 ${fmt(r.flowP50, 2)} ms  ` +
    `p99 ${fmt(r.flowP99, 2)} ms  failed flows ${r.failed}  non-2xx ${r.non2xx}  errors ${r.errors}  ` +
    `sandbox CPU ${cpu(r.serverCpu)}${r.replicas > 1 ? ' all replicas' : ''} (${cpuEach(r.serverCpu, r.flowsPerSecond)}/flow)  ` +
    `redis CPU ${cpu(r.extraCpu)} (${cpuEach(r.extraCpu, r.flowsPerSecond)}/flow)  autocannon CPU ${cpu(r.clientCpu)}`)
}

/**
 * Prints every run and returns the figures, or `{ skipped }` when there is no redis-server.
 * redis-server and every sandbox child are stopped before it returns or throws.
 */
export async function benchRedis ({ seconds = redisSeconds(), refresh = flowRefresh() } = {}) {
  console.log(`\n# Redis store vs memory store: authorize at ${CONNECTIONS} connections and the full flow${refresh ? ' (+ refresh)' : ''} ` +
    `at ${FLOW_CONNECTIONS}, then the flow on ${REPLICAS} replicas; ${seconds} s each (after ${AUTHORIZE_WARMUP} / ${FLOW_WARMUP} s warm-up)`)
  if (!redisAvailable()) {
    const skipped = `${REDIS_SERVER} is missing (apt-get install redis-server, or set BENCH_REDIS_SERVER)`
    console.log(`SKIP: ${skipped}`)
    return { skipped, failures: [] }
  }
  const redis = await startRedis()
  try {
    console.log(`redis-server ${redis.version} on ${redis.url} (pid ${redis.pid}, no persistence)`)
    let prefixes = 0
    // A fresh, empty store for each run: one run's leftovers (tracks live 10 min) must not weigh on the next.
    const onRedis = async () => {
      await redis.command('FLUSHALL')
      return { ...SANDBOX_ENV, STORE: redis.url, STORE_PREFIX: `bench-${process.pid}-${++prefixes}` }
    }
    const afterRun = async (name) => {
      const keys = await redis.command('DBSIZE')
      console.log(`${''.padEnd(16)}  redis after the ${name} run: ${fmt(Number(keys))} keys, ${(await redis.info('memory')).used_memory_human} used`)
    }
    const extraPid = redis.pid

    const authorizeOptions = { connections: CONNECTIONS, seconds, extraPid }
    const authorize = { memory: await measureAuthorize('memory', [SANDBOX_MAIN], SANDBOX_ENV, authorizeOptions) }
    printAuthorize('authorize memory', authorize.memory)
    authorize.redis = await measureAuthorize('redis', [SANDBOX_MAIN], await onRedis(), authorizeOptions)
    printAuthorize('authorize redis', authorize.redis)
    await afterRun('authorize')

    const flowOptions = { seconds, refresh, extraPid }
    const flow = { memory: await measureFlow('memory', [SANDBOX_MAIN], SANDBOX_ENV, flowOptions) }
    printFlow('flow memory', flow.memory)
    flow.redis = await measureFlow('redis', [SANDBOX_MAIN], await onRedis(), flowOptions)
    printFlow('flow redis', flow.redis)
    await afterRun('flow')
    flow.replicas = await measureFlow(`redis x${REPLICAS}`, [SANDBOX_MAIN], await onRedis(), { ...flowOptions, replicas: REPLICAS })
    printFlow(`flow redis x${REPLICAS}`, flow.replicas)
    await afterRun(`${REPLICAS}-replica flow`)

    const failures = []
    for (const [name, r] of Object.entries(authorize)) {
      if (r.non2xx > 0 || r.errors > 0 || r.total === 0) failures.push(`authorize, ${name} store: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.total} requests`)
    }
    for (const [name, r] of Object.entries(flow)) {
      if (r.failed > 0 || r.non2xx > 0 || r.errors > 0 || r.flows === 0) {
        failures.push(`flow, ${name === 'replicas' ? `redis x${REPLICAS}` : name} store: ${r.failed} failed flows, ${r.non2xx} non-2xx, ${r.errors} errors, ` +
          `${r.flows} flows` + (r.firstFailure === undefined ? '' : ` (first: ${r.firstFailure})`))
      }
    }
    const ratios = {
      authorizeRps: authorize.redis.rps / authorize.memory.rps,
      authorizeP50: authorize.redis.p50 / authorize.memory.p50,
      authorizeP99: authorize.redis.p99 / authorize.memory.p99,
      flows: flow.redis.flowsPerSecond / flow.memory.flowsPerSecond,
      replicaFlows: flow.replicas.flowsPerSecond / flow.memory.flowsPerSecond
    }
    console.log(`redis/memory: authorize req/s ${fmt(ratios.authorizeRps, 2)}, p50 ${fmt(ratios.authorizeP50, 2)}, p99 ${fmt(ratios.authorizeP99, 2)}; ` +
      `flows/s ${fmt(ratios.flows, 2)}, on ${REPLICAS} replicas ${fmt(ratios.replicaFlows, 2)}  (no targets)`)
    for (const failure of failures) console.log(`FAIL: ${failure}`)
    return { seconds, refresh, connections: CONNECTIONS, replicaCount: REPLICAS, redisVersion: redis.version, authorize, flow, ratios, failures }
  } finally {
    await redis.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchRedis()
  if (result.failures.length > 0) process.exitCode = 1
}
