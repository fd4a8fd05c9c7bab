import { Readable } from 'node:stream'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { readBody } from '../../../src/routes/oauth/get-profile.js'
import { DEMO, DEMO_AUTH, INVALID_TOKEN, KITAP_AUTH, NO_TOKEN, testApp } from '../../helpers/app.js'
import { AIGERIM, approve, exchange } from '../../helpers/flow.js'

const PROFILE = '/api/v1/oauth/get-profile'
const STATUS = '/api/v1/oauth/get-profile/status'
const DANA_KYC_FAILS = '6f1a2b3c-4d5e-4f6a-9b7c-8d9e0f1a2b06'
const REQUEST = '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f'
const UNKNOWN = '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e70'
// profilePayload(DEMO, REQUEST, AIGERIM), pinned: a change to the payload must be deliberate.
const PAYLOAD = 'UFr8GKu96rDj9csM9VCW2uvXENA757w6MKprVnoa38xGLb0yvRvAuBF6IBtDHgGUADZRFExDBse62kwUZpdJGFsL2kKC9pKc'

const MESSAGES = {
  accepted: 'PROCESS: profile is pending',
  pending: 'PROCESS: profile is pending',
  completed: 'SUCCESS: profile is ready',
  failed: 'FAILED: the profile could not be verified',
  rejected: 'REJECTED: the read.profile grant was not given',
  not_found: 'NOT_FOUND: no such request'
}
const UNAUTHENTICATED = { error: { message: 'Unauthenticated.', code: 100401 } }
const invalid = (errors: Record<string, string[]>) => ({ error: { message: 'Error validating transmitted data.', errors } })
const REQUIRED = invalid({ request_id: ['The Request id field is required.'] })

interface TokenOptions { grants?: string[], persona?: string, kitap?: boolean }

async function accessToken (app: FastifyInstance, { grants = ['read.profile'], persona = AIGERIM, kitap = false }: TokenOptions = {}) {
  const authorization = kitap ? KITAP_AUTH : DEMO_AUTH
  const redirectUri = kitap ? 'http://localhost:3000/callback' : 'https://shop.example/cb'
  const { code } = await approve(app, { body: { redirect_uri: redirectUri, grants }, persona, authorization })
  return (await exchange(app, code, authorization)).json().access_token as string
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

const ask = (app: FastifyInstance, token: string, payload: object = { request_id: REQUEST }) =>
  app.inject({ method: 'POST', url: PROFILE, headers: bearer(token), payload })

const status = (app: FastifyInstance, token: string, requestId = REQUEST) =>
  app.inject({ method: 'GET', url: `${STATUS}?request_id=${requestId}`, headers: bearer(token) })

const statusByBody = (app: FastifyInstance, token: string, payload: string) =>
  app.inject({ method: 'GET', url: STATUS, headers: { ...bearer(token), 'content-type': 'application/json' }, payload })

async function advance (app: FastifyInstance, by: number | string) {
  const res = await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: by } })
  if (res.statusCode !== 200) throw new Error(`clock answered ${res.statusCode}: ${res.body}`)
}

const held = (state: keyof typeof MESSAGES, datetime: string, extra: object = {}) =>
  ({ request_id: REQUEST, status: state, status_message: MESSAGES[state], freedom_id: AIGERIM, ...extra, datetime })

t.test('a request is accepted, then pending, then completed with an opaque payload', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  // Milliseconds on the clock show in datetime, followed by 000.
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { set: '2030-01-01T00:00:00.555Z' } })

  const res = await ask(app, token, { request_id: REQUEST, created_at: '2024-10-17T12:00:00Z' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.body, JSON.stringify({ request_id: REQUEST, status: 'accepted', status_message: 'PROCESS: profile is pending', freedom_id: AIGERIM }))

  const accepted = await status(app, token)
  t.equal(accepted.statusCode, 200)
  t.equal(accepted.headers['cache-control'], 'no-store')
  t.equal(accepted.body, JSON.stringify({
    request_id: REQUEST, status: 'accepted', status_message: 'PROCESS: profile is pending', freedom_id: AIGERIM, datetime: '2030-01-01T00:00:00.555000Z'
  }))
  await advance(app, 4)
  t.equal((await status(app, token)).json().status, 'accepted', 'still accepted at 4 s')
  await advance(app, 1)
  t.equal((await status(app, token)).body, JSON.stringify(held('pending', '2030-01-01T00:00:05.555000Z')))
  await advance(app, 24)
  t.equal((await status(app, token)).json().status, 'pending', 'still pending at 29 s')
  await advance(app, 1)
  t.equal((await status(app, token)).body, JSON.stringify(held('completed', '2030-01-01T00:00:30.555000Z', { profile: { payload: PAYLOAD } })))
})

t.test('the kyc_fails persona: failed, with no profile', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app, { persona: DANA_KYC_FAILS })
  t.equal((await ask(app, token)).json().status, 'accepted')
  await advance(app, 30)
  const res = await status(app, token)
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    request_id: REQUEST, status: 'failed', status_message: MESSAGES.failed, freedom_id: DANA_KYC_FAILS, datetime: '2030-01-01T00:00:30.000000Z'
  })
})

t.test('without read.profile: rejected, and it stays rejected for 60 min', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app, { grants: ['read.email', 'read.firstname'] })
  const res = await ask(app, token)
  t.equal(res.statusCode, 200)
  t.same(res.json(), { request_id: REQUEST, status: 'rejected', status_message: MESSAGES.rejected, freedom_id: AIGERIM })
  await advance(app, 3599)
  t.same((await status(app, token)).json(), held('rejected', '2030-01-01T00:00:00.000000Z'))
  t.same((await ask(app, await accessToken(app))).json().status, 'rejected', 'a repeat with read.profile answers the request held')
  await advance(app, 1)
  t.same((await status(app, token)).json(), { request_id: REQUEST, status: 'not_found', status_message: MESSAGES.not_found, datetime: '2030-01-01T01:00:00.000000Z' })
})

t.test('the same request_id again answers the current state; it does not start over', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  await ask(app, token)
  await advance(app, 10)
  t.same((await ask(app, token)).json(), { request_id: REQUEST, status: 'pending', status_message: MESSAGES.pending, freedom_id: AIGERIM })
  await advance(app, 20)
  t.same((await ask(app, token)).json(), { request_id: REQUEST, status: 'completed', status_message: MESSAGES.completed, freedom_id: AIGERIM })
  t.same((await status(app, token)).json(), held('completed', '2030-01-01T00:00:30.000000Z', { profile: { payload: PAYLOAD } }))
})

t.test('completed: kept 60 min after completing, then not_found', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  await ask(app, token)
  await advance(app, 30 + 3599)
  t.equal((await status(app, token)).json().status, 'completed')
  await advance(app, 1)
  const gone = await status(app, token)
  t.equal(gone.statusCode, 200)
  t.equal(gone.body, JSON.stringify({ request_id: REQUEST, status: 'not_found', status_message: MESSAGES.not_found, datetime: '2030-01-01T01:00:30.000000Z' }))
  t.equal((await ask(app, token)).json().status, 'accepted', 'after that the same id is a new request')
})

t.test('an unknown request_id and another client\'s request: not_found', async (t) => {
  const { app } = await testApp(t)
  const demo = await accessToken(app)
  const kitap = await accessToken(app, { kitap: true })
  const notFound = (requestId: string) => JSON.stringify({
    request_id: requestId, status: 'not_found', status_message: MESSAGES.not_found, datetime: '2030-01-01T00:00:00.000000Z'
  })
  t.equal((await status(app, demo, UNKNOWN)).body, notFound(UNKNOWN))
  await ask(app, demo)
  t.equal((await status(app, kitap)).body, notFound(REQUEST), 'Kitap cannot read the Demo Shop request')
  t.equal((await ask(app, kitap)).json().status, 'accepted', 'the same id from another client is that client\'s own request')
  await advance(app, 10)
  t.equal((await status(app, demo)).json().status, 'pending')
})

t.test('status by a JSON body on the GET, as the docs send it', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  await ask(app, token)
  const expected = JSON.stringify(held('accepted', '2030-01-01T00:00:00.000000Z'))
  const res = await statusByBody(app, token, JSON.stringify({ request_id: REQUEST }))
  t.equal(res.statusCode, 200)
  t.equal(res.body, expected)
  const noType = await app.inject({ method: 'GET', url: STATUS, headers: bearer(token), payload: `{"request_id":"${REQUEST}"}` })
  t.equal(noType.body, expected, 'the content type is not needed')
  const both = await app.inject({ method: 'GET', url: `${STATUS}?request_id=${REQUEST}`, headers: bearer(token), payload: '{not json' })
  t.equal(both.body, expected, 'the query string wins, and the body is then not read')
  // The body may be as large as any other: 64 KiB.
  const padded = JSON.stringify({ request_id: REQUEST, pad: '' })
  const full = await statusByBody(app, token, JSON.stringify({ request_id: REQUEST, pad: 'x'.repeat(64 * 1024 - padded.length) }))
  t.equal(full.body, expected, 'exactly 64 KiB')
})

t.test('status: no request_id, a malformed or oversized body', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  for (const payload of [undefined, '', '  \n', 'null', '[]', '"text"', '{}', '{"request_id":null}', '{"request_id":""}']) {
    const res = payload === undefined
      ? await app.inject({ method: 'GET', url: STATUS, headers: bearer(token) })
      : await statusByBody(app, token, payload)
    t.equal(res.statusCode, 422, String(payload))
    t.same(res.json(), REQUIRED, String(payload))
  }
  t.same((await status(app, token, '')).json(), REQUIRED, 'an empty query value')
  t.same((await statusByBody(app, token, '{"request_id":42}')).json(), invalid({ request_id: ['The Request id field must be a string.'] }))
  const notUuid = await status(app, token, 'abc')
  t.equal(notUuid.statusCode, 422)
  t.same(notUuid.json(), invalid({ request_id: ['The Request id field must be a valid UUID.'] }))

  const malformed = await statusByBody(app, token, '{"request_id":')
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.body, JSON.stringify({ error: { message: 'The request body is not valid JSON.', code: 100400 } }))
  const deep = await statusByBody(app, token, `{"request_id":"${REQUEST}","x":${'['.repeat(5000)}${']'.repeat(5000)}}`)
  t.equal(deep.statusCode, 400, 'the GET body follows the same nesting limit as every JSON body')
  t.same(deep.json(), { error: { message: 'The request body is nested more than 64 levels deep.', code: 100400 } })
  const large = await statusByBody(app, token, JSON.stringify({ request_id: REQUEST, pad: 'x'.repeat(64 * 1024) }))
  t.equal(large.statusCode, 413)
  t.same(large.json(), { error: { message: 'The request body is larger than 64 KiB.', code: 100413 } })
  t.equal((await status(app, token, UNKNOWN)).statusCode, 200, 'the app still answers')
})

t.test('get-profile: a missing or invalid request_id or created_at, a malformed body', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const cases: Array<[object | undefined, object]> = [
    [undefined, REQUIRED],
    [{}, REQUIRED],
    [{ created_at: '2024-10-17T12:00:00Z' }, REQUIRED],
    [{ request_id: 'UUID' }, invalid({ request_id: ['The Request id field must be a valid UUID.'] })],
    [{ request_id: 7, created_at: 'yesterday' }, invalid({ request_id: ['The Request id field must be a string.'], created_at: ['The Created at field must be a valid date.'] })]
  ]
  for (const [payload, body] of cases) {
    const res = await app.inject({ method: 'POST', url: PROFILE, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
    t.equal(res.statusCode, 422, JSON.stringify(payload))
    t.same(res.json(), body, JSON.stringify(payload))
  }
  const malformed = await app.inject({ method: 'POST', url: PROFILE, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{"request_id"' })
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json(), { error: { message: 'The request body is not valid JSON.', code: 100400 } })
  t.equal((await ask(app, token, { request_id: REQUEST })).json().status, 'accepted', 'created_at is optional')
})

t.test('missing, unknown and expired access tokens: 401 on both routes, before any validation', async (t) => {
  const { app } = await testApp(t, { accessTtl: 60 })
  const pair = (await exchange(app, (await approve(app, { body: { redirect_uri: 'https://shop.example/cb', grants: ['read.profile'] } })).code)).json()
  const calls = (authorization?: string) => {
    const headers = authorization === undefined ? {} : { authorization }
    return [
      app.inject({ method: 'POST', url: PROFILE, headers, payload: {} }),
      app.inject({ method: 'GET', url: STATUS, headers: { ...headers, 'content-type': 'application/json' }, payload: '{not json' })
    ]
  }
  const cases: Array<[string | undefined, string]> = [[undefined, NO_TOKEN], ['Bearer nope', INVALID_TOKEN], [`Bearer ${pair.refresh_token}`, INVALID_TOKEN],
    [`Basic ${Buffer.from(`${DEMO.id}:${DEMO.secret}`).toString('base64')}`, NO_TOKEN]]
  for (const [authorization, challenge] of cases) {
    for (const res of await Promise.all(calls(authorization))) {
      t.equal(res.statusCode, 401, String(authorization).slice(0, 12))
      t.equal(res.headers['www-authenticate'], challenge, String(authorization).slice(0, 12))
      t.equal(res.body, JSON.stringify(UNAUTHENTICATED))
    }
  }
  t.equal((await ask(app, pair.access_token)).statusCode, 200)
  t.equal((await status(app, pair.access_token)).statusCode, 200)
  await advance(app, 60)
  for (const res of [await ask(app, pair.access_token), await status(app, pair.access_token)]) {
    t.equal(res.statusCode, 401, 'expired')
    t.equal(res.headers['www-authenticate'], INVALID_TOKEN, 'expired')
  }
})

t.test('deterministic: two apps with the same seed answer byte for byte the same', async (t) => {
  const run = async () => {
    const { app } = await testApp(t)
    const token = await accessToken(app)
    const bodies = [(await ask(app, token)).body]
    for (const step of [5, 25, '1h']) {
      await advance(app, step)
      bodies.push((await status(app, token)).body, (await ask(app, token)).body)
    }
    return { token, bodies }
  }
  const [first, second] = [await run(), await run()]
  t.equal(first.token, second.token)
  t.same(first.bodies, second.bodies)
  t.match(first.bodies[3], /"profile":\{"payload":"[A-Za-z0-9]{96}"\}/)
})

t.test('readBody: text up to the limit; beyond it a 413; a stream error passes through', async (t) => {
  t.equal(await readBody(Readable.from([Buffer.from('{"a":'), Buffer.from('"é"}')]), 100), '{"a":"é"}')
  t.equal(await readBody(Readable.from([Buffer.from('12345')]), 5), '12345')
  await t.rejects(readBody(Readable.from([Buffer.from('123'), Buffer.from('456')]), 5), { name: 'ProviderError', status: 413, code: 100413 })
  const broken = new Readable({ read () { this.destroy(new Error('connection reset')) } })
  await t.rejects(readBody(broken, 5), { message: 'connection reset' })
})
