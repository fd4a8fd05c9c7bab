import t from 'tap'
import { DEMO, KITAP, basic } from '../helpers/app.js'
import { AIGERIM, PASSWORD } from '../helpers/flow.js'
import { CHALLENGE, VERIFIER } from '../helpers/oidc.js'
import { json, live, type LiveRequest } from '../helpers/live-http.js'
import { listeningUrl, spawnMain } from '../helpers/process.js'

const SANDBOX_TOKEN = 'ctl-7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b'
const WRONG_SANDBOX_TOKEN = 'ctl-wrong-0a9b8c7d6e5f4a3b2c1d'
const WRONG_SECRET = 'demo-shop-secret-typo-42'
const PROVISIONED_PASSWORD = 'Zhanna-Pass-9f8e7d'

t.test('a complete run at LOG_LEVEL=trace: no secret, password, code or token in any line', async (t) => {
  const run = spawnMain(['--port', '0'], { LOG_LEVEL: 'trace', SANDBOX_TOKEN, CLOCK: '2030-01-01T00:00:00Z' })
  t.teardown(() => { run.child.kill('SIGKILL') })
  const url = await listeningUrl(run)
  const secrets = new Map<string, string>([
    [DEMO.secret, 'Demo Shop client secret'],
    [KITAP.secret, 'Kitap client secret'],
    [basic(DEMO.id, DEMO.secret).slice(6), 'Demo Shop Basic credentials'],
    [basic(KITAP.id, KITAP.secret).slice(6), 'Kitap Basic credentials'],
    [basic(DEMO.id, WRONG_SECRET).slice(6), 'mistyped Basic credentials'],
    [WRONG_SECRET, 'a mistyped client secret'],
    [PASSWORD, 'the personas\' password'],
    [PROVISIONED_PASSWORD, 'a provisioned user\'s password'],
    [SANDBOX_TOKEN, 'SANDBOX_TOKEN'],
    [WRONG_SANDBOX_TOKEN, 'a wrong SANDBOX_TOKEN'],
    [VERIFIER, 'the PKCE code_verifier']
  ])
  let requests = 0
  const call = async (path: string, options: LiveRequest = {}) => {
    requests++
    return live(url, path, options)
  }
  const keep = (value: string | undefined | null, what: string) => {
    if (value === undefined || value === null || value === '') throw new Error(`no ${what}`)
    secrets.set(value, what)
    return value
  }
  const control = { authorization: `Bearer ${SANDBOX_TOKEN}` }
  const demo = { authorization: basic(DEMO.id, DEMO.secret) }

  // OAuth2 through the login page: typed phone and password, consent, token, refresh, user data, KYC.
  const link = json<{ redirect_uri: string }>(await call('/api/v1/oauth/authorize', { method: 'POST', headers: demo, json: { redirect_uri: 'https://shop.example/callback', grants: ['read.email', 'read.firstname', 'read.profile'] } }))
  const trackId = new URL(link.redirect_uri).searchParams.get('track_id')!
  t.equal((await call(`/login?track_id=${trackId}`)).status, 200)
  t.equal((await call('/login/sign-in', { method: 'POST', form: { track_id: trackId, login: '+77015550101', password: 'not-the-password-1' } })).status, 401)
  t.equal((await call('/login/sign-in', { method: 'POST', form: { track_id: trackId, login: '+7 (701) 555-01-01', password: PASSWORD } })).status, 303)
  t.equal((await call(`/login/consent?track_id=${trackId}`)).status, 200)
  const allowed = await call('/login/consent', { method: 'POST', form: { track_id: trackId, decision: 'allow' } })
  const code = keep(new URL(allowed.headers.location as string).searchParams.get('authorization_code'), 'an OAuth2 authorization code')
  t.equal((await call('/api/v1/oauth/token', { method: 'POST', headers: { authorization: basic(DEMO.id, WRONG_SECRET) }, json: { authorization_code: code } })).status, 401)
  const pair = json(await call('/api/v1/oauth/token', { method: 'POST', headers: demo, json: { authorization_code: code } }))
  const access = keep(pair.access_token as string, 'an access token')
  keep(pair.refresh_token as string, 'a refresh token')
  t.equal((await call('/api/v1/oauth/token', { method: 'POST', headers: demo, json: { authorization_code: code } })).status, 400, 'a replayed code')
  const refreshed = json(await call('/api/v1/oauth/token', { method: 'PATCH', headers: { authorization: `Bearer ${pair.refresh_token as string}` } }))
  const access2 = keep(refreshed.access_token as string, 'a refreshed access token')
  keep(refreshed.refresh_token as string, 'a refreshed refresh token')
  t.equal((await call('/api/v1/oauth/user', { headers: { authorization: `Bearer ${access2}` } })).status, 200)
  t.equal((await call(`/api/v1/oauth/user?access_token=${access}`)).status, 401, 'a token in the query string')
  const requestId = '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f'
  t.equal((await call('/api/v1/oauth/get-profile', { method: 'POST', headers: { authorization: `Bearer ${access2}` }, json: { request_id: requestId } })).status, 200)
  t.equal((await call(`/api/v1/oauth/get-profile/status?request_id=${requestId}`, { headers: { authorization: `Bearer ${access2}` } })).status, 200)
  t.equal((await call('/api/v1/oauth/token', { method: 'POST', headers: demo })).status, 422, 'no body')
  const broken = await call('/api/v1/oauth/token', { method: 'POST', headers: { ...demo, 'content-type': 'application/json' }, form: { authorization_code: code } })
  t.equal(broken.status, 400, 'a body that is not JSON, holding a code')

  // Provisioning with a password, then signing in with it.
  const created = await call('/api/v1/oauth/user', { method: 'POST', headers: { authorization: `Bearer ${access2}` }, json: { phone: '+77015550909', firstname: 'Zhanna', password: PROVISIONED_PASSWORD } })
  t.equal(created.status, 200)
  const second = json<{ redirect_uri: string }>(await call('/api/v1/oauth/authorize', { method: 'POST', headers: demo, json: { redirect_uri: 'https://shop.example/callback', grants: ['read.phone'] } }))
  const secondTrack = new URL(second.redirect_uri).searchParams.get('track_id')!
  t.equal((await call('/login/sign-in', { method: 'POST', form: { track_id: secondTrack, login: '+77015550909', password: PROVISIONED_PASSWORD } })).status, 303)

  // OIDC with PKCE, approved through the control API, client_secret_post, then userinfo and a refresh with Basic.
  const start = await call(`/openid?${new URLSearchParams({ response_type: 'code', client_id: KITAP.id, redirect_uri: 'http://localhost:3000/callback', scope: 'openid read.email', state: 'st-1', nonce: 'n-1', code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`)
  t.equal(start.status, 303)
  const oidcTrack = new URL(start.headers.location as string, url).searchParams.get('track_id')!
  t.equal((await call(`/__sandbox/tracks/${oidcTrack}/approve`, { method: 'POST', headers: { authorization: `Bearer ${WRONG_SANDBOX_TOKEN}` }, json: { user: AIGERIM } })).status, 401)
  const approved = json<{ redirect_uri: string }>(await call(`/__sandbox/tracks/${oidcTrack}/approve`, { method: 'POST', headers: control, json: { user: AIGERIM } }))
  const oidcCode = keep(new URL(approved.redirect_uri).searchParams.get('code'), 'an OIDC code')
  const tokens = json(await call('/api/v1/oidc/token', {
    method: 'POST',
    form: { grant_type: 'authorization_code', code: oidcCode, redirect_uri: 'http://localhost:3000/callback', code_verifier: VERIFIER, client_id: KITAP.id, client_secret: KITAP.secret }
  }))
  const idToken = keep(tokens.id_token as string, 'an id_token')
  keep(idToken.split('.')[2], 'the id_token signature')
  keep(tokens.access_token as string, 'an OIDC access token')
  keep(tokens.refresh_token as string, 'an OIDC refresh token')
  t.equal((await call('/api/v1/oidc/userinfo', { headers: { authorization: `Bearer ${tokens.access_token as string}` } })).status, 200)
  const again = json(await call('/api/v1/oidc/token', { method: 'POST', headers: { authorization: basic(KITAP.id, KITAP.secret) }, form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string } }))
  keep(again.access_token as string, 'a refreshed OIDC access token')
  keep(again.refresh_token as string, 'a refreshed OIDC refresh token')
  keep(again.id_token as string, 'a refreshed id_token')

  // The control API, and the journal that holds every token (its answer must not reach the log either).
  t.equal((await call('/__sandbox/requests?limit=5', { headers: control })).status, 200)
  t.equal((await call('/__sandbox/users/+77015550101/logout', { method: 'POST', headers: control })).status, 200)
  t.equal((await call(`/nope?client_secret=${DEMO.secret}&password=${encodeURIComponent(PASSWORD)}&code=${code}`)).status, 404)

  run.child.kill('SIGTERM')
  t.equal(await run.exited, 0)
  const output = run.stdout() + run.stderr()
  const lines = output.split('\n').filter((line) => line.startsWith('{'))
  t.ok(lines.filter((line) => line.includes('"msg":"request"')).length >= requests, `one log line per request (${requests} requests, ${lines.length} JSON lines)`)
  t.match(output, /"url":"\/api\/v1\/oauth\/user\?access_token=\[redacted\]"/, 'the query-string token is masked')
  t.match(output, /"msg":"shutting down"/)
  const leaks = [...secrets].filter(([secret]) => output.includes(secret)).map(([, what]) => what)
  t.same(leaks, [], `none of ${secrets.size} secrets appears in ${output.length} characters of output`)
})
