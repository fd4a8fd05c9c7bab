import t from 'tap'
import { SandboxControlError, startSandbox } from '../src/index.js'
import { DEMO_AUTH, authorizeBody } from './helpers/app.js'
import { AIGERIM } from './helpers/flow.js'

t.test('the library handle drives the control API with typed methods', async (t) => {
  const sandbox = await startSandbox({ seed: 'lib', clock: '2030-01-01T00:00:00Z', sandboxToken: 'tok' })
  t.teardown(() => sandbox.close())
  const authorize = async () => {
    const res = await fetch(`${sandbox.url}/api/v1/oauth/authorize`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(authorizeBody) })
    return new URL((await res.json() as { redirect_uri: string }).redirect_uri).searchParams.get('track_id')!
  }
  const trackId = await authorize()
  t.match(await sandbox.track(trackId), { track_id: trackId, state: 'issued', expired: false })
  const { redirect_uri: redirect } = await sandbox.approve(trackId, { user: AIGERIM, grants: ['read.email'] })
  t.match(redirect, /^https:\/\/shop\.example\/callback\?authorization_code=[A-Za-z0-9]{64}$/)

  t.same((await sandbox.requests({ limit: 5 })).map((e) => e.path), ['/api/v1/oauth/authorize'])
  t.same(await sandbox.requests({ status: 401 }), [])
  await sandbox.clearRequests()
  t.same(await sandbox.requests(), [])

  t.same(await sandbox.addFault({ route: 'GET /api/v1/oauth/user', status: 500 }), { id: 1, route: 'GET /api/v1/oauth/user', remaining: 1, status: 500 })
  t.equal((await sandbox.faults()).length, 1)
  t.equal((await fetch(`${sandbox.url}/api/v1/oauth/user`)).status, 500)
  await sandbox.addFault({ route: 'GET /x', status: 500 })
  await sandbox.clearFaults()
  t.same(await sandbox.faults(), [])

  t.same(await sandbox.clock(), { now: '2030-01-01T00:00:00.000Z', frozen: true })
  t.same(await sandbox.advanceClock('15m'), { now: '2030-01-01T00:15:00.000Z', frozen: true })
  t.match(await sandbox.track(trackId), { expired: true })
  t.same(await sandbox.advanceClock(-60), { now: '2030-01-01T00:14:00.000Z', frozen: true })
  t.same(await sandbox.setClock(new Date('2031-01-01T00:00:00Z')), { now: '2031-01-01T00:00:00.000Z', frozen: true })
  t.same(await sandbox.setClock('2032-01-01T00:00:00Z'), { now: '2032-01-01T00:00:00.000Z', frozen: true })
  t.equal((await sandbox.unfreezeClock()).frozen, false, 'unfrozen: it runs with real time')
  const stopped = await sandbox.freezeClock()
  t.equal(stopped.frozen, true)
  t.ok(stopped.now >= '2032-01-01T00:00:00.000Z' && stopped.now < '2032-01-01T00:01:00.000Z', `frozen where it had run to (${stopped.now})`)
  t.equal((await sandbox.advanceClock('1h', { freeze: false })).frozen, false, 'advance, then run')
  t.same(await sandbox.setClock('2032-01-01T00:00:00Z', { freeze: true }), { now: '2032-01-01T00:00:00.000Z', frozen: true }, 'set, and stand still')
  const refused = await sandbox.advanceClock('99999999999999').catch((e: unknown) => e as SandboxControlError) as SandboxControlError
  t.match(refused, { status: 422, message: 'Error validating transmitted data. The Advance field moves the clock beyond the dates a clock can show: from 1970-01-01T00:00:00Z to 9998-12-01T00:00:00Z.' })
  t.same(await sandbox.deny(await authorize()), { redirect_uri: 'https://shop.example/callback?error_code=100102' })
  t.same(await sandbox.logout(AIGERIM), { user_id: AIGERIM, tokens_ended: 0, deliveries: [] })
  t.same(await sandbox.deliveries(), [])
  t.same(await sandbox.reset(), { now: '2030-01-01T00:00:00.000Z', frozen: true })
  t.equal(await authorize(), trackId, 'after a reset the seeded ids start again')
})

t.test('refusals reject with the status and the envelope', async (t) => {
  const sandbox = await startSandbox()
  t.teardown(() => sandbox.close())
  const error = await sandbox.track('nope').catch((e: unknown) => e)
  t.ok(error instanceof SandboxControlError)
  t.match(error, { status: 404, message: 'No track nope (unknown, or expired more than an hour ago).', body: { error: { code: 100404 } } })
  const invalid = await sandbox.addFault({ route: 'nope' } as never).catch((e: unknown) => e as SandboxControlError) as SandboxControlError
  t.match(invalid, { status: 422, body: { error: { message: 'Error validating transmitted data.' } } })
  t.equal(invalid.message, `Error validating transmitted data. ${Object.values((invalid.body as { error: { errors: object } }).error.errors).flat().join(' ')}`,
    'a 422 names each bad field in the message')
  const bare = new SandboxControlError(502, undefined)
  t.equal(bare.message, 'HTTP 502')
})

t.test('login failures reject in the control API\'s words, not the login page\'s', async (t) => {
  const sandbox = await startSandbox({ trackTtl: 60, clock: '2030-01-01T00:00:00Z' })
  t.teardown(() => sandbox.close())
  const authorize = async (grants = authorizeBody.grants) => {
    const res = await fetch(`${sandbox.url}/api/v1/oauth/authorize`, { method: 'POST', headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ ...authorizeBody, grants }) })
    return new URL((await res.json() as { redirect_uri: string }).redirect_uri).searchParams.get('track_id')!
  }
  const refused = async (call: Promise<unknown>) => call.then(() => { throw new Error('resolved') }, (e: unknown) => e as SandboxControlError)

  t.match(await refused(sandbox.approve('nope', { user: AIGERIM })), { status: 404, message: 'No track nope (unknown, or expired more than an hour ago).', body: { error: { code: 100404 } } })
  t.match(await refused(sandbox.deny('nope')), { status: 404, message: 'No track nope (unknown, or expired more than an hour ago).' })
  const track = await authorize()
  t.match(await refused(sandbox.approve(track, { user: 'nobody@example.com' })),
    { status: 404, message: 'No user "nobody@example.com": give the id, phone or e-mail of a persona or of a provisioned user.' })
  t.match(await refused(sandbox.approve(track, { user: 'x'.repeat(5000) })),
    { status: 404, message: `No user "${'x'.repeat(100)}...": give the id, phone or e-mail of a persona or of a provisioned user.` }, 'at most 100 characters of what was sent')
  t.match(await refused(sandbox.approve(track, { user: '+77775550505' })),
    { status: 403, message: 'User "+77775550505" is locked: the login page refuses it too. Approve with another user.' })
  t.match(await refused(sandbox.approve(await authorize(['read.email']), { user: AIGERIM, grants: ['read.phone'] })), {
    status: 422,
    message: 'Error validating transmitted data. Only grants the track asked for can be given: read.email.',
    body: { error: { message: 'Error validating transmitted data.', errors: { grants: ['Only grants the track asked for can be given: read.email.'] } } }
  })
  await sandbox.approve(track, { user: AIGERIM })
  t.match(await refused(sandbox.approve(track, { user: AIGERIM })), { status: 409, message: `Track ${track} is already finished (approved or denied): start a new login.` })
  t.match(await refused(sandbox.deny(track)), { status: 409, message: `Track ${track} is already finished (approved or denied): start a new login.` })
  const late = await authorize()
  await sandbox.advanceClock(61)
  t.match(await refused(sandbox.approve(late, { user: AIGERIM })), { status: 410, message: `Track ${late} has expired: its login can no longer be approved or denied. Start a new one.`, body: { error: { code: 100410 } } })
  t.match(await refused(sandbox.deny(late)), { status: 410, message: `Track ${late} has expired: its login can no longer be approved or denied. Start a new one.` })
})
