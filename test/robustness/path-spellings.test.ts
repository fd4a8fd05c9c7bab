import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { normalizeUrl } from '../../src/http/normalize-url.js'
import { testApp } from '../helpers/app.js'
import { rawClient } from '../helpers/raw-socket.js'

/*
 * One spelling of a request target for routing, faults, the journal and the control token
 * (normalize-url.ts): the spellings of a path that routing takes as the same route are the same
 * route for all of them. Over a real socket: absolute-form targets never get past an inject.
 */

async function listening (t: Parameters<typeof testApp>[0], settings: Parameters<typeof testApp>[1] = {}) {
  const { app, logs } = await testApp(t, settings)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, logs, port: (app.server.address() as { port: number }).port }
}

async function get (port: number, target: string, headers = ''): Promise<{ status: number, body: string }> {
  const client = await rawClient(port)
  client.socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`)
  await client.closed
  const [head = '', body = ''] = client.received().split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), body }
}

const CONTROL_SPELLINGS = ['/__sandbox/clock', '/%5f%5fsandbox/clock', '/%5F_sandbox/%63lock', 'http://127.0.0.1/__sandbox/clock', 'HTTP://elsewhere.example:1/%5f%5fsandbox/clock?x=1']
const journal = async (app: FastifyInstance) => (await app.inject({ url: '/__sandbox/requests' })).json() as Array<{ path: string, status: number, fault?: unknown }>

t.test('every spelling of a control route is the control route: no fault fires there, nothing is journaled', async (t) => {
  const { app, port } = await listening(t)
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /__sandbox/clock', status: 503, times: 10 } })
  for (const target of CONTROL_SPELLINGS) {
    const res = await get(port, target)
    t.equal(res.status, 200, target)
    t.same(JSON.parse(res.body), { now: '2030-01-01T00:00:00.000Z', frozen: true }, target)
  }
  t.same(await journal(app), [])
  t.equal((await app.inject({ url: '/__sandbox/faults' })).json()[0].remaining, 10, 'the fault is still queued, untouched')
})

t.test('SANDBOX_TOKEN guards every spelling', async (t) => {
  const { port } = await listening(t, { sandboxToken: 'qa-token' })
  for (const target of CONTROL_SPELLINGS) {
    t.equal((await get(port, target)).status, 401, target)
    t.equal((await get(port, target, 'Authorization: Bearer qa-token\r\n')).status, 200, target)
  }
})

t.test('every spelling of a provider route is that route for faults and the journal', async (t) => {
  const { app, port } = await listening(t)
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /login', status: 503, times: 3 } })
  for (const target of ['/%6cogin?track_id=nope', 'http://127.0.0.1/login?track_id=nope', '/log%69n?track_id=nope']) t.equal((await get(port, target)).status, 503, target)
  t.equal((await get(port, '/login?track_id=nope')).status, 404, 'three hits, then the real answer')
  const entries = await journal(app)
  t.same(entries.map((e) => [e.path, e.status, e.fault !== undefined]), [['/login', 404, false], ['/login', 503, true], ['/login', 503, true], ['/login', 503, true]])
})

t.test('normalizeUrl: absolute form to its path, unreserved escapes decoded, the rest as sent', async (t) => {
  const cases: Array<[string, string]> = [
    ['/a%5F%5fb', '/a__b'],
    ['/%41%5a%61%7a%30%39%2d%2e%7e', '/AZaz09-.~'],
    ['/x%2Fy%20z%3F%25', '/x%2Fy%20z%3F%25'],
    ['/p%61th?q=%61ccess', '/path?q=%61ccess'],
    ['http://h.example/x', '/x'],
    ['https://h.example:8443', '/'],
    ['http://h.example?x=1', '/?x=1'],
    ['*', '*'],
    ['/', '/'],
    ['%', '/%']
  ]
  for (const [url, expected] of cases) t.equal(normalizeUrl(url), expected, url)
})
