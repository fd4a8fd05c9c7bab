import t from 'tap'
import { safeUrl } from '../../src/plugins/logging.js'
import { AUTHORIZE, DEMO, DEMO_AUTH, authorizeBody, basic, testApp } from '../helpers/app.js'

t.test('credentials in query strings are masked', async (t) => {
  t.equal(safeUrl('/cb?authorization_code=abc&x=1&code=d&access_token=e&refresh_token=f&client_secret=g&password=h&token=i'),
    '/cb?authorization_code=[redacted]&x=1&code=[redacted]&access_token=[redacted]&refresh_token=[redacted]&client_secret=[redacted]&password=[redacted]&token=[redacted]')
  t.equal(safeUrl('/login?track_id=1&expire_at=2'), '/login?track_id=1&expire_at=2')
})

t.test('one line per request; no credential in any line at any level', async (t) => {
  const { app, logs } = await testApp(t, { logLevel: 'trace', sandboxToken: 'control-token-123' })
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: basic(DEMO.id, 'wrong-secret-xyz') }, payload: authorizeBody })
  await app.inject({ method: 'GET', url: '/__sandbox/clock', headers: { authorization: 'Bearer control-token-123' } })
  await app.inject({ method: 'GET', url: '/nope?password=pw-456' })

  const requests = logs.filter((l) => l.msg === 'request')
  t.equal(requests.length, 4)
  t.match(requests[0], { level: 30, method: 'POST', url: AUTHORIZE, status: 200, client_id: DEMO.id, ms: Number })
  t.match(requests[1], { status: 401 })
  t.equal(requests[1]!.client_id, undefined)
  t.match(requests[3], { url: '/nope?password=[redacted]', status: 404 })

  const all = logs.map((l) => JSON.stringify(l)).join('\n')
  for (const secret of [DEMO.secret, DEMO_AUTH, 'wrong-secret-xyz', 'control-token-123', 'pw-456', 'Sandbox123!',
    Buffer.from(`${DEMO.id}:wrong-secret-xyz`).toString('base64')]) {
    t.notOk(all.includes(secret), `no ${secret.slice(0, 12)}... in the logs`)
  }
})
