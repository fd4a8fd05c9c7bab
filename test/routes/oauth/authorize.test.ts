import t from 'tap'
import { AUTHORIZE, CLOCK_START_S, DEMO, DEMO_AUTH, KITAP_AUTH, authorizeBody, basic, testApp } from '../../helpers/app.js'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const VALIDATION = 'Error validating transmitted data.'
const validation = (errors: Record<string, string[]>) => ({ error: { message: VALIDATION, errors } })
const UNAUTHENTICATED = { error: { message: 'Unauthenticated.', code: 100401 } }

const post = (app: Awaited<ReturnType<typeof testApp>>['app'], payload: unknown, authorization: string | null = DEMO_AUTH, contentType = 'application/json') =>
  app.inject({
    method: 'POST',
    url: AUTHORIZE,
    headers: { ...(authorization === null ? {} : { authorization }), 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload)
  })

const trackCount = (app: Awaited<ReturnType<typeof testApp>>['app']) => app.sandbox.store.collection('tracks').size()

t.test('answers the login link and stores the track', async (t) => {
  const { app } = await testApp(t)
  const res = await post(app, authorizeBody)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const link = new URL(res.json().redirect_uri)
  const trackId = link.searchParams.get('track_id')!
  t.match(trackId, UUID_V4)
  t.same(res.json(), { redirect_uri: `http://sandbox.test/login?track_id=${trackId}&expire_at=${CLOCK_START_S + 600}` })
  t.same(await app.sandbox.tracks.find(trackId), {
    track_id: trackId,
    client_id: DEMO.id,
    redirect_uri: 'https://shop.example/callback',
    grants: ['read.email', 'read.phone'],
    state: 'issued',
    created_at: '2030-01-01T00:00:00.000Z',
    expires_at: '2030-01-01T00:10:00.000Z'
  })
})

t.test('expire_at follows CLOCK and TRACK_TTL; the link base follows PUBLIC_URL', async (t) => {
  const { app } = await testApp(t, { trackTtl: 90, publicUrl: 'https://qa.example/freedom-id/' })
  const link = new URL((await post(app, authorizeBody)).json().redirect_uri)
  t.equal(link.origin + link.pathname, 'https://qa.example/freedom-id/login')
  t.equal(link.searchParams.get('expire_at'), String(CLOCK_START_S + 90))
})

t.test('without PUBLIC_URL the link points at localhost and the configured port', async (t) => {
  const { app } = await testApp(t, { publicUrl: undefined, port: 9999 })
  const link = new URL((await post(app, authorizeBody)).json().redirect_uri)
  t.equal(link.origin, 'http://localhost:9999')
})

t.test('the same SEED and requests give byte-identical bodies; another seed does not', async (t) => {
  const bodies = async (seed: string) => {
    const { app } = await testApp(t, { seed })
    const out = []
    for (let i = 0; i < 3; i++) out.push((await post(app, authorizeBody)).body)
    return out
  }
  const first = await bodies('42')
  t.same(await bodies('42'), first)
  t.equal(new Set(first).size, 3, 'each request gets its own track')
  t.not((await bodies('43'))[0], first[0])
})

t.test('all 15 documented grants are accepted; duplicates are stored once', async (t) => {
  const { app } = await testApp(t)
  const grants = ['read.email', 'read.emails', 'read.phone', 'read.phones', 'read.date_of_birth', 'read.firstname',
    'read.lastname', 'read.patronymic', 'read.gender', 'read.country', 'read.nationality', 'read.identifier',
    'read.profile', 'read.cards', 'openid']
  const res = await post(app, { redirect_uri: 'http://localhost:3000/cb?x=1', grants: [...grants, 'read.email'] })
  t.equal(res.statusCode, 200)
  const track = await app.sandbox.tracks.find(new URL(res.json().redirect_uri).searchParams.get('track_id')!)
  t.same(track?.grants, grants)
  t.equal(track?.redirect_uri, 'http://localhost:3000/cb?x=1')
})

t.test('extra properties, such as CLIENT_ID / CLIENT_SECRET in the body, are ignored', async (t) => {
  const { app } = await testApp(t)
  const res = await post(app, { ...authorizeBody, CLIENT_ID: 'x', CLIENT_SECRET: 'y', state: 1 })
  t.equal(res.statusCode, 200)
})

t.test('client authentication', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[string, string | null]> = [
    ['no Authorization header', null],
    ['another scheme', `Bearer ${DEMO.secret}`],
    ['Basic without credentials', 'Basic'],
    ['credentials without a colon', `Basic ${Buffer.from(DEMO.id).toString('base64')}`],
    ['unknown client', basic('11111111-1111-4111-8111-111111111111', DEMO.secret)],
    ['wrong secret', basic(DEMO.id, 'wrong')],
    ['empty secret', basic(DEMO.id, '')],
    ['the secret of another client', basic(DEMO.id, 'kitap-secret')]
  ]
  for (const [name, authorization] of cases) {
    const res = await post(app, authorizeBody, authorization)
    t.equal(res.statusCode, 401, name)
    t.equal(res.headers['www-authenticate'], 'Basic realm="Freedom ID sandbox", charset="UTF-8"', name)
    t.same(res.json(), UNAUTHENTICATED, name)
  }
  t.equal(await trackCount(app), 0, 'no track was stored')
})

t.test('credentials are checked before the body', async (t) => {
  const { app } = await testApp(t)
  for (const payload of ['{not json', JSON.stringify({ grants: [] })]) {
    const res = await post(app, payload, basic(DEMO.id, 'wrong'))
    t.equal(res.statusCode, 401)
    t.same(res.json(), UNAUTHENTICATED)
  }
  const res = await post(app, 'x', basic(DEMO.id, 'wrong'), 'text/plain')
  t.equal(res.statusCode, 401)
})

t.test('validation errors in Laravel style, every failing field at once', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[string, unknown, Record<string, string[]>]> = [
    ['empty object', {}, {
      redirect_uri: ['The Redirect uri field is required.'],
      grants: ['The Grants field is required.']
    }],
    ['grants missing', { redirect_uri: 'https://shop.example/cb' }, { grants: ['The Grants field is required.'] }],
    ['null and empty values count as missing', { redirect_uri: '', grants: [] }, {
      redirect_uri: ['The Redirect uri field is required.'],
      grants: ['The Grants field is required.']
    }],
    ['nulls', { redirect_uri: null, grants: null }, {
      redirect_uri: ['The Redirect uri field is required.'],
      grants: ['The Grants field is required.']
    }],
    ['wrong types', { redirect_uri: 5, grants: 'read.email' }, {
      redirect_uri: ['The Redirect uri field must be a string.'],
      grants: ['The Grants field must be an array.']
    }],
    ['grants as an object', { redirect_uri: 'https://shop.example/cb', grants: { 0: 'read.email' } }, {
      grants: ['The Grants field must be an array.']
    }],
    ['the documented unknown grant at index 3', { redirect_uri: 'https://shop.example/cb', grants: ['read.email', 'read.phone', 'openid', 'read.everything'] }, {
      'grants.3': ['The selected grants.3 is invalid.']
    }],
    ['several bad elements of any type, in index order', { redirect_uri: 'https://shop.example/cb', grants: [12, 'read.email', null, 'READ.EMAIL', '', { a: 1 }] }, {
      'grants.0': ['The selected grants.0 is invalid.'],
      'grants.2': ['The selected grants.2 is invalid.'],
      'grants.3': ['The selected grants.3 is invalid.'],
      'grants.4': ['The selected grants.4 is invalid.'],
      'grants.5': ['The selected grants.5 is invalid.']
    }],
    ['a body that is not an object', [authorizeBody], {
      redirect_uri: ['The Redirect uri field is required.'],
      grants: ['The Grants field is required.']
    }],
    ['a JSON string body', '"hello"', {
      redirect_uri: ['The Redirect uri field is required.'],
      grants: ['The Grants field is required.']
    }],
    ['a too long redirect_uri', { redirect_uri: `https://shop.example/${'a'.repeat(2048)}`, grants: ['openid'] }, {
      redirect_uri: ['The Redirect uri field must not be greater than 2048 characters.']
    }]
  ]
  for (const [name, payload, errors] of cases) {
    const res = await post(app, payload)
    t.equal(res.statusCode, 422, name)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8', name)
    t.same(res.json(), validation(errors), name)
    t.same(Object.keys(res.json().error.errors), Object.keys(errors), `${name}: key order`)
  }
  t.equal(await trackCount(app), 0, 'no track was stored')
})

t.test('redirect_uri must be an absolute http(s) URL', async (t) => {
  const { app } = await testApp(t)
  for (const uri of ['shop.example/cb', '/callback', 'ftp://shop.example/cb', 'javascript:alert(1)//http://x',
    'data:text/html,hi', 'https://', 'https://shop example/cb', 'http:/shop.example', 'mailto:a@b.c',
    'https://shop.example/cb#frag', 'https://shop.example;x/cb', 'https://a,b.example/cb', "https://a'b.example/cb"]) {
    const res = await post(app, { redirect_uri: uri, grants: ['openid'] })
    t.equal(res.statusCode, 422, uri)
    t.same(res.json(), validation({ redirect_uri: ['The Redirect uri field must be a valid URL.'] }), uri)
  }
  for (const uri of ['http://localhost:3000/cb', 'https://shop.example/login?error_code=100102', 'HTTPS://SHOP.EXAMPLE/x', 'http://[::1]:3000/cb', 'http://127.0.0.1/cb', 'https://xn--80ak6aa92e.example/cb']) {
    t.equal((await post(app, { redirect_uri: uri, grants: ['openid'] })).statusCode, 200, uri)
  }
})

t.test('a client that registers redirect_uris and grants is held to them', async (t) => {
  const { app } = await testApp(t)
  const allowed = await post(app, { redirect_uri: 'http://localhost:3000/callback', grants: ['read.email', 'openid'] }, KITAP_AUTH)
  t.equal(allowed.statusCode, 200)

  const other = await post(app, { redirect_uri: 'http://localhost:3000/callback/', grants: ['read.cards', 'read.email', 'read.gender', 'nope'] }, KITAP_AUTH)
  t.equal(other.statusCode, 422)
  t.same(other.json(), validation({
    redirect_uri: ['The selected Redirect uri is invalid.'],
    'grants.0': ['The selected grants.0 is invalid.'],
    'grants.2': ['The selected grants.2 is invalid.'],
    'grants.3': ['The selected grants.3 is invalid.']
  }))

  const mixed = await post(app, { redirect_uri: 'ftp://x', grants: ['read.cards'] }, KITAP_AUTH)
  t.same(mixed.json(), validation({
    redirect_uri: ['The Redirect uri field must be a valid URL.'],
    'grants.0': ['The selected grants.0 is invalid.']
  }), 'schema and client failures are reported together')
  t.equal(await trackCount(app), 1, 'only the valid request stored a track')
})

t.test('malformed, empty, oversized and wrongly typed bodies', async (t) => {
  const { app } = await testApp(t)
  const cases: Array<[string, string, string, number, unknown]> = [
    ['malformed JSON', '{"redirect_uri": ', 'application/json', 400, { error: { message: 'The request body is not valid JSON.', code: 100400 } }],
    ['prototype poisoning', '{"__proto__": {"x": 1}, "grants": ["openid"]}', 'application/json', 400, { error: { message: 'The request body is not valid JSON.', code: 100400 } }],
    ['empty JSON body', '', 'application/json', 422, {
      error: { message: 'Error validating transmitted data.', errors: { redirect_uri: ['The Redirect uri field is required.'], grants: ['The Grants field is required.'] } }
    }],
    ['text/plain', 'redirect_uri=x', 'text/plain', 415, { error: { message: 'Unsupported content type "text/plain": send application/json.', code: 100415 } }],
    ['a form', 'redirect_uri=x&grants[]=openid', 'application/x-www-form-urlencoded', 415, { error: { message: 'Unsupported content type "application/x-www-form-urlencoded": send application/json.', code: 100415 } }],
    ['over 64 KiB', JSON.stringify({ ...authorizeBody, pad: 'x'.repeat(64 * 1024) }), 'application/json', 413, { error: { message: 'The request body is larger than 64 KiB.', code: 100413 } }]
  ]
  for (const [name, payload, type, status, body] of cases) {
    const res = await post(app, payload, DEMO_AUTH, type)
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8', name)
    t.same(res.json(), body, name)
  }
  const noBody = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH } })
  t.equal(noBody.statusCode, 422, 'no body at all is a validation error')
  t.equal(await trackCount(app), 0)
})

t.test('ERROR_STATUS=200 keeps every error body and answers 200', async (t) => {
  const { app } = await testApp(t, { errorStatus: '200' })
  const invalid = await post(app, { redirect_uri: 'https://shop.example/cb', grants: ['read.email', 'x'] })
  t.equal(invalid.statusCode, 200)
  t.same(invalid.json(), validation({ 'grants.1': ['The selected grants.1 is invalid.'] }))

  const unauthenticated = await post(app, authorizeBody, null)
  t.equal(unauthenticated.statusCode, 200)
  t.equal(unauthenticated.headers['www-authenticate'], 'Basic realm="Freedom ID sandbox", charset="UTF-8"')
  t.same(unauthenticated.json(), UNAUTHENTICATED)

  const malformed = await post(app, '{', DEMO_AUTH)
  t.equal(malformed.statusCode, 200)
  t.same(malformed.json(), { error: { message: 'The request body is not valid JSON.', code: 100400 } })

  const ok = await post(app, authorizeBody)
  t.equal(ok.statusCode, 200)
  t.match(ok.json().redirect_uri, /^http:\/\/sandbox\.test\/login\?track_id=/)
})

t.test('a rejected request disturbs no other track', async (t) => {
  const { app } = await testApp(t)
  const first = (await post(app, authorizeBody)).json().redirect_uri
  const trackId = new URL(first).searchParams.get('track_id')!
  const before = await app.sandbox.tracks.find(trackId)
  await post(app, '{', DEMO_AUTH)
  await post(app, { grants: ['x'] })
  await post(app, authorizeBody, basic(DEMO.id, 'nope'))
  t.same(await app.sandbox.tracks.find(trackId), before)
  t.equal(await trackCount(app), 1)
})
