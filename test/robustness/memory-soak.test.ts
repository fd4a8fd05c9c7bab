import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import t from 'tap'
import { DEMO_AUTH } from '../helpers/app.js'
import { listeningUrl, spawnMain } from '../helpers/process.js'

/*
 * A bounded memory soak: thousands of hostile requests with bodies just under the 64 KiB limit
 * at a real sandbox (the CLI, in a child process, as `npm start` runs it), then its RSS. What the
 * sandbox keeps of them (the journal, by entries and by bytes) must not grow it past a bound.
 * Needs `npm run build` (dist/cli.mjs).
 */

t.setTimeout(300_000)

const SOAK = Number(process.env.SOAK_REQUESTS ?? 3000)
const GROWTH_LIMIT_MIB = 64
const CONCURRENCY = 8

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024

const bodies = [
  { url: '/nope', headers: {}, body: JSON.stringify({ track_id: 'x', pad: 'a'.repeat(63_000) }) },
  { url: '/api/v1/oauth/authorize', headers: { authorization: DEMO_AUTH }, body: `{"redirect_uri":"https://shop.example/cb","grants":[${Array(31_000).fill('1').join(',')}]}` },
  { url: '/login/sign-in', headers: {}, body: JSON.stringify({ track_id: { toString: 1 }, login: 'l'.repeat(62_000) }) },
  { url: '/api/v1/oidc/token', headers: {}, body: JSON.stringify({ grant_type: 'authorization_code', code: 'c'.repeat(62_000) }) }
]

async function send (agent: Agent, base: string, i: number): Promise<number> {
  const { url, headers, body } = bodies[i % bodies.length]!
  return await new Promise((resolve, reject) => {
    const req = request(new URL(url, base), { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-pad': 'h'.repeat(4000), ...headers } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end(body)
  })
}

t.test(`${SOAK} requests with bodies near 64 KiB: RSS grows less than ${GROWTH_LIMIT_MIB} MiB`, async (t) => {
  // As `npm start` and the image run it (docs/settings.md).
  const run = spawnMain(['--port', '0'], { LOG_LEVEL: 'warn', NODE_OPTIONS: '--max-semi-space-size=2' })
  t.teardown(() => { run.child.kill('SIGKILL') })
  const base = await listeningUrl(run)
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  t.teardown(() => agent.destroy())
  const pid = run.child.pid!
  // Warm up the code paths (JIT, the schemas compiled on first use), then measure from there.
  for (let i = 0; i < 40; i++) await send(agent, base, i)
  const before = rssMiB(pid)
  let next = 0
  const statuses = new Map<number, number>()
  let peak = before
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < SOAK) {
      const status = await send(agent, base, next++)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      if (next % 250 === 0) peak = Math.max(peak, rssMiB(pid))
    }
  }))
  const after = rssMiB(pid)
  peak = Math.max(peak, after)
  t.notOk(statuses.has(500), `no 500: ${JSON.stringify([...statuses])}`)
  t.ok(peak - before < GROWTH_LIMIT_MIB, `RSS ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)}, ${after.toFixed(0)} after ${SOAK} requests`)
  const journal = await fetch(`${base}/__sandbox/requests`)
  t.equal(journal.status, 200)
  t.ok((await journal.arrayBuffer()).byteLength < 9 * 1024 * 1024, 'the journal answers within its byte budget')
})
