// `npm run bench`: cold start, then authorize at 50 and 1 connections, then one summary.
// Speed targets are reported, not enforced; only failed requests make the exit code non-zero.
import os from 'node:os'
import { RATIO_TARGET, benchAuthorize, benchSeconds } from './authorize.js'
import { COLD_START_TARGET_MS, benchColdStart } from './cold-start.js'
import { fmt, table } from './lib.js'

const seconds = benchSeconds()
console.log(`freedom-id-sandbox bench: node ${process.version}, ${os.cpus().length} CPUs, ${seconds} s per load run`)

let cold
const loads = []
try {
  cold = await benchColdStart()
  for (const connections of [50, 1]) loads.push(await benchAuthorize({ connections, seconds }))
} catch (error) {
  console.log(`FAIL: ${error.message}`)
  process.exit(1)
}

const yesNo = (met) => met === undefined ? '(info)' : met ? 'yes' : 'NO'
console.log('\n# summary')
console.log(table([
  ['load', 'server', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'RSS MiB'],
  ...loads.flatMap((l) => ['reference', 'sandbox'].map((name) => [
    `${l.connections} conn`, name, fmt(l[name].rps), fmt(l[name].p50, 2), fmt(l[name].p99, 2),
    String(l[name].non2xx), String(l[name].errors), fmt(l[name].rssMiB, 1)
  ]))
]))
console.log('')
console.log(table([
  ['check', 'value', 'target', 'met'],
  ...loads.map((l) => [
    `sandbox/reference req/s, ${l.connections} conn`, fmt(l.ratio, 2),
    RATIO_TARGET[l.connections] === undefined ? '-' : `>= ${RATIO_TARGET[l.connections]}`, yesNo(l.met)
  ]),
  ['cold start median, sandbox', `${fmt(cold.sandbox)} ms`, `<= ${COLD_START_TARGET_MS} ms`, yesNo(cold.sandbox <= COLD_START_TARGET_MS)],
  ['cold start median, bare node:http', `${fmt(cold.bare)} ms`, '-', '(info)'],
  ...loads.map((l) => [`sandbox RSS after ${l.connections}-conn load`, `${fmt(l.sandbox.rssMiB, 1)} MiB`, '-', '(info)'])
]))

const failures = loads.flatMap((l) => l.failures)
if (failures.length > 0) {
  for (const failure of failures) console.log(`FAIL: ${failure}`)
  process.exitCode = 1
}
