// Token exchange and user data, each in requests/s beside the bare node:http reference.
//
// Token exchange: every request must carry a fresh authorization code (a used or unknown one is a
// cheap 400, not a measurement). So the codes are made first, by authorize + headless approve
// under load, and the exchange run then sends each exactly once (autocannon `amount` = codes
// made, each request taking the next code); every answer must be a 200 with a token pair. The
// reference gets the same number of requests built the same way, with codes it never checks.
//
// Every code must still be stored when its turn comes, so the sandbox of this run keeps more
// records of each kind than MAX_RECORDS' default (codesCap); its RSS is reported apart.
//
// User data: GET /api/v1/oauth/user with one valid access token, for a fixed time.
import { pathToFileURL } from 'node:url'
import { benchSeconds } from './authorize.js'
import { AUTHORIZE, REFERENCE_MAIN, SANDBOX_ENV, SANDBOX_MAIN, checkJournalOff, fmt, load, request, rssMiB, spawnServer } from './lib.js'

const CONNECTIONS = 50
const WARMUP_SECONDS = 2
const JSON_HEADERS = { 'content-type': 'application/json' }
const TOKEN_HEADERS = { authorization: AUTHORIZE.headers.authorization, ...JSON_HEADERS }
const TRACK = /[?&]track_id=([0-9a-f-]{36})&/
const CODE = /[?&]authorization_code=([A-Za-z0-9]{64})"/
const TOKEN_PAIR = /^\{"id":"[0-9a-f-]{36}","access_token":"([A-Za-z0-9]{128})","refresh_token":"[A-Za-z0-9]{128}"/
const USER_DATA = /^\{"id":"[0-9a-f-]{36}",.*"email":"[^"]+"/

/** Codes sent in the measured exchange run (a multiple of the connections); as many again / 10 warm it up first. */
export function tokenCodes () {
  const codes = Number(process.env.BENCH_TOKEN_CODES ?? 20_000)
  if (!(codes >= CONNECTIONS)) throw new Error(`BENCH_TOKEN_CODES must be at least ${CONNECTIONS}, got ${process.env.BENCH_TOKEN_CODES}`)
  return Math.ceil(codes / CONNECTIONS) * CONNECTIONS
}

/** `count` fresh codes from the sandbox: authorize + approve on 50 connections. */
export async function makeCodes (url, pid, count) {
  const codes = []
  let failed = 0
  const stats = await load(url, pid, {
    connections: CONNECTIONS,
    amount: count * 2,
    requests: [
      {
        method: 'POST',
        path: AUTHORIZE.path,
        headers: AUTHORIZE.headers,
        body: AUTHORIZE.body,
        onResponse: (status, body, context) => { context.track = status === 200 ? TRACK.exec(body)?.[1] : undefined }
      },
      {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{"user":"+77015550101"}',
        // A failed authorize still sends this request, to a path that answers 404, so the count stays exact.
        setupRequest: (req, context) => ({ ...req, path: `/__sandbox/tracks/${context.track ?? 'none'}/approve` }),
        onResponse: (status, body) => {
          const code = status === 200 ? CODE.exec(body)?.[1] : undefined
          if (code === undefined) failed++
          else codes.push(code)
        }
      }
    ]
  })
  if (failed > 0 || codes.length !== count || stats.non2xx > 0 || stats.errors > 0) {
    throw new Error(`making ${count} codes: ${codes.length} made, ${failed} failed, ${stats.non2xx} non-2xx, ${stats.errors} errors`)
  }
  return { codes, rps: stats.rps, seconds: stats.seconds }
}

/** Sends each code once: `amount` = codes.length, every request takes the next one. */
export async function exchange (url, pid, codes, stopAfter) {
  let next = 0
  let bad = 0
  let firstBad
  const stats = await load(url, pid, {
    connections: CONNECTIONS,
    amount: codes.length,
    stopAfter,
    requests: [{
      method: 'POST',
      path: '/api/v1/oauth/token',
      headers: TOKEN_HEADERS,
      setupRequest: (req) => ({ ...req, body: `{"authorization_code":"${codes[next++]}"}` }),
      onResponse: (status, body) => {
        if (status !== 200 || !TOKEN_PAIR.test(body)) {
          bad++
          firstBad ??= `${status} ${body.slice(0, 200)}`
        }
      }
    }]
  })
  // autocannon builds each connection's first request before it connects, and one more after each
  // answer up to `amount`: every code is used at most once.
  return { ...stats, bad, firstBad, sent: next }
}

function fakeCodes (count) {
  return Array.from({ length: count }, (_, i) => String(i).padStart(64, 'x'))
}

const warmupCodes = (count) => Math.max(CONNECTIONS, Math.ceil(count / 10 / CONNECTIONS) * CONNECTIONS)

/** MAX_RECORDS for the token run's sandbox: every code made (warm-up included) stays stored, with a thousand to spare. */
export const codesCap = (count) => Math.max(10_000, Math.ceil((warmupCodes(count) + count) / 1000) * 1000 + 1000)

async function measureToken (name, args, env, count, seconds) {
  const server = spawnServer(args, env)
  const pid = server.child.pid
  try {
    const url = await server.url
    const warmupCount = warmupCodes(count)
    let made
    let codes
    if (name === 'sandbox') {
      made = await makeCodes(url, pid, warmupCount + count)
      codes = made.codes
    } else {
      codes = fakeCodes(warmupCount + count)
    }
    const warmup = await exchange(url, pid, codes.slice(0, warmupCount), WARMUP_SECONDS)
    const stats = await exchange(url, pid, codes.slice(warmupCount), seconds)
    if (name === 'sandbox') await checkJournalOff(url)
    const bad = warmup.bad + stats.bad
    return { ...stats, bad, firstBad: warmup.firstBad ?? stats.firstBad, made, rssMiB: rssMiB(pid) }
  } finally {
    await server.stop()
  }
}

async function measureUser (name, args, env, seconds) {
  const server = spawnServer(args, env)
  const pid = server.child.pid
  try {
    const url = await server.url
    const authorized = await request(url, AUTHORIZE)
    const track = TRACK.exec(authorized.body)?.[1]
    const approved = await request(url, { method: 'POST', path: `/__sandbox/tracks/${track}/approve`, headers: JSON_HEADERS, body: '{"user":"+77015550101"}' })
    const code = CODE.exec(approved.body)?.[1]
    const pair = await request(url, { method: 'POST', path: '/api/v1/oauth/token', headers: TOKEN_HEADERS, body: JSON.stringify({ authorization_code: code }) })
    const accessToken = TOKEN_PAIR.exec(pair.body)?.[1]
    if (accessToken === undefined) throw new Error(`${name}: no access token (${pair.status} ${pair.body})`)
    const options = { connections: CONNECTIONS, headers: { authorization: `Bearer ${accessToken}` } }
    const probe = await request(url, { path: '/api/v1/oauth/user', headers: options.headers })
    if (probe.status !== 200 || !USER_DATA.test(probe.body)) throw new Error(`${name}: user data answered ${probe.status} ${probe.body}`)
    await load(url + '/api/v1/oauth/user', pid, { ...options, duration: WARMUP_SECONDS })
    const stats = await load(url + '/api/v1/oauth/user', pid, { ...options, duration: seconds })
    if (name === 'sandbox') await checkJournalOff(url)
    return { ...stats, bad: stats.non2xx, rssMiB: rssMiB(pid) }
  } finally {
    await server.stop()
  }
}

/** Answers per second, the last partial second left out. */
const wholeSeconds = (run) => run.perSecond.slice(0, Math.floor(run.seconds))

function report (what, runs, failures) {
  for (const [name, r] of Object.entries(runs)) {
    console.log(`${name.padEnd(9)}  ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms  ` +
      `${fmt(r.total)} requests in ${fmt(r.seconds, 2)} s  bad ${r.bad}  errors ${r.errors}  ` +
      `server CPU ${fmt(r.serverCpu * 100)}%  autocannon CPU ${fmt(r.clientCpu * 100)}%`)
    if (r.bad > 0 || r.errors > 0 || r.non2xx > 0 || r.total === 0) {
      failures.push(`${what}, ${name}: ${r.bad} bad answers, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.total} requests` +
        (r.firstBad === undefined ? '' : ` (first: ${r.firstBad})`))
    }
  }
  const ratio = runs.sandbox.rps / runs.reference.rps
  console.log(`ratio sandbox/reference req/s: ${fmt(ratio, 2)}  (no target)`)
  return ratio
}

export async function benchTokenUser ({ seconds = benchSeconds(), codes = tokenCodes() } = {}) {
  const failures = []
  console.log(`\n# token exchange: up to ${fmt(codes)} fresh codes, each sent once, ${CONNECTIONS} connections, at most ${seconds} s ` +
    `(after up to ${fmt(warmupCodes(codes))} codes or ${WARMUP_SECONDS} s of warm-up); the sandbox with MAX_RECORDS=${codesCap(codes)} so every code stays stored`)
  const token = {
    reference: await measureToken('reference', [REFERENCE_MAIN], {}, codes, seconds),
    sandbox: await measureToken('sandbox', [SANDBOX_MAIN], { ...SANDBOX_ENV, MAX_RECORDS: String(codesCap(codes)) }, codes, seconds)
  }
  const { made } = token.sandbox
  console.log(`codes made beforehand by authorize + approve: ${fmt(made.codes.length)} in ${fmt(made.seconds, 2)} s (${fmt(made.rps)} req/s)`)
  const tokenRatio = report('token exchange', token, failures)
  for (const [name, r] of Object.entries(token)) {
    if (r.stopped) console.log(`${name}: stopped after ${seconds} s with ${fmt(codes - r.total)} of ${fmt(codes)} codes unsent`)
  }
  console.log(`sandbox exchanges in each whole second of the run: ${wholeSeconds(token.sandbox).map((n) => fmt(n)).join(', ')}`)
  console.log(`sandbox RSS after the exchanges: ${fmt(token.sandbox.rssMiB, 1)} MiB (MAX_RECORDS=${codesCap(codes)})`)

  console.log(`\n# user data: GET /api/v1/oauth/user, one valid access token, ${CONNECTIONS} connections, ${seconds} s each (after ${WARMUP_SECONDS} s warm-up)`)
  const user = {
    reference: await measureUser('reference', [REFERENCE_MAIN], {}, seconds),
    sandbox: await measureUser('sandbox', [SANDBOX_MAIN], SANDBOX_ENV, seconds)
  }
  const userRatio = report('user data', user, failures)
  for (const failure of failures) console.log(`FAIL: ${failure}`)
  return { token, tokenRatio, user, userRatio, failures }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchTokenUser()
  if (result.failures.length > 0) process.exitCode = 1
}
