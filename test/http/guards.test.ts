import t from 'tap'
import { testApp } from '../helpers/app.js'

// A route reads request.client or request.token only behind the guard that sets it; anywhere
// else the read is a bug of the sandbox's, and says so instead of handing out undefined.

t.test('request.client and request.token outside their guard: a 500 whose log names the route and the guard', async (t) => {
  const { app, logs } = await testApp(t)
  app.get('/unguarded/client', async (request) => request.client.client_id)
  app.get('/unguarded/token', async (request) => request.token.id)
  for (const [url, guard] of [['/unguarded/client', 'client'], ['/unguarded/token', 'token']] as const) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 500, url)
    t.same(res.json(), { error: { message: 'Server error.', code: 100500 } })
    t.match(logs.find((line) => line.msg === 'request failed' && (line.err as { message?: string }).message?.includes(url)),
      { err: { message: `GET ${url} has no ${guard} guard: request.${guard} is unknown` } })
  }
})
