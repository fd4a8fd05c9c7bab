import t from 'tap'
import { testApp } from '../helpers/app.js'
import { AIGERIM, authorize, consent, exchange, signIn, userData } from '../helpers/flow.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/**
 * A rejected approve changes nothing, on either store: the user signed in on the page stays the
 * track's user, and Allow then hands the merchant that user, not the one the rejected call named.
 */

const redis = await startRedis()
t.teardown(() => redis.stop())

const STORES = [
  { name: 'memory', settings: () => ({}) },
  { name: 'redis', settings: () => ({ store: redis.url, storePrefix: uniquePrefix('approve') }) }
]

for (const store of STORES) {
  t.test(`${store.name}: an approve refused (422: a grant the track did not ask for) leaves the signed-in user in place`, async (t) => {
    const { app } = await testApp(t, { logLevel: 'silent', ...store.settings() })
    const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/callback', grants: ['read.email'] })
    t.equal((await signIn(app, { track_id: trackId, persona: AIGERIM })).statusCode, 303, 'Aigerim signs in on the page')
    const before = (await app.inject({ url: `/__sandbox/tracks/${trackId}` })).json()

    const refused = await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: '+77025550202', grants: ['read.phone'] } })
    t.equal(refused.statusCode, 422)
    t.same(refused.json(), { error: { message: 'Error validating transmitted data.', errors: { grants: ['Only grants the track asked for can be given: read.email.'] } } })
    t.same((await app.inject({ url: `/__sandbox/tracks/${trackId}` })).json(), before, 'the track as it was: Aigerim, signed in')

    const allowed = await consent(app, trackId, 'allow')
    t.equal(allowed.statusCode, 303)
    const code = new URL(allowed.headers.location as string).searchParams.get('authorization_code')!
    const pair = (await exchange(app, code)).json()
    t.same((await userData(app, pair.access_token)).json(), { id: AIGERIM, email: 'aigerim.sarsenbayeva@example.com' }, 'the merchant gets Aigerim')
  })
}
