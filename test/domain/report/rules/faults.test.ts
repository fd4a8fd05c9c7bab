import { request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startSandbox, type Sandbox } from '../../../../src/index.js'
import { CLOCK, DEMO, DEMO_AUTH, type Teardown } from '../../../helpers/app.js'
import { AIGERIM } from '../../../helpers/flow.js'

const T0 = '2030-01-01T00:00:00.000Z'

async function sandboxFor (t: Teardown): Promise<Sandbox> {
  const sandbox = await startSandbox({ logLevel: 'silent', clock: CLOCK, seed: 'faults' })
  t.teardown(() => sandbox.close())
  return sandbox
}

/** A code for Demo Shop, through the control API (the consent is not journaled). */
async function codeOf (sandbox: Sandbox) {
  const link = await (await fetch(`${sandbox.url}/api/v1/oauth/authorize`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uri: 'https://shop.example/cb', grants: ['read.email'] }) })).json() as { redirect_uri: string }
  const trackId = new URL(link.redirect_uri).searchParams.get('track_id')!
  const { redirect_uri: back } = await sandbox.approve(trackId, { user: AIGERIM })
  return { trackId, code: new URL(back).searchParams.get('authorization_code')! }
}

const exchange = (sandbox: Sandbox, code: string, signal?: AbortSignal) =>
  fetch(`${sandbox.url}/api/v1/oauth/token`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ authorization_code: code }), signal })

const dropped = (sandbox: Sandbox, code: string) => new Promise<string>((resolve) => {
  const req = httpRequest(`${sandbox.url}/api/v1/oauth/token`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' } })
  req.on('response', () => resolve('answered'))
  req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  req.end(JSON.stringify({ authorization_code: code }))
})

async function findings (sandbox: Sandbox, rule: string) {
  const { clients } = await sandbox.report()
  return clients.flatMap((c) => c.findings.filter((f) => f.rule === rule).map((f) => [c.client_id, f.seen.summary, f.seen.entries.map((e) => e.id)]))
}

t.test('fault-no-retry: a 503 and a dropped connection, never retried', async (t) => {
  const sandbox = await sandboxFor(t)
  const { code } = await codeOf(sandbox)
  await sandbox.addFault({ route: 'POST /api/v1/oauth/token', status: 503 })
  t.equal((await exchange(sandbox, code)).status, 503)
  t.same(await findings(sandbox, 'fault-no-retry'), [[DEMO.id, `POST /api/v1/oauth/token (entry 2, ${T0}) answered 503 with an injected 503, and the call was never made again`, [2]]])
  t.equal((await exchange(sandbox, code)).status, 200, 'a 5xx spent nothing: the retry works')
  t.same(await findings(sandbox, 'fault-no-retry'), [], 'retried')

  const second = await codeOf(sandbox)
  await sandbox.addFault({ route: 'POST /api/v1/oauth/token', drop: true })
  t.equal(await dropped(sandbox, second.code), 'ECONNRESET')
  t.same(await findings(sandbox, 'fault-no-retry'), [[DEMO.id, `POST /api/v1/oauth/token (entry 5, ${T0}) answered 0 with a dropped connection, and the call was never made again`, [5]]])
})

t.test('fault-no-retry: a client that retried and then gave up after three failures has no finding', async (t) => {
  const sandbox = await sandboxFor(t)
  const { code } = await codeOf(sandbox)
  await sandbox.addFault({ route: 'POST /api/v1/oauth/token', status: 502, times: 3 })
  for (let i = 0; i < 3; i++) {
    t.equal((await exchange(sandbox, code)).status, 502)
    await sleep(400)
  }
  t.same(await findings(sandbox, 'fault-no-retry'), [])
  t.same(await findings(sandbox, 'fault-retry-storm'), [], 'two retries, 400 ms apart, are no storm')
})

t.test('fault-retry-storm: three retries within a second of a 503', async (t) => {
  const sandbox = await sandboxFor(t)
  const { code } = await codeOf(sandbox)
  await sandbox.addFault({ route: 'POST /api/v1/oauth/token', status: 503, times: 3 })
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await exchange(sandbox, code)).status)
  t.same(statuses, [503, 503, 503, 200])
  t.same(await findings(sandbox, 'fault-retry-storm'), [[DEMO.id, `POST /api/v1/oauth/token (entry 2, ${T0}) answered 503 with an injected 503; 3 retries followed within 1000 ms (real time)`, [2, 3, 4, 5]]])
})

const refresh = (sandbox: Sandbox, token: string, signal?: AbortSignal) =>
  fetch(`${sandbox.url}/api/v1/oauth/token`, { method: 'PATCH', headers: { authorization: `Bearer ${token}` }, signal })

t.test('fault-blind-repeat: a refresh timed out by the merchant, sent again once the sandbox had rotated the token', async (t) => {
  const sandbox = await sandboxFor(t)
  const { code } = await codeOf(sandbox)
  const pair = await (await exchange(sandbox, code)).json() as { refresh_token: string }
  await sandbox.addFault({ route: 'PATCH /api/v1/oauth/token', delay_ms: 300 })
  await t.rejects(refresh(sandbox, pair.refresh_token, AbortSignal.timeout(100)), { name: 'TimeoutError' })
  await sleep(500)
  t.equal((await refresh(sandbox, pair.refresh_token)).status, 401, 'the first call rotated the token after its delay')
  t.same(await findings(sandbox, 'fault-blind-repeat'), [[DEMO.id, `PATCH /api/v1/oauth/token (entry 3, ${T0}) answered 0 with a 300 ms delay; it was made again and PATCH /api/v1/oauth/token (entry 4, ${T0}) answered 401: the credential had been spent`, [3, 4]]])
  t.same(await findings(sandbox, 'refresh-token-rotated'), [[DEMO.id, `PATCH /api/v1/oauth/token (entry 4, ${T0}) answered 401: the refresh token had already been rotated`, [4]]])
  const aborted = (await sandbox.requests({ method: 'PATCH' })).find((e) => e.status === 0)
  t.same(aborted?.facts, { client_id: DEMO.id, aborted: true }, 'the journal says the client gave up')
})

t.test('fault-blind-repeat: a retry that got there before the delayed call is fine', async (t) => {
  const sandbox = await sandboxFor(t)
  const { code } = await codeOf(sandbox)
  await sandbox.addFault({ route: 'POST /api/v1/oauth/token', delay_ms: 300 })
  await t.rejects(exchange(sandbox, code, AbortSignal.timeout(50)), { name: 'TimeoutError' })
  t.equal((await exchange(sandbox, code)).status, 200)
  await sleep(400)
  t.same(await findings(sandbox, 'fault-blind-repeat'), [])
  t.same(await findings(sandbox, 'fault-no-retry'), [], 'a delay is no failure to retry')
})

t.test('fault-blind-repeat: a retry after a 5xx or a dropped connection spends nothing twice', async (t) => {
  const sandbox = await sandboxFor(t)
  const { code } = await codeOf(sandbox)
  await sandbox.addFault({ route: 'POST /api/v1/oauth/token', drop: true })
  t.equal(await dropped(sandbox, code), 'ECONNRESET')
  t.equal((await exchange(sandbox, code)).status, 200)
  t.same(await findings(sandbox, 'fault-blind-repeat'), [])
  t.same(await findings(sandbox, 'fault-no-retry'), [])
})
