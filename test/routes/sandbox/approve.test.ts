import t from 'tap'
import { createMemoryStore, StoreUnavailableError, type CollectionOptions, type Store } from '../../../src/domain/store.js'
import { CLOCK, testApp } from '../../helpers/app.js'
import { AIGERIM, ASEL_DENIES, MARAT_LOCKED, authorize, exchange, userData } from '../../helpers/flow.js'

const approve = (app: Awaited<ReturnType<typeof testApp>>['app'], trackId: string, payload: object) =>
  app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload })

t.test('approve by id, phone or e-mail: the merchant redirect with a working code', async (t) => {
  const { app } = await testApp(t)
  for (const user of [AIGERIM, '+77015550101', 'aigerim.sarsenbayeva@example.com']) {
    const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/cb?x=1', grants: ['read.firstname', 'read.email'] })
    const res = await approve(app, trackId, { user })
    t.equal(res.statusCode, 200, user)
    const location = new URL(res.json().redirect_uri)
    t.equal(`${location.origin}${location.pathname}?x=${location.searchParams.get('x')}`, 'https://shop.example/cb?x=1')
    const code = location.searchParams.get('authorization_code')!
    const pair = (await exchange(app, code)).json()
    t.same((await userData(app, pair.access_token)).json(), { id: AIGERIM, firstname: 'Aigerim', email: 'aigerim.sarsenbayeva@example.com' })
    t.match((await app.sandbox.tracks.find(trackId)), { state: 'exchanged', user_id: AIGERIM })
  }
})

t.test('approve a subset of the grants', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/cb', grants: ['read.firstname', 'read.email'] })
  const code = new URL((await approve(app, trackId, { user: AIGERIM, grants: ['read.email'] })).json().redirect_uri).searchParams.get('authorization_code')!
  t.same((await userData(app, (await exchange(app, code)).json().access_token)).json(), { id: AIGERIM, email: 'aigerim.sarsenbayeva@example.com' })
})

t.test('the same rules as the login page', async (t) => {
  const { app } = await testApp(t, { trackTtl: 60 })
  const denies = await authorize(app)
  const denied = await approve(app, denies.trackId, { user: ASEL_DENIES })
  t.equal(denied.statusCode, 200)
  t.same(denied.json(), { redirect_uri: 'https://shop.example/callback?error_code=100102' }, 'a persona that denies gets the deny redirect')

  const cases: Array<[string, () => Promise<string>, object, number, string]> = [
    ['locked persona', async () => (await authorize(app)).trackId, { user: MARAT_LOCKED }, 403, `User "${MARAT_LOCKED}" is locked: the login page refuses it too. Approve with another user.`],
    ['unknown user', async () => (await authorize(app)).trackId, { user: 'nobody@example.com' }, 404, 'No user "nobody@example.com": give the id, phone or e-mail of a persona or of a provisioned user.'],
    ['unknown track', async () => '11111111-1111-4111-8111-111111111111', { user: AIGERIM }, 404, 'No track 11111111-1111-4111-8111-111111111111 (unknown, or expired more than an hour ago).'],
    ['used track', async () => denies.trackId, { user: AIGERIM }, 409, `Track ${denies.trackId} is already finished (approved or denied): start a new login.`]
  ]
  for (const [name, track, payload, status, message] of cases) {
    const res = await approve(app, await track(), payload)
    t.equal(res.statusCode, status, name)
    t.same(res.json(), { error: { message, code: 100000 + status } }, name)
  }
  const beyond = await approve(app, (await authorize(app)).trackId, { user: AIGERIM, grants: ['read.cards'] })
  t.equal(beyond.statusCode, 422, 'grants beyond the asked ones')
  t.same(beyond.json(), { error: { message: 'Error validating transmitted data.', errors: { grants: ['Only grants the track asked for can be given: read.email, read.phone.'] } } })
  const expired = await authorize(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  const late = await approve(app, expired.trackId, { user: AIGERIM })
  t.equal(late.statusCode, 410)
  t.same(late.json(), { error: { message: `Track ${expired.trackId} has expired: its login can no longer be approved or denied. Start a new one.`, code: 100410 } })
})

t.test('deny without a browser, signed in or not; OIDC tracks get error and state', async (t) => {
  const { app } = await testApp(t, { trackTtl: 60 })
  const deny = (trackId: string) => app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/deny` })
  const fresh = await authorize(app, { redirect_uri: 'https://shop.example/cb?x=1', grants: ['openid'] })
  const res = await deny(fresh.trackId)
  t.equal(res.statusCode, 200)
  t.same(res.json(), { redirect_uri: 'https://shop.example/cb?x=1&error_code=100102' })
  t.match(await app.sandbox.tracks.find(fresh.trackId), { state: 'denied' })
  t.same((await deny(fresh.trackId)).json(), { error: { message: `Track ${fresh.trackId} is already finished (approved or denied): start a new login.`, code: 100409 } })

  const oidc = await app.inject({ method: 'GET', url: '/openid?response_type=code&client_id=0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70&redirect_uri=https://shop.example/cb&scope=openid&state=st1&nonce=n1' })
  const oidcTrack = new URL(oidc.headers.location as string, 'http://x').searchParams.get('track_id')!
  t.same((await deny(oidcTrack)).json(), { redirect_uri: 'https://shop.example/cb?error=access_denied&error_description=The+user+denied+access.&state=st1' })

  const expired = await authorize(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  t.equal((await deny(expired.trackId)).statusCode, 410)
  t.equal((await deny('nope')).statusCode, 404)
})

t.test('bad bodies: the validation envelope', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  const res = await approve(app, trackId, { grants: ['read.everything'] })
  t.equal(res.statusCode, 422)
  t.same(res.json(), { error: { message: 'Error validating transmitted data.', errors: { user: ['The User field is required.'], 'grants.0': ['The selected grants.0 is invalid.'] } } })
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'issued')
})

t.test('a failure that is no login failure passes through: the store lost is a 503, not a login message', async (t) => {
  const inner = createMemoryStore({ now: () => Date.parse(CLOCK), sweepIntervalMs: 0 })
  const store: Store = {
    ...inner,
    collection<T> (name: string, options?: CollectionOptions) {
      const collection = inner.collection<T>(name, options)
      return name !== 'tracks' ? collection : { ...collection, get: async () => { throw new StoreUnavailableError('the store cannot be reached') } }
    },
    atomically: (step) => inner.atomically((tx) => step({
      ...tx,
      get: async (name, key) => { if (name === 'tracks') throw new StoreUnavailableError('the store cannot be reached'); return tx.get(name, key) }
    }))
  }
  const { app } = await testApp(t, {}, undefined, { store })
  for (const url of ['/__sandbox/tracks/nope/approve', '/__sandbox/tracks/nope/deny']) {
    const res = await app.inject({ method: 'POST', url, payload: { user: AIGERIM } })
    t.equal(res.statusCode, 503, url)
    t.equal(res.json().error.code, 100503, url)
  }
})
