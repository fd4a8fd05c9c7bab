import t from 'tap'
import { LoginError, redirectWith } from '../../src/domain/login.js'
import { DEMO, testApp } from '../helpers/app.js'
import { AIGERIM, authorize } from '../helpers/flow.js'

t.test('redirectWith keeps the query and appends', async (t) => {
  t.equal(redirectWith('https://a.example/cb?x=1#top', { code: 'c d' }), 'https://a.example/cb?x=1&code=c+d#top')
})

t.test('consent with a subset of the grants, never more', async (t) => {
  const { app } = await testApp(t)
  const { login, codes } = app.sandbox
  const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/cb', grants: ['read.email', 'read.phone'] })
  await login.signIn(trackId, { userId: AIGERIM })
  const error = await login.consent(trackId, 'allow', ['read.email', 'read.cards']).catch((e: unknown) => e)
  t.ok(error instanceof LoginError)
  t.match(error, { kind: 'invalid_grants', status: 422, message: 'Only grants the shop asked for can be given.' })
  const redirect = await login.consent(trackId, 'allow', ['read.phone'])
  const code = new URL(redirect).searchParams.get('authorization_code')!
  t.same((await codes.redeem(code, (await app.sandbox.tracks.find(trackId))!.client_id))?.grants, ['read.phone'])
})

t.test('an OIDC track: consent binds the code to redirect_uri, nonce, challenge and sign-in time, and answers code and state', async (t) => {
  const { app } = await testApp(t)
  const { login, codes, tracks } = app.sandbox
  const oidc = { state: 'st', nonce: 'nn', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' }
  const track = await tracks.issue({ clientId: DEMO.id, redirectUri: 'https://shop.example/cb?x=1', grants: ['openid', 'read.email'], oidc })
  t.match(track, { kind: 'oidc', oidc })
  await login.signIn(track.track_id, { userId: AIGERIM })
  const redirect = new URL(await login.consent(track.track_id, 'allow', ['openid']))
  t.same([...redirect.searchParams.keys()], ['x', 'code', 'state'])
  t.equal(redirect.searchParams.get('state'), 'st')
  const code = redirect.searchParams.get('code')!
  t.same(await codes.find(code, DEMO.id, 'oidc'), {
    track_id: track.track_id,
    client_id: DEMO.id,
    user_id: AIGERIM,
    grants: ['openid'],
    oidc: { redirect_uri: 'https://shop.example/cb?x=1', nonce: 'nn', code_challenge: oidc.code_challenge, auth_time: 1893456000 },
    code,
    expires_at: Date.parse('2030-01-01T00:05:00Z')
  })
  t.notOk('kind' in (await tracks.issue({ clientId: DEMO.id, redirectUri: 'https://shop.example/cb', grants: ['openid'] })), 'OAuth2 tracks stay as they were')
})
