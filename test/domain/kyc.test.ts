import t from 'tap'
import { createClock, formatMicroTimestamp } from '../../src/domain/clock.js'
import {
  ACCEPTED_MS, DECIDED_AFTER_MS, KYC_STATUSES, PAYLOAD_LENGTH, RETENTION_MS, STATUS_MESSAGES,
  createKycService, kycExpiresAt, kycState, profilePayload, type KycRecord
} from '../../src/domain/kyc.js'
import { createMemoryStore } from '../../src/domain/store.js'

const T0 = Date.UTC(2030, 0, 1)
const CLIENT = '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70'
const OTHER_CLIENT = 'b7d3e1f9-2a4c-4b6e-8d0f-1c3e5a7b9d21'
const USER = '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01'
const REQUEST = '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f'
const PAYLOAD = 'UFr8GKu96rDj9csM9VCW2uvXENA757w6MKprVnoa38xGLb0yvRvAuBF6IBtDHgGUADZRFExDBse62kwUZpdJGFsL2kKC9pKc'

const record = (outcome: KycRecord['outcome']): KycRecord =>
  ({ request_id: REQUEST, client_id: CLIENT, user_id: USER, created_at: T0, outcome })

function service (t: { teardown(fn: () => unknown): void }) {
  const clock = createClock(new Date(T0))
  const store = createMemoryStore({ now: clock.now, sweepIntervalMs: 0 })
  t.teardown(() => store.close())
  return { clock, kyc: createKycService({ store, clock }) }
}

t.test('the timeline: accepted for 5 s, pending until 30 s, then decided', async (t) => {
  t.equal(ACCEPTED_MS, 5_000)
  t.equal(DECIDED_AFTER_MS, 30_000)
  t.equal(RETENTION_MS, 3_600_000)
  const completes = record('completed')
  t.same(kycState(completes, T0), { status: 'accepted', since: T0 })
  t.same(kycState(completes, T0 + 4_999), { status: 'accepted', since: T0 })
  t.same(kycState(completes, T0 + 5_000), { status: 'pending', since: T0 + 5_000 })
  t.same(kycState(completes, T0 + 29_999), { status: 'pending', since: T0 + 5_000 })
  t.same(kycState(completes, T0 + 30_000), { status: 'completed', since: T0 + 30_000 })
  t.same(kycState(record('failed'), T0 + 30_000), { status: 'failed', since: T0 + 30_000 })
  t.same(kycState(record('rejected'), T0 + 40_000), { status: 'rejected', since: T0 }, 'rejected from the start, and stays')
})

t.test('kept 60 min after the decision; a rejected request 60 min after it arrived', async (t) => {
  t.equal(kycExpiresAt(record('completed')), T0 + 30_000 + 3_600_000)
  t.equal(kycExpiresAt(record('failed')), T0 + 30_000 + 3_600_000)
  t.equal(kycExpiresAt(record('rejected')), T0 + 3_600_000)
})

t.test('every status has its message', async (t) => {
  t.same(Object.keys(STATUS_MESSAGES), [...KYC_STATUSES])
  t.equal(STATUS_MESSAGES.accepted, 'PROCESS: profile is pending', "the docs' own example")
})

t.test('the payload: 96 alphanumerics, the same for the same request, different for another', async (t) => {
  t.equal(PAYLOAD_LENGTH, 96)
  t.equal(profilePayload(CLIENT, REQUEST, USER), PAYLOAD)
  t.equal(profilePayload(CLIENT, REQUEST, USER), PAYLOAD, 'deterministic')
  t.match(profilePayload(OTHER_CLIENT, REQUEST, USER), /^[A-Za-z0-9]{96}$/)
  t.not(profilePayload(OTHER_CLIENT, REQUEST, USER), PAYLOAD)
  t.not(profilePayload(CLIENT, '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e70', USER), PAYLOAD)
})

t.test('datetime: six fraction digits, the last three zero', async (t) => {
  t.equal(formatMicroTimestamp(Date.parse('2025-02-25T06:50:46.555Z')), '2025-02-25T06:50:46.555000Z')
  t.equal(formatMicroTimestamp(T0), '2030-01-01T00:00:00.000000Z')
})

t.test('a request moves on the clock, is kept 60 min after completing, then is not found', async (t) => {
  const { clock, kyc } = service(t)
  const submission = { client_id: CLIENT, user_id: USER, request_id: REQUEST, grants: ['read.profile' as const], behaviour: undefined }
  t.same(await kyc.submit(submission), {
    request_id: REQUEST, status: 'accepted', status_message: 'PROCESS: profile is pending', freedom_id: USER, changed_at: T0
  })
  await clock.advance(5_000)
  t.same(await kyc.status(CLIENT, REQUEST), {
    request_id: REQUEST, status: 'pending', status_message: 'PROCESS: profile is pending', freedom_id: USER, changed_at: T0 + 5_000
  })
  await clock.advance(25_000)
  const completed = {
    request_id: REQUEST, status: 'completed', status_message: 'SUCCESS: profile is ready', freedom_id: USER, payload: PAYLOAD, changed_at: T0 + 30_000
  }
  t.same(await kyc.status(CLIENT, REQUEST), completed)
  t.same(await kyc.submit(submission), completed, 'a repeat answers the request held, not a new one')
  await clock.advance(RETENTION_MS - 1)
  t.same(await kyc.status(CLIENT, REQUEST), completed)
  await clock.advance(1)
  t.same(await kyc.status(CLIENT, REQUEST), {
    request_id: REQUEST, status: 'not_found', status_message: 'NOT_FOUND: no such request', changed_at: T0 + 30_000 + RETENTION_MS
  })
  t.equal((await kyc.submit(submission)).status, 'accepted', 'once gone, the same id starts a new request')
})

t.test('without read.profile: rejected; a kyc_fails persona: failed; other clients see nothing', async (t) => {
  const { clock, kyc } = service(t)
  const rejected = await kyc.submit({ client_id: CLIENT, user_id: USER, request_id: REQUEST, grants: ['read.email'], behaviour: undefined })
  t.same(rejected, {
    request_id: REQUEST, status: 'rejected', status_message: 'REJECTED: the read.profile grant was not given', freedom_id: USER, changed_at: T0
  })
  const again = await kyc.submit({ client_id: CLIENT, user_id: USER, request_id: REQUEST, grants: ['read.profile'], behaviour: undefined })
  t.equal(again.status, 'rejected', 'a grant given later does not change a request already held')

  await kyc.submit({ client_id: OTHER_CLIENT, user_id: USER, request_id: REQUEST, grants: ['read.profile'], behaviour: 'kyc_fails' })
  await clock.advance(30_000)
  t.same(await kyc.status(OTHER_CLIENT, REQUEST), {
    request_id: REQUEST, status: 'failed', status_message: 'FAILED: the profile could not be verified', freedom_id: USER, changed_at: T0 + 30_000
  })
  t.equal((await kyc.status(CLIENT, REQUEST)).status, 'rejected', 'the same request_id of two clients: two requests')
  t.equal((await kyc.status(CLIENT, '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e70')).status, 'not_found')
  await clock.advance(RETENTION_MS - 30_000)
  t.equal((await kyc.status(CLIENT, REQUEST)).status, 'not_found', 'a rejected request goes 60 min after it arrived')
  t.equal((await kyc.status(OTHER_CLIENT, REQUEST)).status, 'failed')
})
