import t from 'tap'
import { startSandbox } from '../../src/index.js'
import { testApp } from '../helpers/app.js'

t.test('health answers at once; ready only once listening', async (t) => {
  const { app } = await testApp(t)
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503)
  t.same(ready.json(), { error: { message: 'Not ready: the server is not listening yet.', code: 100503 } })
})

t.test('a listening sandbox is ready and says what it loaded', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const res = await fetch(`${sandbox.url}/ready`)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
  t.same(await res.json(), { status: 'ready', clients: 3, users: 6 })
})
