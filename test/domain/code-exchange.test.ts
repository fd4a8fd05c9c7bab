import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { createCodeExchange } from '../../src/domain/code-exchange.js'
import type { CodeRecord } from '../../src/domain/codes.js'
import { fingerprint } from '../../src/domain/history.js'
import { StoreUnavailableError } from '../../src/domain/store.js'
import { OAuthError, ProviderError } from '../../src/errors.js'
import { CLOCK_START_S, DEMO, KITAP, testApp } from '../helpers/app.js'
import { AIGERIM, approve } from '../helpers/flow.js'
import { CALLBACK, NONCE, oidcApprove } from '../helpers/oidc.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'

/**
 * The one code exchange behind both token endpoints, on each store: a code is used up only in the
 * transition that stores its pair, its history and its track's new state; any refusal leaves all
 * of them as they were.
 */

const redis = await startRedis()
t.teardown(() => redis.stop())

const OAUTH2_REFUSAL = { status: 400, code: 100101, message: 'Invalid authorization_code.' }
const OIDC_REFUSAL = {
  status: 400,
  error: 'invalid_grant',
  message: 'The code is unknown, used, expired, or was issued to another client.',
  envelope: OAUTH2_REFUSAL
}
const NO_TRACK = '00000000-0000-4000-8000-000000000000'

const STORES = {
  memory: () => ({ logLevel: 'silent' as const }),
  redis: () => ({ logLevel: 'silent' as const, store: redis.url, storePrefix: uniquePrefix('exchange') })
}

async function rejectsAs (t: Test, promise: Promise<unknown>, type: typeof ProviderError | typeof OAuthError, shape: object, message: string) {
  const error = await promise.then(() => undefined, (reason: unknown) => reason)
  t.ok(error instanceof type, `a ${type.name}: ${message}`)
  t.match(error, shape, message)
}

for (const [name, settings] of Object.entries(STORES)) {
  const sandbox = async (t: Test) => {
    const { app } = await testApp(t, settings())
    return { app, exchange: createCodeExchange(app.sandbox) }
  }

  t.test(`${name}: an OAuth2 code gives one pair, its history and an exchanged track, once`, async (t) => {
    const { app, exchange } = await sandbox(t)
    const { code, trackId } = await approve(app)
    const { code: redeemed, pair } = await exchange.exchange(code, DEMO.id, 'oauth2')
    t.same(redeemed, { code, track_id: trackId, client_id: DEMO.id, user_id: AIGERIM, grants: ['read.email', 'read.phone'], expires_at: redeemed.expires_at })
    t.match(pair, { client_id: DEMO.id, user_id: AIGERIM, track_id: trackId, grants: ['read.email', 'read.phone'] })
    t.equal(pair.kind, undefined, 'an OAuth2 pair')
    t.equal(pair.auth_time, undefined)
    t.same(await app.sandbox.tokens.findAccess(pair.access_token), pair, 'the pair is stored')
    t.equal((await app.sandbox.tracks.find(trackId))?.state, 'exchanged')
    const history = await app.sandbox.journal.history.events()
    t.same(history.map((event) => event.kind), ['code', 'pair'])
    t.match(history[1], { ref: fingerprint(pair.refresh_token), access_ref: fingerprint(pair.access_token), token_id: pair.id, track_id: trackId, client_id: DEMO.id })

    await rejectsAs(t, exchange.exchange(code, DEMO.id, 'oauth2'), ProviderError, OAUTH2_REFUSAL, 'used')
    t.equal((await app.sandbox.journal.history.events()).length, 2, 'a refusal notes nothing')
  })

  t.test(`${name}: a code the check refuses stays as it was, with its track, and no pair is issued`, async (t) => {
    const { app, exchange } = await sandbox(t)
    const { code, trackId } = await approve(app)
    const seen: CodeRecord[] = []
    await t.rejects(exchange.exchange(code, DEMO.id, 'oauth2', (record) => {
      seen.push(record)
      throw new Error('not this one')
    }), { message: 'not this one' })
    t.match(seen, [{ code, track_id: trackId }], 'the check saw the code')
    t.ok(await app.sandbox.codes.find(code, DEMO.id), 'the code is still live')
    t.equal((await app.sandbox.tracks.find(trackId))?.state, 'code_issued')
    t.same((await app.sandbox.journal.history.events()).map((event) => event.kind), ['code'], 'no pair noted')
    t.match(await exchange.exchange(code, DEMO.id, 'oauth2'), { pair: { track_id: trackId } }, 'and then it exchanges')
  })

  t.test(`${name}: another client's or the other flow's code is refused in that endpoint's words, unchecked, and stays valid`, async (t) => {
    const { app, exchange } = await sandbox(t)
    const unchecked = () => { throw new Error('the check ran') }
    const oauth2 = await approve(app)
    await rejectsAs(t, exchange.exchange(oauth2.code, KITAP.id, 'oauth2', unchecked), ProviderError, OAUTH2_REFUSAL, 'another client')
    await rejectsAs(t, exchange.exchange(oauth2.code, DEMO.id, 'oidc', unchecked), OAuthError, OIDC_REFUSAL, 'at the OIDC endpoint')
    await rejectsAs(t, exchange.exchange('x'.repeat(40), DEMO.id, 'oidc', unchecked), OAuthError, OIDC_REFUSAL, 'unknown')
    t.ok(await app.sandbox.codes.find(oauth2.code, DEMO.id), 'the OAuth2 code is still live')

    const oidc = await oidcApprove(app)
    await rejectsAs(t, exchange.exchange(oidc.code, DEMO.id, 'oauth2', unchecked), ProviderError, OAUTH2_REFUSAL, 'an OIDC code at the OAuth2 endpoint')
    await rejectsAs(t, exchange.exchange(oidc.code, KITAP.id, 'oidc', unchecked), OAuthError, OIDC_REFUSAL, 'an OIDC code of another client')
    const { code, pair } = await exchange.exchange(oidc.code, DEMO.id, 'oidc')
    t.match(code, { code: oidc.code, oidc: { redirect_uri: CALLBACK, nonce: NONCE, auth_time: CLOCK_START_S } })
    t.match(pair, { kind: 'oidc', auth_time: CLOCK_START_S, track_id: oidc.trackId, grants: ['openid'] }, 'an OIDC pair, signed in when the code says')
    t.equal((await app.sandbox.tracks.find(oidc.trackId))?.state, 'exchanged')
  })

  t.test(`${name}: the code comes back as stored, with a probe's tamper marker`, async (t) => {
    const { app, exchange } = await sandbox(t)
    const { code } = await oidcApprove(app)
    t.equal(await app.sandbox.codes.alter(code, { tamper: 'wrong_aud' }), true)
    t.equal((await exchange.exchange(code, DEMO.id, 'oidc')).code.tamper, 'wrong_aud')
  })

  t.test(`${name}: a code whose track is gone still exchanges, and makes no track`, async (t) => {
    const { app, exchange } = await sandbox(t)
    const { code } = await app.sandbox.codes.issue({ track_id: NO_TRACK, client_id: DEMO.id, user_id: AIGERIM, grants: ['read.email'] })
    t.match(await exchange.exchange(code, DEMO.id, 'oauth2'), { pair: { track_id: NO_TRACK } })
    t.equal(await app.sandbox.tracks.find(NO_TRACK), undefined)
  })

  t.test(`${name}: three exchanges of one code at once: one pair`, async (t) => {
    const { app, exchange } = await sandbox(t)
    const { code } = await approve(app)
    const results = await Promise.allSettled([1, 2, 3].map(() => exchange.exchange(code, DEMO.id, 'oauth2')))
    t.equal(results.filter((result) => result.status === 'fulfilled').length, 1)
    t.match(results.filter((result) => result.status === 'rejected'), [{ reason: OAUTH2_REFUSAL }, { reason: OAUTH2_REFUSAL }])
    t.same((await app.sandbox.journal.history.events()).map((event) => event.kind), ['code', 'pair'], 'one pair noted')
  })
}

t.test('redis: a Redis that refuses writes spends nothing; the same exchange works once it takes them', async (t) => {
  const raw = new Redis(redis.url)
  t.teardown(() => raw.quit())
  const { app } = await testApp(t, STORES.redis())
  const exchange = createCodeExchange(app.sandbox)
  const { code, trackId } = await approve(app)
  await raw.config('SET', 'maxmemory-policy', 'noeviction')
  await raw.config('SET', 'maxmemory', '1')
  try {
    await t.rejects(exchange.exchange(code, DEMO.id, 'oauth2'), StoreUnavailableError)
  } finally {
    await raw.config('SET', 'maxmemory', '0')
  }
  t.ok(await app.sandbox.codes.find(code, DEMO.id), 'the code is still live')
  t.equal((await app.sandbox.tracks.find(trackId))?.state, 'code_issued')
  t.same((await app.sandbox.journal.history.events()).map((event) => event.kind), ['code'])
  t.match(await exchange.exchange(code, DEMO.id, 'oauth2'), { pair: { track_id: trackId } })
})
