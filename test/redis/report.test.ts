import t from 'tap'
import { startSandbox } from '../../src/index.js'
import { DEMO, DEMO_AUTH, authorizeBody } from '../helpers/app.js'
import { AIGERIM } from '../helpers/flow.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

t.test('on Redis, one replica reports what another saw: a code exchanged on A, presented again on B, the rotated refresh token on A', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const settings = { store: redis.url, storePrefix: uniquePrefix('report'), seed: 'report', clock: '2030-01-01T00:00:00Z', logLevel: 'silent' as const }
  const a = await startSandbox(settings)
  t.teardown(() => a.close())
  const b = await startSandbox(settings)
  t.teardown(() => b.close())
  const post = (url: string, path: string, body: object, authorization = DEMO_AUTH) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) })

  const link = await (await post(a.url, '/api/v1/oauth/authorize', authorizeBody)).json() as { redirect_uri: string }
  const trackId = new URL(link.redirect_uri).searchParams.get('track_id')!
  const code = new URL((await b.approve(trackId, { user: AIGERIM })).redirect_uri).searchParams.get('authorization_code')!
  const pair = await (await post(a.url, '/api/v1/oauth/token', { authorization_code: code })).json() as { refresh_token: string }
  t.equal((await post(b.url, '/api/v1/oauth/token', { authorization_code: code })).status, 400)
  const patch = (url: string) => fetch(`${url}/api/v1/oauth/token`, { method: 'PATCH', headers: { authorization: `Bearer ${pair.refresh_token}` } })
  t.equal((await patch(b.url)).status, 200)
  t.equal((await patch(a.url)).status, 401)

  // An entry is written once its answer has gone out: wait for the last one.
  while ((await a.requests()).length < 5) await new Promise((resolve) => setTimeout(resolve, 20))
  for (const [name, replica] of [['A', a], ['B', b]] as const) {
    const report = await replica.report()
    t.same(report.clients.map((c) => [c.client_id, c.findings.map((f) => [f.rule, f.seen.entries.map((e) => e.id), f.seen.track_ids])]), [
      [DEMO.id, [['code-reused', [3], [trackId]], ['refresh-token-rotated', [5], [trackId]], ['grants-unused', [1], [trackId]]]]
    ], `replica ${name}`)
  }
})
