// `npm run bench`: cold start, authorize at 50 and 1 connections, the headless full flow, token
// exchange and user data, authorize and the flow on a Redis store against memory (skipped without
// redis-server), then a million authorize calls for memory, then the library in a merchant's test
// process (fresh processes against oauth2-mock-server and bare node:http; warm start, reset, flow);
// then one summary table.
// Speed and memory targets are reported, not enforced; only failed requests make the exit code
// non-zero. Settings: BENCH_SECONDS (6 per measured load run), BENCH_REDIS_SECONDS (BENCH_SECONDS,
// at most 4), BENCH_TOKEN_CODES (20,000), BENCH_MEMORY_CALLS (1,000,000), BENCH_FLOW_REFRESH=1 (add
// a refresh to every flow), BENCH_PROCESS_RUNS (8 fresh processes of each kind).
import os from 'node:os'
import { P99_TARGET_MS, RATIO_TARGET, benchAuthorize, benchSeconds } from './authorize.js'
import { COLD_START_TARGET_MS, benchColdStart } from './cold-start.js'
import { FLOW_TARGET, benchFlow } from './flow.js'
import { FLOWS, FLOW_TARGET_MS, PROCESS_TARGET_RATIO, RESET_TARGET_MS, WARM_START_TARGET_MS, benchInProcess } from './in-process.js'
import { BUILT_MAIN, duration, fmt, table } from './lib.js'
import { RSS_TARGET_MIB, benchMemory, memoryCalls } from './memory.js'
import { benchRedis, redisSeconds } from './redis.js'
import { benchTokenUser, codesCap, tokenCodes } from './token-user.js'

const RUNTIME_TARGET_S = 5 * 60
const started = performance.now()
const seconds = benchSeconds()
const calls = memoryCalls()
const loadAverage = () => os.loadavg().map((n) => fmt(n, 2)).join(' ')
console.log(`freedom-id-sandbox bench: node ${process.version}, ${os.cpus().length} CPUs, ${seconds} s per measured load run, ` +
  `${fmt(tokenCodes())} token codes, ${fmt(calls)} memory calls; ${BUILT_MAIN} copied before the first spawn`)
console.log(`load average at start: ${loadAverage()} (other processes on this machine skew every figure)`)

const phases = []
async function phase (name, run) {
  const at = performance.now()
  const result = await run()
  phases.push(`${name} ${duration((performance.now() - at) / 1000)}`)
  return result
}

let cold, flow, tokenUser, redis, memory, inProcess
const loads = []
try {
  cold = await phase('cold start', () => benchColdStart())
  for (const connections of [50, 1]) loads.push(await phase(`authorize ${connections}`, () => benchAuthorize({ connections, seconds })))
  flow = await phase('flow', () => benchFlow({ seconds }))
  tokenUser = await phase('token/user', () => benchTokenUser({ seconds }))
  redis = await phase('redis', () => benchRedis({ seconds: redisSeconds() }))
  memory = await phase('memory', () => benchMemory({ calls }))
  inProcess = await phase('in-process', () => benchInProcess())
} catch (error) {
  console.log(`FAIL: ${error.stack ?? error.message}`)
  process.exit(1)
}
const runtime = (performance.now() - started) / 1000

const yesNo = (met) => met === undefined ? '(info)' : met ? 'yes' : 'NO'
const ms = (value) => `${fmt(value, 2)} ms`
const rps = (value) => `${fmt(value)}/s`
const mib = (value) => `${fmt(value, 1)} MiB`
const ratio = (value) => fmt(value, 2)
const info = (figure, sandbox, reference = '-', r = '-') => [figure, sandbox, reference, r, '-', '(info)']
const rows = [['figure', 'sandbox', 'reference', 'ratio', 'target', 'met']]

rows.push([`cold start, spawn to first 200 (median of ${cold.runs.sandbox.length})`, `${fmt(cold.sandbox)} ms`, `${fmt(cold.bare)} ms`, '-',
  `<= ${COLD_START_TARGET_MS} ms`, yesNo(cold.sandbox <= COLD_START_TARGET_MS)])
for (const l of loads) {
  const target = RATIO_TARGET[l.connections]
  const p99Target = P99_TARGET_MS[l.connections]
  rows.push([`authorize, ${l.connections} conn: requests`, rps(l.sandbox.rps), rps(l.reference.rps), ratio(l.ratio),
    target === undefined ? '-' : `ratio >= ${target}`, yesNo(l.met)])
  rows.push(info(`authorize, ${l.connections} conn: Fastify + basic-auth + body schema (peer)`, rps(l.fastify.rps), rps(l.reference.rps), ratio(l.peerRatio)))
  rows.push(info(`authorize, ${l.connections} conn: p50`, ms(l.sandbox.p50), ms(l.reference.p50)))
  rows.push([`authorize, ${l.connections} conn: p99`, ms(l.sandbox.p99), ms(l.reference.p99), '-',
    p99Target === undefined ? '-' : `<= ${p99Target} ms`, yesNo(l.p99Met)])
}
rows.push([`full flow${flow.refresh ? ' (+ refresh)' : ''}: flows`, rps(flow.sandbox.flowsPerSecond), rps(flow.reference.flowsPerSecond), ratio(flow.ratio),
  `>= ${fmt(FLOW_TARGET)}/s`, yesNo(flow.met)])
rows.push(info('full flow: p50 / p99 of a whole flow', `${fmt(flow.sandbox.flowP50, 1)} / ${fmt(flow.sandbox.flowP99, 1)} ms`,
  `${fmt(flow.reference.flowP50, 1)} / ${fmt(flow.reference.flowP99, 1)} ms`))
const { token, user } = tokenUser
rows.push(info('token exchange (fresh code each): requests', rps(token.sandbox.rps), rps(token.reference.rps), ratio(tokenUser.tokenRatio)))
rows.push(info('token exchange: p50 / p99', `${fmt(token.sandbox.p50, 1)} / ${fmt(token.sandbox.p99, 1)} ms`, `${fmt(token.reference.p50, 1)} / ${fmt(token.reference.p99, 1)} ms`))
rows.push(info('user data: requests', rps(user.sandbox.rps), rps(user.reference.rps), ratio(tokenUser.userRatio)))
rows.push(info('user data: p50 / p99', `${fmt(user.sandbox.p50, 2)} / ${fmt(user.sandbox.p99, 2)} ms`, `${fmt(user.reference.p50, 2)} / ${fmt(user.reference.p99, 2)} ms`))
// Redis rows: the Redis figure first, then memory's from the same phase (not the runs above).
if (redis.skipped !== undefined) {
  rows.push(info('Redis store vs memory', `skipped: ${redis.skipped}`))
} else {
  const { authorize: a, flow: f, ...r } = redis
  const vs = (onRedis, inMemory) => `${onRedis} vs ${inMemory}`
  rows.push(info(`Redis vs memory store, authorize ${r.connections} conn: requests`, vs(rps(a.redis.rps), rps(a.memory.rps)), '-', ratio(r.ratios.authorizeRps)))
  rows.push(info(`Redis vs memory store, authorize ${r.connections} conn: p50`, vs(ms(a.redis.p50), ms(a.memory.p50)), '-', ratio(r.ratios.authorizeP50)))
  rows.push(info(`Redis vs memory store, authorize ${r.connections} conn: p99`, vs(ms(a.redis.p99), ms(a.memory.p99)), '-', ratio(r.ratios.authorizeP99)))
  rows.push(info(`Redis vs memory store, full flow${r.refresh ? ' (+ refresh)' : ''}: flows`, vs(rps(f.redis.flowsPerSecond), rps(f.memory.flowsPerSecond)), '-', ratio(r.ratios.flows)))
  rows.push(info(`Redis, ${r.replicaCount} replicas vs memory store, full flow: flows`, vs(rps(f.replicas.flowsPerSecond), rps(f.memory.flowsPerSecond)), '-', ratio(r.ratios.replicaFlows)))
}
rows.push(['RSS idle (fresh sandbox, 1 s after its first answer)', mib(memory.idle), '-', '-', `<= ${RSS_TARGET_MIB} MiB`, yesNo(memory.idle <= RSS_TARGET_MIB)])
// The token run's sandbox keeps more records than the default (codesCap), so it is shown apart.
const speedRss = Math.max(...loads.map((l) => l.sandbox.rssMiB), flow.sandbox.rssMiB, user.sandbox.rssMiB)
rows.push(['RSS after load: highest after authorize, flow, user data', mib(speedRss), '-', '-', `<= ${RSS_TARGET_MIB} MiB`, yesNo(speedRss <= RSS_TARGET_MIB)])
rows.push(info(`RSS after load: token exchange (MAX_RECORDS=${codesCap(tokenCodes())})`, mib(token.sandbox.rssMiB)))
rows.push([`RSS after load: peak of the ${fmt(memory.calls)}-call curve`, mib(memory.peak), '-', '-', `<= ${RSS_TARGET_MIB} MiB`, yesNo(memory.met)])
rows.push(info(`RSS after load: at ${fmt(memory.calls)} calls`, mib(memory.final)))
rows.push(['RSS bounded: last 5 readings of the curve', `spread ${fmt(memory.spread * 100, 1)}%`, '-', '-', '<= 10%', yesNo(memory.bounded)])
rows.push(info('heap retained (after full GCs once the cap filled)', `${fmt(memory.liveLast, 1)} MB, spread ${fmt(memory.liveSpread * 100, 1)}%`))
rows.push(['first track evicted by the cap after the memory run', String(memory.firstTrackAfter), '-', '-', '404', yesNo(memory.firstTrackAfter === 404)])
rows.push(info(`memory run: ${fmt(memory.calls)} authorize calls`, duration(memory.seconds), '-', `${fmt(memory.calls / memory.seconds)}/s`))

const p = inProcess
rows.push([`library in a fresh process: import, start, flow, close (median of ${p.runs.sandbox.length})`, ms(p.process.sandbox), `${ms(p.process.bare)} (bare)`,
  ratio(p.sandboxToBare), `ratio <= ${PROCESS_TARGET_RATIO}`, yesNo(p.sandboxToBare <= PROCESS_TARGET_RATIO)])
rows.push(['library in a fresh process vs oauth2-mock-server (start, one token)', ms(p.process.sandbox), ms(p.process.mock), ratio(p.sandboxToMock), 'ratio < 1', yesNo(p.sandboxToMock < 1)])
rows.push(info('library: import / first startSandbox() / first flow', `${fmt(p.importMs, 1)} / ${fmt(p.firstStartMs, 1)} / ${fmt(p.firstFlowMs, 1)} ms`))
rows.push(['library: warm startSandbox() (median; vs Fastify alone with as many routes)', ms(p.sandboxWarm.start), ms(p.fastifyAll.start),
  ratio(p.sandboxWarm.start / p.fastifyAll.start), `<= ${WARM_START_TARGET_MS} ms`, yesNo(p.sandboxWarm.start <= WARM_START_TARGET_MS)])
rows.push(info('library: CPU per warm start and close (vs Fastify alone, as many routes / one route)', ms(p.sandboxWarm.cpu), `${ms(p.fastifyAll.cpu)} / ${ms(p.fastifyOne.cpu)}`))
rows.push(['library: reset() (median)', `${fmt(p.sandboxFlows.reset, 3)} ms`, '-', '-', `< ${RESET_TARGET_MS} ms`, yesNo(p.sandboxFlows.reset < RESET_TARGET_MS)])
rows.push(info(`library: headless flow on one connection, first ${FLOWS.early} flows (median; vs node:http canned)`, ms(p.sandboxFlows.early.flow),
  ms(p.bareFlows.early.flow), ratio(p.sandboxFlows.early.flow / p.bareFlows.early.flow)))
rows.push([`library: headless flow on one connection, warm: ${FLOWS.steady} after ${FLOWS.warmup} (median; vs node:http canned)`,
  ms(p.sandboxFlows.steady.flow), ms(p.bareFlows.steady.flow), ratio(p.sandboxFlows.steady.flow / p.bareFlows.steady.flow),
  `<= ${FLOW_TARGET_MS} ms`, yesNo(p.sandboxFlows.steady.flow <= FLOW_TARGET_MS)])
rows.push(info('library: CPU per warm headless flow, client and server (vs node:http canned)', ms(p.sandboxFlows.steady.cpu), ms(p.bareFlows.steady.cpu),
  ratio(p.sandboxFlows.steady.cpu / p.bareFlows.steady.cpu)))

const failures = [...loads.flatMap((l) => l.failures), ...flow.failures, ...tokenUser.failures, ...redis.failures, ...memory.failures]
rows.push(['failed requests or flows, all runs', String(failures.length === 0 ? 0 : `${failures.length} run(s)`), '-', '-', '0', yesNo(failures.length === 0)])
rows.push(['total runtime of this script', duration(runtime), '-', '-', '< 5 min', yesNo(runtime < RUNTIME_TARGET_S)])

console.log('\n# summary')
console.log(table(rows))
console.log(`\nphases: ${phases.join(', ')}`)
console.log(`load average at end: ${loadAverage()}`)

if (failures.length > 0) {
  for (const failure of failures) console.log(`FAIL: ${failure}`)
  process.exitCode = 1
}
