import t from 'tap'
import { ConfigError, GRANTS, startSandbox } from '../src/index.js'
import { CLOCK_START_S, DEMO_AUTH, authorizeBody } from './helpers/app.js'

t.test('startSandbox: a free port by default, the same options as the CLI', async (t) => {
  const sandbox = await startSandbox({ clock: new Date('2030-01-01T00:00:00Z'), trackTtl: 30, seed: 'lib' })
  t.teardown(() => sandbox.close())
  t.not(sandbox.port, 8080)
  t.equal(sandbox.config.logLevel, 'warn')
  const res = await fetch(`${sandbox.url}/api/v1/oauth/authorize`, {
    method: 'POST',
    headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(authorizeBody)
  })
  t.equal(res.status, 200)
  const link = new URL((await res.json() as { redirect_uri: string }).redirect_uri)
  t.equal(link.origin, `http://localhost:${sandbox.port}`)
  t.equal(link.searchParams.get('expire_at'), String(CLOCK_START_S + 30))
  t.equal(GRANTS.length, 15)
})

t.test('startSandbox rejects bad options with every problem named, by its option name', async (t) => {
  const error = await startSandbox({ port: -1, trackTtl: 0 }).catch((e: unknown) => e)
  t.ok(error instanceof ConfigError)
  t.same((error as ConfigError).problems, [
    'port: expected an integer from 0 to 65535, got -1',
    'trackTtl: expected a whole number of seconds, at least 1, got 0'
  ])
  t.equal((error as Error).message, 'invalid options, nothing was started:\n' +
    '  port: expected an integer from 0 to 65535, got -1\n' +
    '  trackTtl: expected a whole number of seconds, at least 1, got 0')
  t.notMatch((error as Error).message, /PORT|--/, 'no variable or flag names')
})

t.test('close stops it', async (t) => {
  const sandbox = await startSandbox()
  await sandbox.close()
  await t.rejects(fetch(`${sandbox.url}/health`))
})
