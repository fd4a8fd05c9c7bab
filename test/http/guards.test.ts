import t from 'tap'
import { INVALID_TOKEN, testApp } from '../helpers/app.js'

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

t.test("a live access token of a user who is gone (a provisioned user's record dropped from the store): user data and UserInfo answer it as an unknown token", async (t) => {
  const { app } = await testApp(t)
  const { tokens, clients } = app.sandbox
  const client = clients.all()[0]!
  const pair = await tokens.issue({ client_id: client.client_id, user_id: 'no-such-user', track_id: 'no-track', grants: ['openid', 'read.email'] })
  t.ok(await tokens.findAccess(pair.access_token), 'the token itself is live')
  for (const url of ['/api/v1/oauth/user', '/api/v1/oidc/userinfo']) {
    const res = await app.inject({ url, headers: { authorization: `Bearer ${pair.access_token}` } })
    t.equal(res.statusCode, 401, url)
    t.equal(res.headers['www-authenticate'], INVALID_TOKEN, url)
    t.same(res.json(), { error: { message: 'Unauthenticated.', code: 100401 } }, url)
  }
})
