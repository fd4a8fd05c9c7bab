import t from 'tap'
import { AUTHORIZE, DEMO, DEMO_AUTH, authorizeBody, basic, testApp } from '../../helpers/app.js'
import { PASSWORD, approve, authorize, exchange, signIn } from '../../helpers/flow.js'

const journal = async (app: Awaited<ReturnType<typeof testApp>>['app'], query = '') =>
  (await app.inject({ method: 'GET', url: `/__sandbox/requests${query}` })).json()

t.test('each request newest first, with what a test needs to know', async (t) => {
  const { app } = await testApp(t)
  const { trackId } = await authorize(app)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 5 } })
  await signIn(app, { track_id: trackId, login: '+77015550101', password: PASSWORD })
  const entries = await journal(app)
  t.equal(entries.length, 2, 'control calls are not journaled')
  t.same(entries[1], {
    id: 1,
    time: '2030-01-01T00:00:00.000Z',
    real_time: entries[1].real_time,
    method: 'POST',
    path: AUTHORIZE,
    query: {},
    status: 200,
    duration_ms: entries[1].duration_ms,
    client_id: DEMO.id,
    track_id: trackId,
    request: {
      headers: { authorization: 'Basic [redacted]', 'content-type': 'application/json', 'content-length': String(JSON.stringify(authorizeBody).length), 'user-agent': 'lightMyRequest', host: 'localhost:80' },
      body: authorizeBody
    },
    response: { body: { redirect_uri: `http://sandbox.test/login?track_id=${trackId}&expire_at=1893456600` } }
  })
  t.ok(Math.abs(Date.parse(entries[1].real_time) - Date.now()) < 60_000, 'real_time is the real clock, not the frozen sandbox one')
  t.match(entries[0], {
    id: 2,
    time: '2030-01-01T00:00:05.000Z',
    method: 'POST',
    path: '/login/sign-in',
    status: 303,
    track_id: trackId,
    request: { body: { track_id: trackId, login: '+77015550101', password: '[redacted]' } }
  })
  t.notOk(JSON.stringify(entries).includes(PASSWORD))
  t.notOk(JSON.stringify(entries).includes(DEMO_AUTH.slice(6)))
})

t.test('filters and limit', async (t) => {
  const { app } = await testApp(t)
  const { trackId, code } = await approve(app)
  await exchange(app, code)
  await exchange(app, code)
  await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: basic(DEMO.id, 'x') }, payload: authorizeBody })
  const all = await journal(app)
  t.same(all.map((e: { method: string, path: string, status: number }) => `${e.method} ${e.path} ${e.status}`), [
    'POST /api/v1/oauth/authorize 401',
    'POST /api/v1/oauth/token 400',
    'POST /api/v1/oauth/token 200',
    'POST /login/consent 303',
    'POST /login/sign-in 303',
    'POST /api/v1/oauth/authorize 200'
  ])
  t.equal((await journal(app, '?path=/api/v1/oauth/token')).length, 2)
  t.equal((await journal(app, '?status=400'))[0].response.body.error.code, 100101)
  t.equal((await journal(app, `?track_id=${trackId}`)).length, 4, 'the failed exchange knows no track')
  t.equal((await journal(app, `?client_id=${DEMO.id}&method=post`)).length, 3)
  t.equal((await journal(app, '?limit=2')).length, 2)
  t.same((await journal(app, '?limit=2'))[0].id, 6)
  const bad = await app.inject({ method: 'GET', url: '/__sandbox/requests?status=abc&limit=-1' })
  t.equal(bad.statusCode, 422)
  t.same(Object.keys(bad.json().error.errors), ['status', 'limit'])
})

t.test('clear, and the cap', async (t) => {
  const { app } = await testApp(t)
  await authorize(app)
  const cleared = await app.inject({ method: 'DELETE', url: '/__sandbox/requests' })
  t.equal(cleared.statusCode, 204)
  t.same(await journal(app), [])
  await authorize(app)
  t.equal((await journal(app))[0].id, 1, 'numbering starts again')
})

t.test('JOURNAL=off records nothing', async (t) => {
  const { app } = await testApp(t, { journal: 'off' })
  await approve(app)
  t.same(await journal(app), [])
})

t.test('a body that claims JSON but is not is kept as text; an empty one as nothing', async (t) => {
  const { app } = await testApp(t)
  app.get('/odd', async (_request, reply) => reply.type('application/json').send('{not json'))
  app.get('/empty', async (_request, reply) => reply.code(204).send())
  app.get('/big', async (_request, reply) => reply.type('text/plain').send('x'.repeat(20000)))
  await app.inject({ method: 'GET', url: '/odd' })
  await app.inject({ method: 'GET', url: '/empty' })
  await app.inject({ method: 'GET', url: '/big' })
  const [big, empty, odd] = await journal(app)
  t.equal(odd.response.body, '{not json')
  t.same(empty.response, {})
  t.equal(big.response.body, `${'x'.repeat(16 * 1024)}…`, 'long bodies are cut at 16 KiB')
})

t.test('HTML answers are kept as text', async (t) => {
  const { app } = await testApp(t)
  const { path } = await authorize(app)
  await app.inject({ method: 'GET', url: path })
  const [page] = await journal(app, '?path=/login')
  t.match(page.response.body, /^<!doctype html>/)
  t.same(page.query, { track_id: page.track_id, expire_at: '1893456600' })
})
