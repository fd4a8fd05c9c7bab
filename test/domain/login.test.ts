import t from 'tap'
import { LoginError, redirectWith } from '../../src/domain/login.js'
import { testApp } from '../helpers/app.js'
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
