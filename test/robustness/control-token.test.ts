import t from 'tap'
import { startSandbox } from '../../src/index.js'
import { testApp } from '../helpers/app.js'

const TOKEN = 'control-4e1f9a7b2c3d5e6f8091a2b3c4d5e6f7'
const REFUSAL = {
  status: 401,
  body: '{"error":{"message":"Unauthenticated: the control API needs \\"Authorization: Bearer <SANDBOX_TOKEN>\\".","code":100401}}',
  challenge: 'Bearer realm="freedom-id-sandbox control API"'
}

/** Wrong tokens of every shape a timing or length leak would treat differently. */
const WRONG: Array<[string, string | undefined]> = [
  ['no header', undefined],
  ['an empty bearer', 'Bearer '],
  ['one character', 'Bearer x'],
  ['all but the last character', `Bearer ${TOKEN.slice(0, -1)}`],
  ['same length, last character differs', `Bearer ${TOKEN.slice(0, -1)}0`],
  ['same length, first character differs', `Bearer X${TOKEN.slice(1)}`],
  ['the token plus one character', `Bearer ${TOKEN}x`],
  ['the token twice', `Bearer ${TOKEN}${TOKEN}`],
  ['the token in upper case', `Bearer ${TOKEN.toUpperCase()}`],
  ['8,000 characters', `Bearer ${'a'.repeat(8_000)}`],
  ['same characters count, more bytes', `Bearer ${TOKEN.slice(0, -1)}\u00e9`],
  ['the token with a word after it', `Bearer ${TOKEN} extra`],
  ['the token under Basic', `Basic ${TOKEN}`],
  ['the token with no scheme', TOKEN]
]

const CONTROL_ROUTES: Array<[string, string, object?]> = [
  ['GET', '/__sandbox/clock'],
  ['POST', '/__sandbox/clock', { advance: 60 }],
  ['POST', '/__sandbox/reset'],
  ['GET', '/__sandbox/requests'],
  ['DELETE', '/__sandbox/requests'],
  ['POST', '/__sandbox/faults', { route: 'GET /health', status: 500 }],
  ['DELETE', '/__sandbox/faults'],
  ['GET', '/__sandbox/tracks/3f0c8a9e-5b1d-4c7a-9e2f-6d4b8a1c0e57'],
  ['POST', '/__sandbox/tracks/3f0c8a9e-5b1d-4c7a-9e2f-6d4b8a1c0e57/approve', { user: '+77015550101' }],
  ['POST', '/__sandbox/users/+77015550101/logout'],
  ['GET', '/__sandbox/deliveries']
]

// A length-dependent comparison (timingSafeEqual on the raw tokens) would throw on a length mismatch and
// answer 500; comparing SHA-256 digests refuses every length the same way. A timing measurement is left out
// on purpose: the nanoseconds a naive comparison leaks are far below the noise of an HTTP round trip, so
// such a test could not fail.
t.test('every wrong SANDBOX_TOKEN, of any length, is refused the same way on every control route', async (t) => {
  const { app } = await testApp(t, { sandboxToken: TOKEN })
  for (const [method, url, payload] of CONTROL_ROUTES) {
    for (const [name, authorization] of WRONG) {
      const res = await app.inject({ method: method as 'GET', url, headers: authorization === undefined ? {} : { authorization }, ...(payload === undefined ? {} : { payload }) })
      t.same({ status: res.statusCode, body: res.body, challenge: res.headers['www-authenticate'] }, REFUSAL, `${method} ${url}: ${name}`)
    }
  }
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/clock', headers: { authorization: `Bearer ${TOKEN}` } })).json(),
    { now: '2030-01-01T00:00:00.000Z', frozen: true }, 'no refused call moved the clock')
  t.equal((await app.inject({ method: 'GET', url: '/__sandbox/faults', headers: { authorization: `bearer  ${TOKEN}  ` } })).body, '[]',
    'no refused call queued a fault; the right token is taken in any scheme case and spacing')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'provider endpoints never ask for it')
})

t.test('the library handle sends the token it was started with', async (t) => {
  const sandbox = await startSandbox({ sandboxToken: TOKEN, logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  t.equal((await sandbox.clock()).frozen, false)
  const res = await fetch(`${sandbox.url}/__sandbox/clock`, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } })
  t.equal(res.status, 401, 'a real HTTP client with a wrong token is refused')
})
