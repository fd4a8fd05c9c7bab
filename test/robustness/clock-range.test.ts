import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { DEMO_AUTH, authorizeBody, testApp } from '../helpers/app.js'
import { approve, exchange, refresh, userData } from '../helpers/flow.js'
import { codeGrant, oidcApprove, oidcToken, verifyIdToken } from '../helpers/oidc.js'

/*
 * The sandbox clock goes only where every route can follow: a clock moved past what a route can
 * write (a JWT's exp, the provider's Y-m-d formats, a JavaScript Date) is refused with a 422 that
 * says the range, and nothing is left answering 500.
 */

const LATEST = '9998-12-01T00:00:00Z'
const outside = (field: 'Set' | 'Advance') => ({
  error: {
    message: 'Error validating transmitted data.',
    errors: { [field.toLowerCase()]: [`The ${field} field ${field === 'Set' ? 'is' : 'moves the clock'} beyond the dates a clock can show: from 1970-01-01T00:00:00Z to ${LATEST}.`] }
  }
})

const clock = (app: FastifyInstance, payload: object) => app.inject({ method: 'POST', url: '/__sandbox/clock', payload })

/** Every kind of route that writes the time: a link, a code, tokens, their refresh, user data, an id_token. */
async function everyRouteWorks (t: Test, app: FastifyInstance, at: string): Promise<void> {
  const now = (await app.inject({ url: '/__sandbox/clock' })).json().now as string
  t.equal(now, at, 'the clock reads back')
  const { code } = await approve(app)
  const tokens = await exchange(app, code)
  t.equal(tokens.statusCode, 200)
  t.match(tokens.json(), { access_expire_at: /^\d{4}-\d\d-\d\dT/, refresh_expire_at: /^\d{4}-\d\d-\d\dT/ })
  t.equal((await userData(app, tokens.json().access_token)).statusCode, 200)
  const refreshed = await refresh(app, tokens.json().refresh_token)
  t.equal(refreshed.statusCode, 200)
  t.match(refreshed.json(), { refresh_expire_at: /^\d{4}-\d\d-\d\dT/ })
  const oidc = await oidcApprove(app)
  const token = await oidcToken(app, { body: codeGrant(oidc.code) })
  t.equal(token.statusCode, 200)
  const { payload } = await verifyIdToken(app, token.json().id_token, { currentDate: new Date(now) })
  t.ok(Number.isSafeInteger(payload.exp) && payload.exp! > payload.iat!, 'exp and iat are whole seconds')
  const journal = await app.inject({ url: '/__sandbox/requests?limit=1' })
  t.equal(journal.statusCode, 200)
  t.equal(journal.json()[0].time.slice(0, 4), at.slice(0, 4), 'the journal still records, at the clock\'s time')
}

t.test('the issue\'s advance on a real-time clock: refused, and every route still answers', async (t) => {
  const { app } = await testApp(t, { clock: undefined, logLevel: 'silent' })
  const before = (await app.inject({ url: '/__sandbox/clock' })).json().now as string
  const res = await clock(app, { advance: 8638203775962 })
  t.equal(res.statusCode, 422)
  t.same(res.json(), outside('Advance'))
  t.ok(Date.parse((await app.inject({ url: '/__sandbox/clock' })).json().now) - Date.parse(before) < 60_000, 'the clock did not move')
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/oauth/authorize', headers: { authorization: DEMO_AUTH }, payload: authorizeBody })).statusCode, 200)
})

t.test('the latest instant works for every route; a millisecond later is refused', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  t.equal((await clock(app, { set: LATEST })).statusCode, 200)
  await everyRouteWorks(t, app, '9998-12-01T00:00:00.000Z')
  t.same((await clock(app, { set: '9998-12-01T00:00:00.001Z' })).json(), outside('Set'))
  t.same((await clock(app, { advance: 1 })).json(), outside('Advance'))
  t.same((await clock(app, { set: '9999-12-31T23:59:59Z' })).json(), outside('Set'))
})

t.test('the earliest instant is 1970-01-01 (unix time 0); before it is refused', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  t.equal((await clock(app, { set: '1970-01-01T00:00:00Z' })).statusCode, 200)
  await everyRouteWorks(t, app, '1970-01-01T00:00:00.000Z')
  t.same((await clock(app, { advance: -1 })).json(), outside('Advance'))
  t.same((await clock(app, { set: '1969-12-31T23:59:59Z' })).json(), outside('Set'))
  t.same((await clock(app, { set: '0000-01-01T00:00:00Z' })).json(), outside('Set'))
})

t.test('a longer token life moves the latest instant back by as much', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent', refreshTtl: 10 * 365 * 86_400 })
  const res = await clock(app, { set: LATEST })
  t.equal(res.statusCode, 422)
  t.match(res.json().error.errors.set[0], /to 9989-01-03T00:00:00Z\.$/)
})
