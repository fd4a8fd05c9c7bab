import { Agent } from 'node:http'
import t from 'tap'
import { startSandbox } from '../../src/index.js'
import { DEMO, DEMO_AUTH } from '../helpers/app.js'
import { AIGERIM, DANIYAR } from '../helpers/flow.js'
import { json, live, liveAuthorize, type LiveAnswer } from '../helpers/live-http.js'

const FLOWS = 200
const YERLAN = '1d4e6f8a-2b3c-4e5f-a6b7-c8d9e0f1a203'
const DANA = '6f1a2b3c-4d5e-4f6a-9b7c-8d9e0f1a2b06'
const PERSONAS = [
  { id: AIGERIM, firstname: 'Aigerim' },
  { id: DANIYAR, firstname: 'Daniyar' },
  { id: YERLAN, firstname: 'Yerlan' },
  { id: DANA, firstname: 'Dana' }
]
const GRANTS = ['read.firstname', 'read.phone']
const INVALID_CODE = '{"error":{"message":"Invalid authorization_code.","code":100101}}'
const UNAUTHENTICATED = '{"error":{"message":"Unauthenticated.","code":100401}}'

interface Pair { id: string, access_token: string, refresh_token: string }
interface FlowResult { trackId: string, user: string, code: string, exchanged: Pair, refreshed: Pair }

const statuses = (answers: LiveAnswer[]) => answers.map((a) => a.status).sort((a, b) => a - b)

t.test(`${FLOWS} full flows at once over real HTTP: every code and refresh token used exactly once`, async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent', journal: 'off' })
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 })
  t.teardown(async () => {
    agent.destroy()
    await sandbox.close()
  })
  const base = sandbox.url
  const call = (path: string, options: Parameters<typeof live>[2] = {}) => live(base, path, options, agent)
  const failures: string[] = []
  const expect = (ok: boolean, what: string) => { if (!ok) failures.push(what) }

  async function flow (n: number): Promise<FlowResult> {
    const persona = PERSONAS[n % PERSONAS.length]!
    const trackId = await liveAuthorize(base, GRANTS, `https://shop.example/cb/${n}`, agent)
    const track = await call(`/__sandbox/tracks/${trackId}`)
    expect(track.status === 200 && json(track).state === 'issued' && json(track).client_id === DEMO.id, `flow ${n}: track ${trackId} not found as issued: ${track.status} ${track.text}`)

    const approved = await call(`/__sandbox/tracks/${trackId}/approve`, { method: 'POST', json: { user: persona.id } })
    if (approved.status !== 200) throw new Error(`flow ${n}: approve answered ${approved.status}: ${approved.text}`)
    const callback = new URL(json<{ redirect_uri: string }>(approved).redirect_uri)
    expect(callback.origin + callback.pathname === `https://shop.example/cb/${n}`, `flow ${n}: approve went to ${callback}`)
    const code = callback.searchParams.get('authorization_code')!

    const exchange = () => call('/api/v1/oauth/token', { method: 'POST', headers: { authorization: DEMO_AUTH }, json: { authorization_code: code } })
    const exchanges = await Promise.all([exchange(), exchange()])
    expect(statuses(exchanges).join() === '200,400', `flow ${n}: two racing exchanges answered ${statuses(exchanges)}`)
    const wonExchange = exchanges.find((a) => a.status === 200)
    const lostExchange = exchanges.find((a) => a.status !== 200)
    expect(lostExchange?.text === INVALID_CODE, `flow ${n}: the losing exchange said ${lostExchange?.text}`)
    if (wonExchange === undefined) throw new Error(`flow ${n}: no exchange succeeded`)
    const exchanged = json<Pair>(wonExchange)

    const refresh = () => call('/api/v1/oauth/token', { method: 'PATCH', headers: { authorization: `Bearer ${exchanged.refresh_token}` } })
    const refreshes = await Promise.all([refresh(), refresh()])
    expect(statuses(refreshes).join() === '200,401', `flow ${n}: two racing refreshes answered ${statuses(refreshes)}`)
    const lostRefresh = refreshes.find((a) => a.status !== 200)
    expect(lostRefresh?.text === UNAUTHENTICATED, `flow ${n}: the losing refresh said ${lostRefresh?.text}`)
    const wonRefresh = refreshes.find((a) => a.status === 200)
    if (wonRefresh === undefined) throw new Error(`flow ${n}: no refresh succeeded`)
    const refreshed = json<Pair>(wonRefresh)

    const again = await refresh()
    expect(again.status === 401, `flow ${n}: the rotated refresh token still worked (${again.status})`)
    for (const [name, pair] of [['exchanged', exchanged], ['refreshed', refreshed]] as const) {
      const user = await call('/api/v1/oauth/user', { headers: { authorization: `Bearer ${pair.access_token}` } })
      const body = user.status === 200 ? json(user) : {}
      expect(user.status === 200 && body.id === persona.id && body.firstname === persona.firstname,
        `flow ${n}: the ${name} access token read ${user.status} ${user.text}, not ${persona.firstname}`)
    }
    const done = await call(`/__sandbox/tracks/${trackId}`)
    expect(json(done).state === 'exchanged' && json(done).user_id === persona.id, `flow ${n}: the track ended as ${done.text}`)
    return { trackId, user: persona.id, code, exchanged, refreshed }
  }

  const started = performance.now()
  const settled = await Promise.allSettled(Array.from({ length: FLOWS }, (_, n) => flow(n)))
  const wallMs = performance.now() - started
  t.comment(`${FLOWS} concurrent flows (${FLOWS * 11} requests) took ${Math.round(wallMs)} ms wall time`)

  const errors = settled.flatMap((s) => s.status === 'rejected' ? [String(s.reason)] : [])
  t.same(errors, [], 'no flow threw (no connection error, no unexpected status)')
  t.same(failures, [], 'every assertion inside every flow held')
  const results = settled.flatMap((s) => s.status === 'fulfilled' ? [s.value] : [])
  t.equal(results.length, FLOWS)
  const distinct = (values: string[]) => new Set(values).size
  t.equal(distinct(results.map((r) => r.trackId)), FLOWS, 'every track id is unique')
  t.equal(distinct(results.map((r) => r.code)), FLOWS, 'every code is unique')
  t.equal(distinct(results.flatMap((r) => [r.exchanged.access_token, r.refreshed.access_token])), 2 * FLOWS, 'every access token is unique')
  t.equal(distinct(results.flatMap((r) => [r.exchanged.refresh_token, r.refreshed.refresh_token])), 2 * FLOWS, 'every refresh token is unique')
  t.equal(distinct(results.flatMap((r) => [r.exchanged.id, r.refreshed.id])), 2 * FLOWS, 'every token id is unique')

  // Each pair issued under load must still be known to its user's session: a logout ends all of them.
  for (const persona of PERSONAS) {
    const issued = results.filter((r) => r.user === persona.id).length * 2
    const logout = await call(`/__sandbox/users/${persona.id}/logout`, { method: 'POST' })
    t.equal(logout.status, 200)
    t.equal(json(logout).tokens_ended, issued, `a logout of ${persona.firstname} ends all ${issued} pairs issued concurrently`)
  }
  const survivors = await Promise.all(results.map((r) => call('/api/v1/oauth/user', { headers: { authorization: `Bearer ${r.refreshed.access_token}` } })))
  t.same(statuses(survivors).filter((s) => s !== 401), [], 'no access token outlives its user\'s logout')
})
