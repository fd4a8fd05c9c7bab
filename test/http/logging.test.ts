import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Fixtures } from '../../src/domain/fixtures.js'
import { colourWanted, failureOf, prettyDestination, prettyWanted, safeUrl } from '../../src/http/logging.js'
import { AUTHORIZE, CLOCK, DEMO, DEMO_AUTH, authorizeBody, basic, bundledFixtures, testApp } from '../helpers/app.js'
import { authorize, consent, signIn } from '../helpers/flow.js'

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

/** The escape character that starts a terminal's colour codes. */
const ESC = '\u001b'

const requestLines = (logs: Array<Record<string, unknown>>) => logs.filter((l) => l.msg === 'request')

t.test('a failed request\'s line says why, in words; a good one names its client', async (t) => {
  const { app, logs } = await testApp(t)
  const { trackId } = await authorize(app)
  await app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: basic(DEMO.id, 'wrong-secret-xyz') }, payload: { authorization_code: 'x' } })
  await app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH }, payload: {} })
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: { redirect_uri: 'nope', grants: ['a', 'b', 'c', 'd'] } })
  await app.inject({ method: 'GET', url: '/login?track_id=nope' })
  await signIn(app, { track_id: trackId, login: '+77015550101', password: 'not-the-password-9' })
  await signIn(app, { track_id: trackId, login: '+77015550101' })
  await consent(app, trackId, 'allow')
  await app.inject({ method: 'POST', url: '/__sandbox/tracks/nope/approve', payload: { user: 'x' } })
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /api/v1/oauth/user', status: 503 } })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })
  await app.inject({ method: 'GET', url: '/nope' })

  t.same(requestLines(logs).map(({ method, url, status, client_id: clientId, client, reason }) => ({ method, url, status, clientId, client, reason })), [
    { method: 'POST', url: AUTHORIZE, status: 200, clientId: DEMO.id, client: 'Demo Shop', reason: undefined },
    { method: 'POST', url: '/api/v1/oauth/token', status: 401, clientId: undefined, client: undefined, reason: 'Unauthenticated.' },
    { method: 'POST', url: '/api/v1/oauth/token', status: 422, clientId: DEMO.id, client: 'Demo Shop', reason: 'The Authorization code field is required.' },
    { method: 'POST', url: AUTHORIZE, status: 422, clientId: DEMO.id, client: 'Demo Shop', reason: 'The Redirect uri field must be a valid URL. The selected grants.0 is invalid. The selected grants.1 is invalid. (and 2 more)' },
    { method: 'GET', url: '/login?track_id=nope', status: 404, clientId: undefined, client: undefined, reason: 'This login link is not valid. Go back to the shop and start again.' },
    { method: 'POST', url: '/login/sign-in', status: 401, clientId: undefined, client: undefined, reason: 'Wrong phone number, e-mail or password.' },
    { method: 'POST', url: '/login/sign-in', status: 422, clientId: undefined, client: undefined, reason: 'Enter your phone number or e-mail and your password.' },
    { method: 'POST', url: '/login/consent', status: 409, clientId: undefined, client: undefined, reason: 'Sign in before you allow or deny access.' },
    { method: 'POST', url: '/__sandbox/tracks/nope/approve', status: 404, clientId: undefined, client: undefined, reason: 'No track nope (unknown, or expired more than an hour ago).' },
    { method: 'POST', url: '/__sandbox/faults', status: 201, clientId: undefined, client: undefined, reason: undefined },
    { method: 'GET', url: '/api/v1/oauth/user', status: 503, clientId: undefined, client: undefined, reason: 'a fault queued with POST /__sandbox/faults' },
    { method: 'GET', url: '/nope', status: 404, clientId: undefined, client: undefined, reason: 'The route GET /nope could not be found.' }
  ])
  t.notOk(JSON.stringify(logs).includes('not-the-password-9'), 'the typed password is in no line')
})

t.test('ERROR_STATUS=200: the line still says why', async (t) => {
  const { app, logs } = await testApp(t, { errorStatus: '200' })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })
  t.match(requestLines(logs), [{ status: 200, reason: 'Unauthenticated.' }])
})

t.test('a reason is one short phrase, whatever the body held', async (t) => {
  t.equal(failureOf({ error: { message: 'Not found.', code: 100404 } }), 'Not found.')
  t.equal(failureOf({ error: { message: 'x'.repeat(500), code: 100400 } }), `${'x'.repeat(197)}...`)
  t.equal(failureOf({ error: { message: 'Error validating transmitted data.', errors: { a: ['A is bad.'], b: ['B is bad.', 'B again.'] } } }), 'A is bad. B is bad. B again.')
  t.equal(failureOf({ error: { message: 'Error validating transmitted data.', errors: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`grants.${i}`, [`The selected grants.${i} is invalid.`]])) } }),
    'The selected grants.0 is invalid. The selected grants.1 is invalid. The selected grants.2 is invalid. (and 497 more)')
  t.equal(failureOf({ error: { message: 'Error validating transmitted data. (and 5 more errors)', errors: { a: ['A is bad.'] } } }), 'A is bad. (and 5 more)', 'the fields a 422 left out, counted')
  t.equal(failureOf({ error: { errors: { a: ['A is bad.'] } } }), 'A is bad.', 'field errors without a message')
  for (const body of [undefined, null, 'text', { error: 'access_denied' }, { error: { code: 1 } }, {}]) t.equal(failureOf(body), undefined, JSON.stringify(body))
})

/** Lines an app writes through pino-pretty, as a terminal would get them. */
async function prettyApp (t: Test, colorize: boolean, fixtures?: Fixtures) {
  const lines: string[] = []
  const logStream = await prettyDestination((text) => { lines.push(...text.split('\n').filter((line) => line !== '')) }, colorize)
  const app = await buildApp({ config: loadConfig({ seed: 'test', clock: CLOCK, logLevel: 'info' }), fixtures: fixtures ?? await bundledFixtures(), logStream })
  t.teardown(() => app.close())
  return { app, lines }
}

t.test('pretty: one short line per request (method, path, status, time, client, reason)', async (t) => {
  const { app, lines } = await prettyApp(t, false)
  await authorize(app)
  await app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH }, payload: {} })
  await app.inject({ method: 'GET', url: '/nope?password=pw-1' })
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /api/v1/oauth/user', status: 500 } })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })
  await app.inject({ method: 'GET', url: '/login' })
  app.log.warn({ detail: 'kept' }, 'a warning')
  app.log.info({ no: 'message' })
  const time = String.raw`\[\d\d:\d\d:\d\d\]`
  const ms = String.raw`\d+(\.\d)? ms`
  t.match(lines[0], new RegExp(`^${time} INFO: POST /api/v1/oauth/authorize 200 \\(${ms}, Demo Shop\\)$`))
  t.match(lines[1], new RegExp(`^${time} INFO: POST /api/v1/oauth/token 422 \\(${ms}, Demo Shop\\): The Authorization code field is required\\.$`))
  t.match(lines[2], new RegExp(`^${time} INFO: GET /nope\\?password=\\[redacted\\] 404 \\(${ms}\\): The route GET /nope could not be found\\.$`))
  t.match(lines[3], new RegExp(`^${time} INFO: POST /__sandbox/faults 201 \\(${ms}\\)$`))
  t.match(lines[4], new RegExp(`^${time} INFO: GET /api/v1/oauth/user 500 \\(${ms}\\): a fault queued with POST /__sandbox/faults$`))
  t.match(lines[5], new RegExp(`^${time} INFO: GET /login 404 \\(${ms}\\): This login link is not valid\\.`))
  t.match(lines[6], new RegExp(`^${time} WARN: a warning$`))
  t.equal(lines[7], '    detail: "kept"', 'other lines keep their fields')
  t.match(lines[8], new RegExp(`^${time} INFO: $`))
  t.equal(lines.length, 10)
  t.notOk(lines.join('\n').includes('pw-1'))
  t.notOk(lines.join('\n').includes(ESC), 'no colour unless asked')
})

t.test('pretty: 10 ms or more in whole milliseconds', async (t) => {
  const { app, lines } = await prettyApp(t, false)
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /api/v1/oauth/user', delay_ms: 25 } })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })
  t.match(lines[1], /^\[\d\d:\d\d:\d\d\] INFO: GET \/api\/v1\/oauth\/user 401 \(\d{2,} ms\): /)
})

t.test('pretty: the status in colour by class; nothing a terminal would obey', async (t) => {
  const fixtures = await bundledFixtures()
  const odd = { ...fixtures, clients: fixtures.clients.map((c) => c.client_id === DEMO.id ? { ...c, name: 'Demo\x1b[2J\x07 Shop' } : c) }
  const { app, lines } = await prettyApp(t, true, odd)
  await authorize(app)
  await app.inject({ method: 'GET', url: '/login?track_id=nope' })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/authorize' })
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /api/v1/oauth/user', status: 302, body: {} } })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })
  await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: { route: 'GET /api/v1/oauth/user', status: 500 } })
  await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })
  const status = (line: string | undefined) => new RegExp(`${ESC}\\[(\\d+)m(\\d{3})${ESC}\\[`).exec(line ?? '')?.slice(1)
  t.same(status(lines[0]), ['32', '200'], '2xx green')
  t.same(status(lines[1]), ['33', '404'], '4xx yellow')
  t.same(status(lines[2]), ['33', '405'])
  t.same(status(lines[4]), ['36', '302'], '3xx cyan')
  t.same(status(lines[6]), ['31', '500'], '5xx red')
  t.match(lines[0], 'Demo?[2J? Shop', 'control characters from a fixture are shown as ?')
})

t.test('the library and the CLI choose the format: pretty on a terminal, JSON otherwise', async (t) => {
  t.equal(prettyWanted('auto', true), true)
  t.equal(prettyWanted('auto', false), false)
  t.equal(prettyWanted('pretty', false), true)
  t.equal(prettyWanted('json', true), false)
  t.equal(colourWanted(true, {}), true)
  t.equal(colourWanted(true, { NO_COLOR: '' }), true, 'an empty NO_COLOR is unset')
  t.equal(colourWanted(true, { NO_COLOR: '1' }), false)
  t.equal(colourWanted(false, {}), false)
})
