// Resident memory of one sandbox child over a million authorize calls (BENCH_MEMORY_CALLS): RSS
// idle after start, then after every 100,000 calls (VmRSS from /proc/<pid>/status). Each call
// stores a track; nothing expires during the run (TRACK_TTL 600 s, kept one more hour), so what
// must bound memory is the store's cap: MAX_RECORDS (10,000 by default) per collection, the oldest 1% dropped.
//
// RSS alone mixes what the sandbox keeps with garbage V8 has not collected yet: the heap grows to
// a few times the live data between full collections, so RSS readings saw-tooth. The child runs
// with --trace-gc, and the heap left after each full (Mark-Compact) collection, i.e. what is really
// retained, is printed beside RSS.
import { pathToFileURL } from 'node:url'
import { AUTHORIZE, SANDBOX_ENV, SANDBOX_MAIN, checkJournalOff, duration, fmt, load, request, rssMiB, spawnServer } from './lib.js'

export const RSS_TARGET_MIB = 100
const CHUNK = 100_000
const CONNECTIONS = 50
const IDLE_SETTLE_MS = 1_000
/** Bounded: the last `WINDOW` readings within `SPREAD` of each other (max/min). */
const WINDOW = 5
const SPREAD = 0.10
const TRACK = /[?&]track_id=([0-9a-f-]{36})&/
// e.g. `Mark-Compact 206.8 (231.1) -> 105.4 (147.4) MB`: heap used (committed) before -> after.
const FULL_GC = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/g

export function memoryCalls () {
  const calls = Number(process.env.BENCH_MEMORY_CALLS ?? 1_000_000)
  if (!(calls >= CHUNK) || calls % CHUNK !== 0) throw new Error(`BENCH_MEMORY_CALLS must be a multiple of ${fmt(CHUNK)}, got ${process.env.BENCH_MEMORY_CALLS}`)
  return calls
}

export async function benchMemory ({ calls = memoryCalls() } = {}) {
  console.log(`\n# memory: ${fmt(calls)} authorize calls against one sandbox, ${CONNECTIONS} connections, RSS every ${fmt(CHUNK)}`)
  let output = ''
  const liveAfterGc = [] // MB of heap left by each full collection, in order
  const server = spawnServer(['--trace-gc', SANDBOX_MAIN], SANDBOX_ENV, {
    onOutput: (chunk) => {
      output += chunk
      const end = output.lastIndexOf('\n')
      if (end === -1) return
      for (const match of output.slice(0, end).matchAll(FULL_GC)) liveAfterGc.push(Number(match[1]))
      output = output.slice(end + 1)
    }
  })
  const pid = server.child.pid
  const started = performance.now()
  const curve = []
  const failures = []
  let firstTrack
  let firstTrackAfter
  try {
    const url = await server.url
    const probe = await request(url, AUTHORIZE)
    firstTrack = TRACK.exec(probe.body)?.[1]
    if (probe.status !== 200 || firstTrack === undefined) throw new Error(`authorize answered ${probe.status} ${probe.body}`)
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS))
    const idle = rssMiB(pid)
    console.log(`${'idle'.padStart(9)}  RSS ${fmt(idle, 1).padStart(6)} MiB  (1 s after the first answer)`)
    let done = 0
    while (done < calls) {
      const stats = await load(url + AUTHORIZE.path, pid, {
        connections: CONNECTIONS, amount: CHUNK, method: AUTHORIZE.method, headers: AUTHORIZE.headers, body: AUTHORIZE.body
      })
      done += stats.total
      const rss = rssMiB(pid)
      const gcs = liveAfterGc.splice(0)
      curve.push({ calls: done, rss, rps: stats.rps, p99: stats.p99, live: gcs.at(-1), fullGcs: gcs.length })
      console.log(`${fmt(done).padStart(9)}  RSS ${fmt(rss, 1).padStart(6)} MiB  ${fmt(stats.rps).padStart(6)} req/s  p99 ${fmt(stats.p99, 2).padStart(5)} ms  ` +
        `heap after last full GC ${gcs.length === 0 ? '(no full GC in this chunk)' : `${fmt(gcs.at(-1), 1)} MB (${gcs.length} full GC${gcs.length > 1 ? 's' : ''})`}` +
        (stats.non2xx + stats.errors > 0 ? `  non-2xx ${stats.non2xx} errors ${stats.errors}` : ''))
      if (stats.non2xx > 0 || stats.errors > 0 || stats.total !== CHUNK) {
        failures.push(`memory run, calls ${fmt(done - stats.total)}-${fmt(done)}: ${stats.non2xx} non-2xx, ${stats.errors} errors, ${stats.total} answers`)
        break
      }
    }
    await checkJournalOff(url)
    // The first track issued must have been evicted by the cap long before the end.
    firstTrackAfter = (await request(url, { path: `/__sandbox/tracks/${firstTrack}` })).status
    const seconds = (performance.now() - started) / 1000
    const last = curve.slice(-WINDOW).map((point) => point.rss)
    const spread = Math.max(...last) / Math.min(...last) - 1
    const peak = Math.max(...curve.map((point) => point.rss))
    const lives = curve.map((point) => point.live).filter((live) => live !== undefined)
    const liveLast = lives.at(-1)
    // Full GCs are rare (a few per million calls): every reading once the cap is full (after the
    // first 100k) counts, and three of them are enough to call it flat.
    const liveWindow = curve.filter((point) => point.calls > CHUNK && point.live !== undefined).map((point) => point.live)
    const liveSpread = liveWindow.length === 0 ? NaN : Math.max(...liveWindow) / Math.min(...liveWindow) - 1
    const result = {
      calls: done,
      idle,
      curve,
      seconds,
      peak,
      final: curve.at(-1)?.rss,
      spread,
      bounded: curve.length >= WINDOW && spread <= SPREAD,
      met: peak <= RSS_TARGET_MIB,
      firstTrackAfter,
      liveLast,
      liveMax: lives.length === 0 ? undefined : Math.max(...lives),
      liveSpread,
      liveBounded: liveWindow.length >= 3 && liveSpread <= SPREAD,
      failures
    }
    console.log(`first track issued: GET /__sandbox/tracks/<id> now answers ${firstTrackAfter} ` +
      `(${firstTrackAfter === 404 ? 'evicted by the cap' : 'still stored'})`)
    console.log(`last ${WINDOW} readings ${last.map((rss) => fmt(rss, 1)).join(', ')} MiB: spread ${fmt(spread * 100, 1)}%, ` +
      `bounded (<= ${SPREAD * 100}%): ${result.bounded ? 'yes' : 'NO'}`)
    console.log(`heap left by the last full GC of each 100k: ${lives.length === 0 ? 'none ran' : lives.map((live) => fmt(live, 1)).join(', ') + ' MB'}; ` +
      `after the cap filled (${liveWindow.length} readings) spread ${fmt(liveSpread * 100, 1)}%, ` +
      `bounded (<= ${SPREAD * 100}%, at least 3 readings): ${result.liveBounded ? 'yes' : 'NO'}`)
    console.log(`peak RSS ${fmt(peak, 1)} MiB  target <= ${RSS_TARGET_MIB} MiB: ${result.met ? 'met' : 'NOT met'}`)
    console.log(`${fmt(done)} calls in ${duration(seconds)} (${fmt(done / seconds)} calls/s overall)`)
    for (const failure of failures) console.log(`FAIL: ${failure}`)
    return result
  } finally {
    await server.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchMemory()
  if (result.failures.length > 0) process.exitCode = 1
}
