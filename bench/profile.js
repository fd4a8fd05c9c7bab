// Where the sandbox's CPU time goes under load: runs the CLI child with `node --cpu-prof`, drives
// it with autocannon, stops it with SIGTERM (a graceful exit writes the profile), then sums the
// self time of every sample by function, by package and by file of src/, and deletes the profile.
//
//   node bench/profile.js [authorize|flow|token|start] [seconds]      (default: authorize 10)
//
// token: makes BENCH_TOKEN_CODES codes first (20,000; MAX_RECORDS raised to keep them; not profiled apart: they are in the profile too), then
// exchanges them for at most `seconds`. start: no load, the process from spawn to its first 200
// from authorize (the cold start), then exit.
//
// The CLI is one esbuild bundle; esbuild heads each module's code with a `// node_modules/<pkg>/…`
// or `// src/…` comment line, which is how a sample's line number is traced back to its package.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { flowSteps } from './flow.js'
import { codesCap, exchange, makeCodes, tokenCodes } from './token-user.js'
import { AUTHORIZE, SANDBOX_ENV, SANDBOX_MAIN, fmt, load, request, spawnServer, table } from './lib.js'

const TOP_FUNCTIONS = 25

/** Line index (0-based) -> module, from esbuild's `// path` comments. */
function moduleMap (bundlePath) {
  const starts = []
  readFileSync(bundlePath, 'utf8').split('\n').forEach((line, index) => {
    const match = /^\/\/ ((?:node_modules|src)\/\S+)$/.exec(line)
    if (match !== null) starts.push([index, match[1]])
  })
  return (line) => {
    let lo = 0
    let hi = starts.length - 1
    let found = '(bundle prelude)'
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (starts[mid][0] <= line) { found = starts[mid][1]; lo = mid + 1 } else hi = mid - 1
    }
    return found
  }
}

function packageOf (module) {
  if (module.startsWith('src/')) return 'src (this repo)'
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module)
  return match === null ? module : match[1]
}

/** Self time (ms) per profile node, from the sample timeline. */
function selfTimes (profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, { node, ms: 0 }]))
  for (let i = 0; i < profile.samples.length; i++) {
    const entry = byId.get(profile.samples[i])
    if (entry !== undefined) entry.ms += (profile.timeDeltas[i] ?? 0) / 1000
  }
  return [...byId.values()]
}

export function summarize (profile, bundlePath) {
  const moduleAt = moduleMap(bundlePath)
  const bundleUrl = pathToFileURL(bundlePath).href
  const functions = new Map()
  const packages = new Map()
  const srcFiles = new Map()
  let busy = 0
  let idle = 0
  const add = (map, key, ms, extra = {}) => {
    const entry = map.get(key) ?? { key, ms: 0, ...extra }
    entry.ms += ms
    map.set(key, entry)
  }
  for (const { node, ms } of selfTimes(profile)) {
    if (ms === 0) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') { idle += ms; continue }
    busy += ms
    let pkg
    let where
    if (url === bundleUrl) {
      const module = moduleAt(lineNumber)
      pkg = packageOf(module)
      where = `${module}:${lineNumber + 1}`
      if (module.startsWith('src/')) add(srcFiles, module, ms)
    } else if (url === '') {
      pkg = functionName.startsWith('(') ? functionName : '(native: V8 builtins, C++)'
      where = ''
    } else {
      pkg = url.startsWith('node:') ? 'node core' : url
      where = `${url.replace(/^node:/, '')}:${lineNumber + 1}`
    }
    add(packages, pkg, ms)
    add(functions, `${functionName || '(anonymous)'} ${where}`, ms, { name: functionName || '(anonymous)', where, pkg })
  }
  const sorted = (map) => [...map.values()].sort((a, b) => b.ms - a.ms)
  return { busy, idle, functions: sorted(functions), packages: sorted(packages), srcFiles: sorted(srcFiles) }
}

export function printSummary ({ busy, idle, functions, packages, srcFiles }) {
  // V8 samples on wall time: a sample taken while the main thread sits in a syscall (or is
  // preempted there, on a busy machine) lands on that native function. writev, the socket write,
  // is mostly kernel loopback TCP work and waiting, so the last column leaves it out.
  const writev = functions.filter((f) => f.name === 'writev' && f.pkg.startsWith('(native')).reduce((sum, f) => sum + f.ms, 0)
  const pct = (ms) => `${fmt(ms / busy * 100, 1)}%`
  const pctJs = (ms, isWritev = false) => isWritev ? '-' : `${fmt(ms / (busy - writev) * 100, 1)}%`
  console.log(`busy ${fmt(busy)} ms of samples, idle ${fmt(idle)} ms; of busy, writev (socket writes: kernel work and ` +
    `waiting, sampled on wall time) ${pct(writev)}; "excl. writev" = share of the rest`)
  console.log('\n## self time by package')
  console.log(table([['package', 'self ms', '% of busy', '% excl. writev'],
    ...packages.map((p) => [p.key, fmt(p.ms), pct(p.ms), pctJs(p.key.startsWith('(native') ? p.ms - writev : p.ms)])]))
  console.log('\n## self time by file of src/')
  console.log(table([['file', 'self ms', '% of busy', '% excl. writev'], ...srcFiles.map((f) => [f.key, fmt(f.ms), pct(f.ms), pctJs(f.ms)])]))
  console.log(`\n## self time by function (top ${TOP_FUNCTIONS})`)
  console.log(table([['function', 'package', '% of busy', '% excl. writev', 'where'],
    ...functions.slice(0, TOP_FUNCTIONS).map((f) => [f.name, f.pkg, pct(f.ms), pctJs(f.ms, f.name === 'writev' && f.pkg.startsWith('(native')), f.where])]))
}

async function main () {
  const scenario = process.argv[2] ?? 'authorize'
  const seconds = Number(process.argv[3] ?? 10)
  if (!['authorize', 'flow', 'token', 'start'].includes(scenario) || !(seconds > 0)) throw new Error('usage: node bench/profile.js [authorize|flow|token|start] [seconds]')
  const dir = mkdtempSync(join(tmpdir(), 'freedom-id-profile-'))
  try {
    const codes = tokenCodes()
    const env = scenario === 'token' ? { ...SANDBOX_ENV, MAX_RECORDS: String(codesCap(codes)) } : SANDBOX_ENV
    const server = spawnServer(['--cpu-prof', `--cpu-prof-dir=${dir}`, SANDBOX_MAIN], env)
    let stats
    try {
      const url = await server.url
      if ((await request(url, AUTHORIZE)).status !== 200) throw new Error('authorize probe failed')
      if (scenario === 'start') {
        stats = { rps: NaN, statuses: { 200: 1 } }
      } else if (scenario === 'token') {
        stats = await exchange(url, server.child.pid, (await makeCodes(url, server.child.pid, codes)).codes, seconds)
      } else {
        const options = scenario === 'authorize'
          ? { connections: 50, duration: seconds, method: AUTHORIZE.method, headers: AUTHORIZE.headers, body: AUTHORIZE.body }
          : { connections: 50, duration: seconds, requests: flowSteps({ flows: 0, failed: 0, latencies: [] }) }
        stats = await load(url + (scenario === 'authorize' ? AUTHORIZE.path : ''), server.child.pid, options)
      }
    } finally {
      await server.stop()
    }
    const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))
    if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`)
    console.log(scenario === 'start'
      ? '# CPU profile of the sandbox from spawn to its first answer (the cold start)'
      : `# CPU profile of the sandbox under ${scenario} load: 50 connections, ${seconds} s, ${fmt(stats.rps)} req/s ` +
        `(profiling slows it), statuses ${JSON.stringify(stats.statuses)}`)
    printSummary(summarize(JSON.parse(readFileSync(join(dir, files[0]), 'utf8')), SANDBOX_MAIN))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main()
