import t, { type Test } from 'tap'
import type { Grant } from '../../src/domain/grants.js'
import { createReset } from '../../src/domain/reset.js'
import { DEMO, authorizeBody, testApp } from '../helpers/app.js'
import { AIGERIM, approve, exchange } from '../helpers/flow.js'
import { startReceiver } from '../helpers/receiver.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/** Back to the start, as a domain function, on each store: everything dropped, the clock and the ids as at the start, the signing key kept. */

const redis = await startRedis()
t.teardown(() => redis.stop())

const STORES = {
  memory: () => ({ logLevel: 'silent' as const }),
  redis: () => ({ logLevel: 'silent' as const, store: redis.url, storePrefix: uniquePrefix('reset') })
}

const newTrack = async (app: Awaited<ReturnType<typeof testApp>>['app']) =>
  (await app.sandbox.tracks.issue({ clientId: DEMO.id, redirectUri: authorizeBody.redirect_uri, grants: authorizeBody.grants as Grant[] })).track_id

for (const [name, settings] of Object.entries(STORES)) {
  t.test(`${name}: every record, entry, fault and delivery goes; the clock and the ids start again; the signing key stays`, async (t: Test) => {
    const receiver = await startReceiver(() => 204)
    t.teardown(receiver.close)
    const { app } = await testApp(t, settings())
    const { sandbox } = app
    const reset = createReset(sandbox)
    const firstTrack = await newTrack(app)
    const { code, trackId } = await approve(app)
    const pair = (await exchange(app, code)).json()
    await sandbox.faults.add({ route: 'GET /x', status: 500 })
    t.equal(sandbox.faults.idle(), false)
    await sandbox.deliveries.send({ target: `${receiver.url}/revoke`, body: { id: pair.id }, client_id: DEMO.id, user_id: AIGERIM })
    await sandbox.deliveries.settled()
    t.equal(await sandbox.clock.change({ advance: 3_600_000 }, { earliestMs: 0, latestMs: Number.MAX_SAFE_INTEGER }), true)
    const keys = await sandbox.idTokens.jwks()
    t.equal((await sandbox.journal.query({})).length, 4, 'the journal saw the flow\'s four requests')
    t.equal((await sandbox.journal.history.events()).length, 2, 'the history its code and pair')
    t.equal((await sandbox.deliveries.list()).length, 1)

    await reset()
    t.equal(sandbox.clock.now(), Date.parse('2030-01-01T00:00:00Z'))
    t.equal(sandbox.clock.frozen, true)
    t.equal(await sandbox.tracks.find(trackId), undefined)
    t.equal(await sandbox.tokens.findAccess(pair.access_token), undefined)
    t.same(await sandbox.journal.query({}), [])
    t.same(await sandbox.journal.history.events(), [])
    t.same(await sandbox.faults.list(), [])
    t.equal(sandbox.faults.idle(), sandbox.store.local, 'requests skip the fault queue again, where only this process can fill it')
    t.same(await sandbox.deliveries.list(), [])
    t.same(await sandbox.idTokens.jwks(), keys, 'the signing key is kept')
    t.equal(await newTrack(app), firstTrack, 'the seeded ids start again')
  })
}
