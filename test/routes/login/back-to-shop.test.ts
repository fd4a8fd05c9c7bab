import t from 'tap'
import { DEMO_AUTH, bundledFixtures, testApp } from '../../helpers/app.js'
import { AIGERIM, authorize, consent, openLogin, signIn } from '../../helpers/flow.js'

// What the login pages tell a person stuck on them: the password to type, and the way back to the shop.

const backLink = (body: string) => /<p><a href="([^"]*)" data-testid="back-to-shop">([^<]*)<\/a> <span class="muted">\(([^)]*)\)<\/span><\/p>/.exec(body)?.slice(1)

t.test('the sign-in page shows the personas\' password, not a pointer to the README', async (t) => {
  const { app } = await testApp(t)
  const { path } = await authorize(app)
  const page = (await openLogin(app, path)).body
  t.match(page, 'One click signs in as one of them. To type instead, their password is <code data-testid="persona-password">Sandbox123!</code>.</p>')
  t.notMatch(page, 'README')

  const { users } = await bundledFixtures()
  const mixed = await testApp(t, {}, { ...await bundledFixtures(), users: [users[0]!, { ...users[1]!, password: 'Other-Pass1' }] })
  const other = (await openLogin(mixed.app, (await authorize(mixed.app)).path)).body
  t.match(other, 'To type instead, use the password set for each of them (the start page, /, lists the bundled ones).</p>')
  t.notMatch(other, 'persona-password')
})

t.test('an expired or used link links back to the shop: the stored redirect_uri\'s origin, never one from the request', async (t) => {
  const { app } = await testApp(t)
  const expired = await authorize(app, { redirect_uri: 'https://shop.example:8443/cb?order=7', grants: ['read.email'] }, DEMO_AUTH)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 601 } })
  const page = await app.inject({ method: 'GET', url: `${expired.path}&redirect_uri=https://evil.example/&shop=https://evil.example/` })
  t.equal(page.statusCode, 410)
  t.same(backLink(page.body), ['https://shop.example:8443', 'Back to Demo Shop', 'shop.example:8443'])
  t.notMatch(page.body, 'evil.example')
  const signInExpired = await signIn(app, { track_id: expired.trackId, persona: AIGERIM })
  t.equal(signInExpired.statusCode, 410)
  t.same(backLink(signInExpired.body)?.[0], 'https://shop.example:8443', 'from the form body\'s track_id too')

  const used = await authorize(app, { redirect_uri: 'http://localhost:3000/callback', grants: ['read.email'] })
  await signIn(app, { track_id: used.trackId, persona: AIGERIM })
  await consent(app, used.trackId, 'allow')
  const again = await openLogin(app, used.path)
  t.equal(again.statusCode, 409)
  t.same(backLink(again.body), ['http://localhost:3000', 'Back to Demo Shop', 'localhost:3000'])
})

t.test('no link where the track is unknown, or the form named none', async (t) => {
  const { app } = await testApp(t)
  const unknown = await openLogin(app, '/login?track_id=3f0c8a9e-5b1d-4c7a-9e2f-6d4b8a1c0e57')
  t.equal(unknown.statusCode, 404)
  t.equal(backLink(unknown.body), undefined)
  t.notMatch(unknown.body, 'back-to-shop')
  const { trackId } = await authorize(app)
  const incomplete = await app.inject({ method: 'POST', url: '/login/consent', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `track_id=${trackId}` })
  t.equal(incomplete.statusCode, 400)
  t.same(backLink(incomplete.body), ['https://shop.example', 'Back to Demo Shop', 'shop.example'], 'the form named a known track')
  const unreadable = await app.inject({ method: 'POST', url: '/login/sign-in', headers: { 'content-type': 'application/json' }, payload: '{' })
  t.equal(unreadable.statusCode, 400)
  t.equal(backLink(unreadable.body), undefined)
  const repeated = await app.inject({ method: 'POST', url: '/login/consent', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `track_id=${trackId}&track_id=${trackId}` })
  t.equal(repeated.statusCode, 400)
  t.equal(backLink(repeated.body), undefined, 'a repeated track_id names no one track')
})
