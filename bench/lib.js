// Shared by the benches: child servers, one-shot requests, /proc readings and a plain-text table.
import { spawn } from 'node:child_process'
import { copyFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BUILT_MAIN = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))
export const REFERENCE_MAIN = fileURLToPath(new URL('./reference-server.js', import.meta.url))
export const FASTIFY_PEER_MAIN = fileURLToPath(new URL('./fastify-peer.js', import.meta.url))

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
const SNAPSHOT_PREFIX = '.cli-snapshot-'

/**
 * Others may rebuild dist/cli.mjs while a bench runs: every child runs one private copy, taken
 * once the file has stopped changing, so no spawn meets a half-written bundle and every figure of
 * a run measures the same code. The copy sits in bench/, one level under the root like dist/, so
 * the bundle's `../fixtures` still resolves; it is deleted when this process exits.
 */
function snapshotSandbox () {
  for (const name of readdirSync(BENCH_DIR)) {
    const pid = Number(name.slice(SNAPSHOT_PREFIX.length, -'.mjs'.length))
    if (!name.startsWith(SNAPSHOT_PREFIX) || !(pid > 0)) continue
    try { process.kill(pid, 0) } catch { rmSync(BENCH_DIR + name, { force: true }) }
  }
  const copy = `${BENCH_DIR}${SNAPSHOT_PREFIX}${process.pid}.mjs`
  const stamp = () => { const s = statSync(BUILT_MAIN); return `${s.size}:${s.mtimeMs}` }
  for (let attempt = 0; attempt < 50; attempt++) {
    const before = stamp()
    copyFileSync(BUILT_MAIN, copy)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    if (stamp() === before && statSync(copy).size === statSync(BUILT_MAIN).size && statSync(copy).size > 0) {
      process.once('exit', () => rmSync(copy, { force: true }))
      return copy
    }
  }
  throw new Error(`${BUILT_MAIN} kept changing for 10 s (a rebuild in progress?)`)
}

export const SANDBOX_MAIN = snapshotSandbox()

export const AUTHORIZE = {
  path: '/api/v1/oauth/authorize',
  method: 'POST',
  headers: {
    authorization: 'Basic ' + Buffer.from('0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret').toString('base64'),
    'content-type': 'application/json'
  },
  body: JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants: ['read.email', 'read.phone'] })
}

/**
 * The node flags `npm start` (and the image's CMD, test/launch.test.ts) runs the CLI with, from
 * package.json's start script, so every bench measures the sandbox as it is run.
 */
function startFlags () {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const match = /^node((?: --\S+)*) dist\/cli\.mjs$/.exec(scripts.start)
  if (match === null) throw new Error(`package.json's start script is not "node [--flags] dist/cli.mjs": ${scripts.start}`)
  return match[1].trim()
}

// JOURNAL=off: otherwise the sandbox records every request of a load run in its journal.
export const SANDBOX_ENV = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', JOURNAL: 'off', NODE_OPTIONS: startFlags() }

const children = new Set()

// A crash or Ctrl-C must not leave servers holding ports and CPU behind.
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { process.exit(128 + (signal === 'SIGINT' ? 2 : 15)) })
}

/**
 * Starts `node <args>` and resolves `url` with the first `listening on http://...` it prints.
 * `spawnedAt` is taken just before spawn(), for cold-start timing. `onOutput` gets every chunk
 * of its stdout (e.g. `--trace-gc` lines).
 */
export function spawnServer (args, env = {}, { onOutput } = {}) {
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { children.delete(child); resolve(code ?? signal) }))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk })
  const url = new Promise((resolve, reject) => {
    let seen = ''
    // Keeps draining stdout after the match so a chatty child never blocks on a full pipe.
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      onOutput?.(chunk)
      if (seen === null) return
      seen += chunk
      const match = /listening on (http:\/\/[^\s/]+)/.exec(seen)
      if (match !== null) {
        seen = null
        resolve(match[1])
      }
    })
    exited.then((how) => reject(new Error(`node ${args.join(' ')} exited (${how}) before listening\n${stderr}`)))
  })
  url.catch(() => {})
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  return { child, url, spawnedAt, stop }
}

/** One request on a fresh connection; resolves { status, body } and rejects on socket errors. */
export function request (url, { path, method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method, headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

export function rssMiB (pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? NaN : Number(match[1]) / 1024
}

/** User+system CPU seconds a process has used so far (Linux /proc, USER_HZ is 100). */
export function cpuSeconds (pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Rows of strings (the first is the header) as aligned columns; a column of figures is right-aligned. */
export function table (rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)))
  const right = rows[0].map((_, i) => i > 0 && rows.slice(1).every((row) => /^[\d<>=-]/.test(String(row[i]))))
  return rows.map((row) => row.map((cell, i) => right[i] ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i]))
    .join('  ').trimEnd()).join('\n')
}

export const fmt = (value, digits = 0) => Number.isFinite(value)
  ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  : '-'

/** The p-th percentile of an ascending list (nearest rank). */
export function percentile (sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p / 100) - 1))]
}

/**
 * One autocannon run against `url` (options as autocannon's, `url` aside), timing every response
 * itself: autocannon's own histogram has 1 ms resolution, too coarse for a sub-millisecond
 * endpoint. Also reads how much CPU the server child (`pid`, or the sum over an array of pids for
 * replicas) and this process used meanwhile, and `extraPid` (e.g. redis-server) as `extraCpu`.
 * The run lasts from the start to its last answer: autocannon notices the end of an `amount` only
 * at its next one-second tick, which would count as idle time. `stopAfter` (seconds) ends a run
 * early, e.g. one bounded by `amount` that turns out slow.
 */
export async function load (url, pid, { stopAfter, extraPid, ...options }) {
  const { default: autocannon } = await import('autocannon')
  const latencies = []
  const statuses = {}
  const perSecond = []
  const serverSeconds = () => [pid].flat().reduce((sum, one) => sum + cpuSeconds(one), 0)
  const extraSeconds = () => extraPid === undefined ? NaN : cpuSeconds(extraPid)
  const cpuBefore = serverSeconds()
  const extraBefore = extraSeconds()
  const ownBefore = process.cpuUsage()
  const started = performance.now()
  let last = started
  // CPU is read at most every 50 ms while answers come, so the idle tail after the last one is left out.
  let cpuAt = { at: started, server: cpuBefore, extra: extraBefore, own: ownBefore }
  const instance = autocannon({ url, ...options })
  instance.on('response', (_client, status, _bytes, ms) => {
    last = performance.now()
    latencies.push(ms)
    statuses[status] = (statuses[status] ?? 0) + 1
    const second = Math.floor((last - started) / 1000)
    perSecond[second] = (perSecond[second] ?? 0) + 1
    if (last - cpuAt.at >= 50) cpuAt = { at: last, server: serverSeconds(), extra: extraSeconds(), own: process.cpuUsage() }
  })
  const timer = stopAfter === undefined ? undefined : setTimeout(() => instance.stop(), stopAfter * 1000)
  let result
  try {
    result = await instance
  } finally {
    clearTimeout(timer)
  }
  const seconds = (last - started) / 1000
  const cpuSpan = (cpuAt.at - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    rps: latencies.length / seconds,
    total: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses,
    /** Answers in each second of the run, the last one partial. */
    perSecond: Array.from(perSecond, (n) => n ?? 0),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    stopped: stopAfter !== undefined && options.amount !== undefined && latencies.length < options.amount,
    serverCpu: (cpuAt.server - cpuBefore) / cpuSpan,
    extraCpu: (cpuAt.extra - extraBefore) / cpuSpan,
    clientCpu: ((cpuAt.own.user - ownBefore.user) + (cpuAt.own.system - ownBefore.system)) / 1e6 / cpuSpan
  }
}

/** JOURNAL=off must hold in every load run: the journal of a sandbox child stays empty. */
export async function checkJournalOff (url) {
  const { status, body } = await request(url, { path: '/__sandbox/requests?limit=1' })
  if (status !== 200 || body !== '[]') throw new Error(`the sandbox journal is not off: GET /__sandbox/requests answered ${status} ${body.slice(0, 200)}`)
}

/** Seconds as `1m 23.4s` or `12.3 s`. */
export const duration = (seconds) => seconds >= 60 ? `${Math.floor(seconds / 60)}m ${fmt(seconds % 60, 1)}s` : `${fmt(seconds, 1)} s`
