import t from 'tap'
import { AUTHORIZE, DEMO, DEMO_AUTH, authorizeBody, basic, bundledFixtures, testApp } from '../../../helpers/app.js'
import { approve, exchange, userData } from '../../../helpers/flow.js'
import { CALLBACK, oidcApprove, oidcToken } from '../../../helpers/oidc.js'
import { findings } from '../../../helpers/report.js'

const T0 = '2030-01-01T00:00:00.000Z'
const SPECIAL = { client_id: '6f0c2b1e-9d8a-4e7f-b6c5-a4d3e2f1c0b9', client_secret: 'p@ss:w/rd+1&x', name: 'Special Secret Shop' }

const authorizeAs = (app: Awaited<ReturnType<typeof testApp>>['app'], authorization?: string, payload: object = authorizeBody) =>
  app.inject({ method: 'POST', url: AUTHORIZE, headers: authorization === undefined ? {} : { authorization }, payload })

t.test('basic-percent-encoded: credentials form-encoded before base64', async (t) => {
  const fixtures = await bundledFixtures()
  const { app } = await testApp(t, {}, { ...fixtures, clients: [...fixtures.clients, SPECIAL] })
  t.equal((await authorizeAs(app, basic(SPECIAL.client_id, SPECIAL.client_secret))).statusCode, 200)
  t.same(await findings(app, 'basic-percent-encoded'), [], 'raw credentials are fine')
  t.equal((await authorizeAs(app, basic(encodeURIComponent(SPECIAL.client_id), encodeURIComponent(SPECIAL.client_secret)))).statusCode, 401)
  t.same(await findings(app, 'basic-percent-encoded'), [[SPECIAL.client_id, `POST /api/v1/oauth/authorize (entry 2, ${T0}) answered 401: the Basic credentials held percent-escapes`, [2], []]])
})

t.test('credentials-in-body: CLIENT_ID / CLIENT_SECRET as some doc pages list them', async (t) => {
  const { app } = await testApp(t)
  const { code } = await oidcApprove(app)
  const posted = await oidcToken(app, { authorization: null, body: { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: DEMO.id, client_secret: 'demo-shop-secret' } })
  t.equal(posted.statusCode, 200, 'client_secret_post at the OIDC token endpoint is allowed')
  t.same(await findings(app, 'credentials-in-body'), [])
  const again = await oidcApprove(app)
  t.equal((await oidcToken(app, { authorization: null, body: { grant_type: 'authorization_code', code: again.code, redirect_uri: CALLBACK, CLIENT_ID: DEMO.id, CLIENT_SECRET: 'demo-shop-secret' } })).statusCode, 401)
  t.equal((await authorizeAs(app, undefined, { ...authorizeBody, CLIENT_ID: DEMO.id, CLIENT_SECRET: 'demo-shop-secret' })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/oauth/user' })).statusCode, 401, 'no header and no body: not this rule')
  t.equal((await app.inject({ method: 'POST', url: AUTHORIZE })).statusCode, 401, 'nor a POST with no body')
  t.same(await findings(app, 'credentials-in-body'), [
    [DEMO.id, `POST /api/v1/oidc/token (entry 8, ${T0}) answered 401: no Authorization header, the client credentials in the body`, [8], []],
    ['unidentified', `POST /api/v1/oauth/authorize (entry 9, ${T0}) answered 401: no Authorization header, only a body (refused before it was read)`, [9], []]
  ])
})

t.test('beareer-scheme: the typo of the Russian guide', async (t) => {
  const { app } = await testApp(t)
  const { code } = await approve(app)
  const pair = (await exchange(app, code)).json()
  t.equal((await userData(app, pair.access_token)).statusCode, 200)
  t.same(await findings(app, 'beareer-scheme'), [])
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: `Beareer ${pair.access_token}` } })).statusCode, 401)
  t.same(await findings(app, 'beareer-scheme'), [[DEMO.id, `GET /api/v1/oauth/user (entry 6, ${T0}) answered 401: it used the scheme "Beareer"`, [6], []]])
})

t.test('authorization-malformed: not base64, no colon, another scheme', async (t) => {
  const { app } = await testApp(t)
  t.equal((await authorizeAs(app, DEMO_AUTH)).statusCode, 200)
  t.equal((await authorizeAs(app, basic(DEMO.id, 'wrong'))).statusCode, 401, 'a wrong secret is not a malformed header')
  t.same(await findings(app, 'authorization-malformed'), [])
  t.equal((await authorizeAs(app, 'Basic not*base64')).statusCode, 401)
  t.equal((await authorizeAs(app, `Basic ${Buffer.from('no-colon').toString('base64')}`)).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: 'Token abc' } })).statusCode, 401)
  const summary = (n: number, route: string) => `${route} (entry ${n}, ${T0}) answered 401: its Authorization header was neither valid Basic nor Bearer`
  t.same(await findings(app, 'authorization-malformed'), [
    ['unidentified', summary(3, 'POST /api/v1/oauth/authorize'), [3], []],
    ['unidentified', summary(4, 'POST /api/v1/oauth/authorize'), [4], []],
    ['unidentified', summary(5, 'GET /api/v1/oauth/user'), [5], []]
  ])
})
