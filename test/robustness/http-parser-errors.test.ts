import t from 'tap'
import { testApp } from '../helpers/app.js'
import { rawClient } from '../helpers/raw-socket.js'

/*
 * Requests Node's HTTP parser refuses before Fastify sees them are answered in the provider's
 * envelope too, with their own status, over a real socket (an inject never reaches the parser).
 */

t.setTimeout(60_000)

const { app, logs } = await testApp(t, { logLevel: 'debug' })
// A short request timeout, checked often, so the slow-loris case takes a second, not 30.
app.server.requestTimeout = 500
app.server.headersTimeout = 500
;(app.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = 100
await app.listen({ port: 0, host: '127.0.0.1' })
const port = (app.server.address() as { port: number }).port

async function send (raw: string): Promise<{ head: string[], body: string }> {
  const client = await rawClient(port)
  client.socket.write(raw)
  await client.closed
  const [head = '', body = ''] = client.received().split('\r\n\r\n')
  return { head: head.split('\r\n'), body }
}

const error = (message: string, code: number) => ({ error: { message, code } })
const POST = 'POST /api/v1/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n'

const CASES: Array<[string, string, number, unknown]> = [
  ['headers over 16 KiB', `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 431,
    error('The request headers are larger than 16 KiB.', 100431)],
  ['a duplicate Content-Length', `${POST}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400,
    error('The HTTP request is malformed: Duplicate Content-Length.', 100400)],
  ['Content-Length with Transfer-Encoding', `${POST}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, 400,
    error("The HTTP request is malformed: Transfer-Encoding can't be present with Content-Length.", 100400)],
  ['a bad chunk size', `${POST}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400,
    error('The HTTP request is malformed: Invalid character in chunk size.', 100400)],
  ['a bad method', 'G@T /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400,
    error('The HTTP request is malformed: Invalid method encountered.', 100400)],
  ['no Host header (HTTP/1.1 requires one)', 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n', 400,
    error('The HTTP request is malformed: no Host header (HTTP/1.1 requires one).', 100400)],
  ['a bare LF', 'GET /health HTTP/1.1\nHost: 127.0.0.1\n\n', 400, undefined],
  ['not HTTP at all', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400, undefined]
]

for (const [what, raw, status, body] of CASES) {
  t.test(what, async (t) => {
    const res = await send(raw)
    t.equal(res.head[0], `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`)
    // Header names in any case: Node's parser errors are written out whole, the missing Host is answered by Fastify.
    const head = res.head.map((line) => line.replace(/^[^:]+/, (name) => name.toLowerCase()))
    t.ok(head.includes('content-type: application/json; charset=utf-8'))
    t.ok(head.includes('connection: close'))
    t.ok(head.includes(`content-length: ${Buffer.byteLength(res.body)}`))
    if (body !== undefined) t.same(JSON.parse(res.body), body)
    else t.match(JSON.parse(res.body), { error: { message: /^The HTTP request is malformed(: [ -~]+)?\.$/, code: 100400 } })
  })
}

t.test('HTTP/1.0 needs no Host; CONNECT (a proxy tunnel) gets a 405 in the envelope, not a silent close', async (t) => {
  const old = await send('GET /health HTTP/1.0\r\n\r\n')
  t.equal(old.head[0], 'HTTP/1.1 200 OK')
  t.same(JSON.parse(old.body), { status: 'ok' })
  const tunnel = await send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
  t.equal(tunnel.head[0], 'HTTP/1.1 405 Method Not Allowed')
  t.ok(tunnel.head.includes('Connection: close'))
  t.same(JSON.parse(tunnel.body), error('The CONNECT method is not supported: this is not a proxy.', 100405))
})

t.test('a request that never finishes (slow-loris): 408 in the envelope', async (t) => {
  const client = await rawClient(port)
  client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
  await client.closed
  const [head = '', body = ''] = client.received().split('\r\n\r\n')
  t.equal(head.split('\r\n')[0], 'HTTP/1.1 408 Request Timeout')
  t.same(JSON.parse(body), error('Request timeout: the request did not arrive in time.', 100408))
})

t.test('the server still answers, and the parser errors went to the debug log only', async (t) => {
  const res = await send('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
  t.equal(res.head[0], 'HTTP/1.1 200 OK')
  t.ok(logs.filter((line) => line.msg === 'HTTP parser error').every((line) => line.level === 20))
  t.ok(logs.some((line) => line.msg === 'HTTP parser error'))
})
