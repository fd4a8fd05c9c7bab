import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { clientErrorBody, clientErrorHandler, rawJsonResponse, sendJson } from '../../src/plugins/error-handler.js'
import { testApp } from '../helpers/app.js'

t.test('unknown routes: 404 in the envelope', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'GET', url: '/api/v1/oauth/nothing?x=1' })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.same(res.json(), { error: { message: 'The route GET /api/v1/oauth/nothing could not be found.', code: 100404 } })
})

t.test('a known path with another method: 405 with Allow', async (t) => {
  const { app } = await testApp(t)
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
    const res = await app.inject({ method, url: '/api/v1/oauth/authorize' })
    t.equal(res.statusCode, 405, method)
    t.equal(res.headers.allow, 'POST')
    t.same(res.json(), {
      error: { message: `The ${method} method is not supported for route /api/v1/oauth/authorize. Supported methods: POST.`, code: 100405 }
    })
  }
  const clock = await app.inject({ method: 'DELETE', url: '/__sandbox/clock' })
  t.equal(clock.headers.allow, 'GET, HEAD, POST')
  const track = await app.inject({ method: 'POST', url: '/__sandbox/tracks/abc' })
  t.equal(track.statusCode, 405, 'parametric routes too')
  t.equal(track.headers.allow, 'GET, HEAD')
})

t.test('an unexpected error: 500, a generic message, the detail in the log only', async (t) => {
  const { app, logs } = await testApp(t)
  app.get('/boom', async () => { throw new Error('database password is hunter2') })
  const res = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { error: { message: 'Server error.', code: 100500 } })
  t.notMatch(res.body, /hunter2|stack|at /)
  const logged = logs.find((l) => l.msg === 'request failed')
  t.match(logged, { level: 50, err: { message: 'database password is hunter2' } })
})

t.test('validation of any part of any route gets the Laravel envelope', async (t) => {
  const { app } = await testApp(t)
  app.get('/search', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'string', pattern: '^\\d+$' } }, required: ['limit'] } }
  }, async () => ({}))
  const missing = await app.inject({ method: 'GET', url: '/search' })
  t.equal(missing.statusCode, 422)
  t.same(missing.json(), { error: { message: 'Error validating transmitted data.', errors: { limit: ['The Limit field is required.'] } } })
  const bad = await app.inject({ method: 'GET', url: '/search?limit=ten' })
  t.same(bad.json(), { error: { message: 'Error validating transmitted data.', errors: { limit: ['The Limit field format is invalid.'] } } })
})

t.test('other client errors keep their status with the envelope', async (t) => {
  const { app } = await testApp(t)
  app.get('/teapot', async () => { throw Object.assign(new Error('internal words'), { statusCode: 418 }) })
  const res = await app.inject({ method: 'GET', url: '/teapot' })
  t.equal(res.statusCode, 418)
  t.same(res.json(), { error: { message: 'Bad request.', code: 100418 } })

  const badUrl = await app.inject({ method: 'GET', url: '/%E0%A4%A' })
  t.equal(badUrl.statusCode, 400)
  t.same(badUrl.json(), { error: { message: "'/%E0%A4%A' is not a valid url component", code: 100400 } })
})

t.test('ERROR_STATUS=200 applies to 404, 405, 500 and framework errors', async (t) => {
  const { app } = await testApp(t, { errorStatus: '200' })
  app.get('/boom', async () => { throw new Error('x') })
  for (const [method, url, code] of [['GET', '/nope', 100404], ['GET', '/api/v1/oauth/authorize', 100405], ['GET', '/boom', 100500], ['GET', '/%E0%A4%A', 100400]] as const) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 200, url)
    t.equal(res.json().error.code, code, url)
  }
})

t.test("the HTTP parser's errors: its reason repeated only when it is a short phrase", async (t) => {
  const malformed = { status: 400, body: { error: { message: 'The HTTP request is malformed.', code: 100400 } } }
  t.same(clientErrorBody(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD' })), malformed, 'no reason')
  t.same(clientErrorBody(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD', reason: 'r'.repeat(101) })), malformed, 'a reason too long')
  t.same(clientErrorBody(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD', reason: 'Bad\nmethod' })), malformed, 'a reason with a control character')
  t.same(clientErrorBody(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD', reason: 'Invalid method encountered.' })),
    { status: 400, body: { error: { message: 'The HTTP request is malformed: Invalid method encountered.', code: 100400 } } })
})

t.test('a parser error on a connection nobody can answer writes nothing', async (t) => {
  const app = { log: { debug () {} } } as unknown as FastifyInstance
  const written = (socket: PassThrough): string => String(socket.read() ?? '')
  const error = Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' })

  const reset = new PassThrough()
  clientErrorHandler.call(app, Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset)
  t.equal(reset.destroyed, false, 'a reset connection is left to Node')
  t.equal(written(reset), '')

  const gone = new PassThrough()
  gone.destroy()
  clientErrorHandler.call(app, error, gone)
  t.equal(written(gone), '')

  const ended = new PassThrough()
  ended.end()
  ended.on('error', () => {})
  clientErrorHandler.call(app, error, ended)
  t.equal(ended.destroyed, true, 'a half-closed connection is closed, unanswered')

  const open = new PassThrough()
  open.on('error', () => {})
  clientErrorHandler.call(app, error, open)
  t.match(written(open), /^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\n\{"error":\{"message":"The HTTP request is malformed\.","code":100400\}\}$/)
  t.equal(open.destroyed, true)
})

t.test("the one writer: a body sent as it is, past the route's response schema", async (t) => {
  const { app } = await testApp(t)
  app.get('/filtered', { schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
    async (_request, reply) => sendJson(reply.header('x-first', '1'), 200, { error: { message: 'Not ready.', code: 100503 } }))
  const res = await app.inject({ method: 'GET', url: '/filtered' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(res.headers['x-first'], '1')
  t.equal(res.body, '{"error":{"message":"Not ready.","code":100503}}', 'the schema would have sent {}')
  t.equal(res.headers['content-length'], String(res.body.length))
})

t.test('the same body as a whole HTTP response, for a connection with no request: its length in bytes', async (t) => {
  t.equal(rawJsonResponse(431, { error: { message: 'Größe', code: 100431 } }),
    'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 45\r\nConnection: close\r\n\r\n{"error":{"message":"Größe","code":100431}}')
})
