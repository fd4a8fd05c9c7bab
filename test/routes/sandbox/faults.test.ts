import { request as httpRequest } from 'node:http'
import t from 'tap'
import { faultBody } from '../../../src/plugins/control-hooks.js'
import { startSandbox } from '../../../src/index.js'
import { AUTHORIZE, DEMO_AUTH, authorizeBody, testApp } from '../../helpers/app.js'
import { approve, exchange } from '../../helpers/flow.js'

const addFault = (app: Awaited<ReturnType<typeof testApp>>['app'], payload: object) =>
  app.inject({ method: 'POST', url: '/__sandbox/faults', payload })

t.test('a status fault answers for the next N calls, then the route is itself again', async (t) => {
  const { app } = await testApp(t)
  const added = await addFault(app, { route: 'POST /api/v1/oauth/token', times: 2, status: 503 })
  t.equal(added.statusCode, 201)
  t.same(added.json(), { id: 1, route: 'POST /api/v1/oauth/token', remaining: 2, status: 503 })
  const { code } = await approve(app)
  for (let i = 0; i < 2; i++) {
    const res = await exchange(app, code)
    t.equal(res.statusCode, 503)
    t.same(res.json(), { error: { message: 'Not ready.', code: 100503 } })
  }
  t.equal((await exchange(app, code)).statusCode, 200, 'the faulted calls did not consume the code')
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/faults' })).json(), [])
  const journaled = (await app.inject({ method: 'GET', url: '/__sandbox/requests?path=/api/v1/oauth/token' })).json()
  t.same(journaled.map((e: { status: number, fault?: object }) => [e.status, e.fault]), [[200, undefined], [503, { id: 1, status: 503 }], [503, { id: 1, status: 503 }]])
})

t.test('a custom body, faults in order, the route by pattern', async (t) => {
  const { app } = await testApp(t)
  await addFault(app, { route: 'POST /api/v1/oauth/authorize', status: 429, body: { error: { message: 'Too Many Attempts.', code: 429 } } })
  await addFault(app, { route: 'POST /api/v1/oauth/authorize', status: 500 })
  await addFault(app, { route: 'GET /__sandbox/tracks/:track_id', status: 500 })
  const post = () => app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
  const first = await post()
  t.equal(first.statusCode, 429)
  t.same(first.json(), { error: { message: 'Too Many Attempts.', code: 429 } })
  t.same((await post()).json(), { error: { message: 'Server error.', code: 100500 } })
  t.equal((await post()).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/__sandbox/tracks/x' })).statusCode, 404, 'the control API is never faulted')
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/faults' })).json(), [{ id: 3, route: 'GET /__sandbox/tracks/:track_id', remaining: 1, status: 500 }])
  t.equal((await app.inject({ method: 'DELETE', url: '/__sandbox/faults' })).statusCode, 204)
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/faults' })).json(), [])
})

t.test('default bodies for any status', async (t) => {
  t.same(faultBody(401), { error: { message: 'Unauthenticated.', code: 100401 } })
  t.same(faultBody(429), { error: { message: 'Too Many Requests.', code: 100429 } })
  t.same(faultBody(599), { error: { message: 'Error.', code: 100599 } })
})

t.test('bad faults: the validation envelope', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[object, Record<string, string[]>]> = [
    [{}, { route: ['The Route field is required.'] }],
    [{ route: 'token', status: 503 }, { route: ['The Route field format is invalid.'] }],
    [{ route: 'POST /x' }, { status: ['The status field is required when none of delay ms / drop are present.'] }],
    [{ route: 'POST /x', status: 99, times: 0, delay_ms: 70000 }, {
      times: ['The Times field must be at least 1.'],
      status: ['The Status field must be at least 200.'],
      delay_ms: ['The Delay ms field must not be greater than 60000.']
    }]
  ]
  for (const [payload, errors] of cases) {
    const res = await addFault(app, payload)
    t.equal(res.statusCode, 422, JSON.stringify(payload))
    t.same(res.json(), { error: { message: 'Error validating transmitted data.', errors } })
  }
})

t.test('delay and drop, on a real connection', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const add = (payload: object) => fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
  t.equal((await add({ route: 'GET /health', status: 500 })).status, 201)
  t.equal((await fetch(`${sandbox.url}/health`)).status, 200, 'probes are never faulted')

  await add({ route: 'POST /api/v1/oauth/authorize', delay_ms: 300 })
  const started = performance.now()
  const delayed = await fetch(`${sandbox.url}${AUTHORIZE}`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(authorizeBody) })
  t.equal(delayed.status, 200, 'a delay alone still answers for real')
  t.ok(performance.now() - started >= 290, 'after the delay')

  await add({ route: 'POST /api/v1/oauth/authorize', drop: true })
  const dropped = await new Promise<string>((resolve) => {
    const req = httpRequest(`${sandbox.url}${AUTHORIZE}`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' } })
    req.on('response', () => resolve('answered'))
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    req.end(JSON.stringify(authorizeBody))
  })
  t.equal(dropped, 'ECONNRESET')
  const [entry] = await (await fetch(`${sandbox.url}/__sandbox/requests?limit=1`)).json() as Array<{ status: number, fault: object }>
  t.match(entry, { status: 0, fault: { id: 3, drop: true } })
  t.equal((await fetch(`${sandbox.url}/health`)).status, 200, 'the server goes on')
})

t.test('a drop fails an inject() as a reset fails a real request, on an app of its own and on the library\'s shared one', async (t) => {
  const { app } = await testApp(t)
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  for (const [name, inject] of [['buildApp', app.inject.bind(app)], ['startSandbox', sandbox.inject]] as const) {
    t.equal((await inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'POST /api/v1/oauth/authorize', drop: true } })).statusCode, 201)
    await t.rejects(inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody }),
      { code: 'LIGHT_ECONNRESET' }, `${name}: rejected, not left pending`)
    const [entry] = (await inject({ method: 'GET', url: '/__sandbox/requests?limit=1' })).json() as Array<{ status: number, fault: object }>
    t.match(entry, { status: 0, fault: { id: 1, drop: true } }, name)
    t.equal((await inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })).statusCode, 200, `${name}: the next call answers`)
  }
})

t.test('with the journal off, a queued fault still hits; idle only once nothing is left', async (t) => {
  const { app } = await testApp(t, { journal: 'off' })
  const { faults } = app.sandbox
  t.equal(faults.idle(), true)
  await addFault(app, { route: 'GET /api/v1/oauth/user', times: 2, status: 500 })
  t.equal(faults.idle(), false)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })).statusCode, 500)
  t.equal(faults.idle(), false, 'one hit left')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })).statusCode, 500)
  t.equal(faults.idle(), true)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })).statusCode, 401)
  await addFault(app, { route: 'GET /x', status: 500 })
  await app.inject({ method: 'DELETE', url: '/__sandbox/faults' })
  t.equal(faults.idle(), true, 'cleared')
})
