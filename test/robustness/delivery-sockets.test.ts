import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BUNDLED_FIXTURES } from '../../src/config.js'
import { basic } from '../helpers/app.js'
import { json, live } from '../helpers/live-http.js'
import { listeningUrl, spawnMain } from '../helpers/process.js'
import { startReceiver } from '../helpers/receiver.js'

t.setTimeout(120_000)

const SHOP = { client_id: '2c7e8a41-5d3b-4f6e-9a1c-7b2d4e6f8a10', client_secret: 'shop-secret', name: 'Shop with revoke_uri' }
const AUTH = basic(SHOP.client_id, SHOP.client_secret)
const CHAINS = 4
const REFRESHES = 500

t.test('under ulimit -n 256, a logout of 2,004 pairs delivers every one, with /ready answering throughout', async (t) => {
  const receiver = await startReceiver(() => 204, { delayMs: 5 })
  t.teardown(receiver.close)
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-fixtures-'))
  writeFileSync(join(dir, 'clients.json'), JSON.stringify([{ ...SHOP, revoke_uri: `${receiver.url}/revoke` }]))
  writeFileSync(join(dir, 'users.json'), readFileSync(join(BUNDLED_FIXTURES, 'users.json')))
  const run = spawnMain(['--port', '0'], { FIXTURES_DIR: dir, LOG_LEVEL: 'warn' }, { openFiles: 256 })
  t.teardown(() => { run.child.kill('SIGKILL') })
  const url = await listeningUrl(run)
  const agent = new Agent({ keepAlive: true, maxSockets: CHAINS })
  t.teardown(() => agent.destroy())

  // Each chain: one sign-in, then refreshes; every rotated pair keeps a live access token, so the logout ends it too.
  const chain = async () => {
    const authorized = await live(url, '/api/v1/oauth/authorize', { method: 'POST', headers: { authorization: AUTH }, json: { redirect_uri: 'https://shop.example/callback', grants: ['read.email'] } }, agent)
    const track = new URL(json<{ redirect_uri: string }>(authorized).redirect_uri).searchParams.get('track_id')!
    const approved = await live(url, `/__sandbox/tracks/${track}/approve`, { method: 'POST', json: { user: '+77015550101' } }, agent)
    const code = new URL(json<{ redirect_uri: string }>(approved).redirect_uri).searchParams.get('authorization_code')!
    let pair = json<{ refresh_token: string }>(await live(url, '/api/v1/oauth/token', { method: 'POST', headers: { authorization: AUTH }, json: { authorization_code: code } }, agent))
    for (let n = 0; n < REFRESHES; n++) {
      const res = await live(url, '/api/v1/oauth/token', { method: 'PATCH', headers: { authorization: `Bearer ${pair.refresh_token}` } }, agent)
      if (res.status !== 200) throw new Error(`refresh answered ${res.status}: ${res.text}`)
      pair = json(res)
    }
  }
  await Promise.all(Array.from({ length: CHAINS }, chain))
  const pairs = CHAINS * (REFRESHES + 1)

  const logout = await live(url, '/__sandbox/users/+77015550101/logout', { method: 'POST' }, agent)
  t.equal(logout.status, 200)
  t.equal(json(logout).tokens_ended, pairs)
  const ready = new Set<string>()
  let polls = 0
  while (receiver.received.length < pairs) {
    // A new client each time, as a load balancer's health check is.
    const res = await live(url, '/ready', {}, new Agent({ keepAlive: false }))
    ready.add(`${res.status} ${res.text}`)
    polls++
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.same([...ready], ['200 {"status":"ready","clients":1,"users":6}'], `/ready answered each of ${polls} new clients during the deliveries`)
  t.ok(polls > 1)
  t.equal(new Set(receiver.received.map((r) => (r.body as { id: string }).id)).size, pairs, 'every pair delivered, once')
  t.ok(receiver.connections.most <= 6, `at most 6 connections to the receiver (${receiver.connections.most})`)
  let listed = json<Array<{ outcome: string }>>(await live(url, '/__sandbox/deliveries', {}, agent))
  // The newest, up to 1,000 (the memory store drops 1% at once).
  t.ok(listed.length >= 990, `${listed.length} listed`)
  await t.resolves(async () => {
    while (listed.some((d) => d.outcome === 'pending')) listed = json(await live(url, '/__sandbox/deliveries', {}, agent))
  })
  t.same([...new Set(listed.map((d) => d.outcome))], ['delivered'])
  t.equal(run.stderr(), '')
})
