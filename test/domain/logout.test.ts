import t, { type Test } from 'tap'
import { createLogout } from '../../src/domain/logout.js'
import { ProviderError } from '../../src/errors.js'
import { CLOCK_START_S, basic, bundledFixtures, testApp } from '../helpers/app.js'
import { AIGERIM, DANIYAR, approve, exchange, userData } from '../helpers/flow.js'
import { startReceiver } from '../helpers/receiver.js'

/** A user's Freedom ID session ending, as a domain function: what ends, and who is told. */

const SELF = { client_id: '2c7e8a41-5d3b-4f6e-9a1c-7b2d4e6f8a10', client_secret: 'self-secret', name: 'Revoked at a path', revoke_uri: '/freedom-id/revoke' }
const AWAY = { client_id: '4e9a0c63-7f5d-4b8a-9c3e-9d4f6a8b0c32', client_secret: 'away-secret', name: 'Revoked at an absolute URL' }
const QUIET = { client_id: '3d8f9b52-6e4c-4a7f-8b2d-8c3e5f7a9b21', client_secret: 'quiet-secret', name: 'No revoke_uri' }

async function setup (t: Test) {
  const receiver = await startReceiver(() => 204)
  t.teardown(receiver.close)
  const { users } = await bundledFixtures()
  const { app } = await testApp(t, { logLevel: 'silent' }, { clients: [SELF, { ...AWAY, revoke_uri: `${receiver.url}/away/revoke` }, QUIET], users })
  // This process's own address, as the path revoke_uri resolves against: the receiver stands in for it.
  const logout = createLogout({ ...app.sandbox, selfUrl: () => receiver.url })
  const pairOf = async (client: typeof QUIET, persona = AIGERIM) => {
    const authorization = basic(client.client_id, client.client_secret)
    return (await exchange(app, (await approve(app, { authorization, persona })).code, authorization)).json()
  }
  return { app, receiver, logout, pairOf }
}

t.test('an unknown user: a 404 naming the reference, and nothing ends', async (t) => {
  const { app, logout, pairOf } = await setup(t)
  const pair = await pairOf(QUIET)
  const error = await logout('+77000000000').then(() => undefined, (reason: unknown) => reason)
  t.ok(error instanceof ProviderError)
  t.match(error, { status: 404, code: 100404, message: 'No user +77000000000.' })
  t.equal((await userData(app, pair.access_token)).statusCode, 200)
  t.same(await app.sandbox.deliveries.list(), [])
})

t.test('every pair of the user ends; each client with a revoke_uri is told, a path one at this sandbox; the browser sign-ins end', async (t) => {
  const { app, receiver, logout, pairOf } = await setup(t)
  const self = await pairOf(SELF)
  const away = await pairOf(AWAY)
  const quiet = await pairOf(QUIET)
  const other = await pairOf(SELF, DANIYAR)
  const signedIn = await app.sandbox.signInSessions.start(AIGERIM, CLOCK_START_S)
  const otherSignedIn = await app.sandbox.signInSessions.start(DANIYAR, CLOCK_START_S)

  const ended = await logout('+77015550101')
  t.same(ended, {
    user_id: AIGERIM,
    tokens_ended: 3,
    deliveries: [
      { id: 1, target: `${receiver.url}/freedom-id/revoke`, body: { id: self.id }, client_id: SELF.client_id, user_id: AIGERIM, outcome: 'pending', attempts: [] },
      { id: 2, target: `${receiver.url}/away/revoke`, body: { id: away.id }, client_id: AWAY.client_id, user_id: AIGERIM, outcome: 'pending', attempts: [] }
    ]
  })
  await app.sandbox.deliveries.settled()
  t.same(receiver.received.map((r) => [r.path, r.body]).sort(), [['/away/revoke', { id: away.id }], ['/freedom-id/revoke', { id: self.id }]])
  for (const pair of [self, away, quiet]) t.equal((await userData(app, pair.access_token)).statusCode, 401)
  t.equal((await userData(app, other.access_token)).statusCode, 200, 'another user\'s pair lives on')
  t.equal(await app.sandbox.signInSessions.find(signedIn), undefined)
  t.match(await app.sandbox.signInSessions.find(otherSignedIn), { user_id: DANIYAR }, 'another user\'s sign-in lives on')
  t.same(await logout(AIGERIM), { user_id: AIGERIM, tokens_ended: 0, deliveries: [] }, 'nothing left to end')
})
