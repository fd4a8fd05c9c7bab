import t from 'tap'
import { runCli } from '../../src/cli.js'
import { startSandbox } from '../../src/index.js'
import { DEMO_AUTH, authorizeBody } from '../helpers/app.js'
import { AIGERIM } from '../helpers/flow.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/** `startSandbox` and the CLI in this process, on a real Redis: the library handle works on a shared store too. */

t.test('two in-process sandboxes on one Redis: one drives, the other serves, a seeded sequence shared between them', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const settings = { store: redis.url, storePrefix: uniquePrefix('library'), seed: 'lib', clock: '2030-01-01T00:00:00Z' }
  const a = await startSandbox(settings)
  t.teardown(() => a.close())
  const b = await startSandbox(settings)
  t.teardown(() => b.close())

  const authorize = async (url: string) => new URL((await (await fetch(`${url}/api/v1/oauth/authorize`, {
    method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(authorizeBody)
  })).json() as { redirect_uri: string }).redirect_uri).searchParams.get('track_id')!
  const first = await authorize(a.url)
  const second = await authorize(b.url)
  t.not(first, second, 'one id sequence for both: no track id handed out twice')
  await a.reset()
  t.equal(await authorize(b.url), first, 'after a reset the sequence starts again, on every replica')

  const approved = await b.approve(first, { user: AIGERIM })
  const code = new URL(approved.redirect_uri).searchParams.get('authorization_code')!
  const exchanged = await fetch(`${a.url}/api/v1/oauth/token`, {
    method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ authorization_code: code })
  })
  t.equal(exchanged.status, 200)
  t.match(await a.track(first), { state: 'exchanged', user_id: AIGERIM, expired: false })
  t.same(await b.advanceClock('10m'), { now: '2030-01-01T00:10:00.000Z', frozen: true })
  t.match(await a.track(first), { expired: true }, 'the clock b moved is the one a reads')
})

t.test('the CLI names the Redis store it uses, never its password', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const out: string[] = []
  const prefix = uniquePrefix('cli')
  const url = redis.url.replace('redis://', 'redis://:hunter2@')
  const result = await runCli(['--port', '0', '--store', url, '--store-prefix', prefix], { LOG_LEVEL: 'silent' }, { out: (line) => out.push(line), err: (line) => out.push(line) })
  t.teardown(() => result.close?.())
  t.equal(result.code, 0)
  t.equal(out.at(-1), `  store: ${redis.url}, keys under {${prefix}}: (shared with every replica using them)`)
  t.notMatch(out.join('\n'), /hunter2/)
})
