import t from 'tap'
import { INVALID_TOKEN, NO_TOKEN, testApp } from '../../helpers/app.js'
import { AIGERIM, DANIYAR, approve, exchange, userData } from '../../helpers/flow.js'

const aigerim = {
  id: AIGERIM,
  firstname: 'Aigerim',
  lastname: 'Sarsenbayeva',
  patronymic: 'Nurlanovna',
  date_of_birth: '1992-04-15',
  gender: 'F',
  country: 'KAZ',
  nationality: 'Kazakh',
  identifier: '920415401012',
  phone: '+77015550101',
  phones: ['+77015550101', '+77075550102'],
  email: 'aigerim.sarsenbayeva@example.com',
  emails: ['aigerim.sarsenbayeva@example.com', 'a.sarsenbayeva@example.org'],
  cards: [{ mask: '440043******0101', brand: 'VISA', expire: '09/29' }, { mask: '540012******0102', brand: 'MASTERCARD', expire: '03/28' }]
}

const FIELD_OF_GRANT: Record<string, keyof typeof aigerim | undefined> = {
  'read.email': 'email',
  'read.emails': 'emails',
  'read.phone': 'phone',
  'read.phones': 'phones',
  'read.date_of_birth': 'date_of_birth',
  'read.firstname': 'firstname',
  'read.lastname': 'lastname',
  'read.patronymic': 'patronymic',
  'read.gender': 'gender',
  'read.country': 'country',
  'read.nationality': 'nationality',
  'read.identifier': 'identifier',
  'read.cards': 'cards',
  'read.profile': undefined,
  openid: undefined
}

async function userWith (app: Awaited<ReturnType<typeof testApp>>['app'], grants: string[], persona = AIGERIM) {
  const { code } = await approve(app, { body: { redirect_uri: 'https://shop.example/cb', grants }, persona })
  return userData(app, (await exchange(app, code)).json().access_token)
}

t.test('each grant releases exactly its field, beside id', async (t) => {
  const { app } = await testApp(t)
  for (const [grant, field] of Object.entries(FIELD_OF_GRANT)) {
    const res = await userWith(app, [grant])
    t.equal(res.statusCode, 200, grant)
    t.same(res.json(), field === undefined ? { id: AIGERIM } : { id: AIGERIM, [field]: aigerim[field] }, grant)
  }
})

t.test('all grants: every field, in the documented order', async (t) => {
  const { app } = await testApp(t)
  const res = await userWith(app, Object.keys(FIELD_OF_GRANT).reverse())
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.body, JSON.stringify(aigerim))
})

t.test('granted fields a user does not have are null (lists empty)', async (t) => {
  const { app } = await testApp(t)
  const res = await userWith(app, ['read.email', 'read.patronymic', 'read.emails', 'read.cards', 'read.firstname'], DANIYAR)
  t.same(res.json(), { id: DANIYAR, firstname: 'Daniyar', patronymic: null, email: null, emails: [], cards: [] })
})

t.test('missing, unknown and expired access tokens: 401', async (t) => {
  const { app } = await testApp(t, { accessTtl: 60 })
  const pair = (await exchange(app, (await approve(app)).code)).json()
  const unauthenticated = { error: { message: 'Unauthenticated.', code: 100401 } }
  // RFC 6750 section 3.1: no Bearer credentials, no error code; a bad token, error="invalid_token".
  const cases: Array<[string | undefined, string]> = [[undefined, NO_TOKEN], ['Bearer nope', INVALID_TOKEN], [`Bearer ${pair.refresh_token}`, INVALID_TOKEN],
    ['Bearer', INVALID_TOKEN], ['Bearer a b', INVALID_TOKEN], [`Token ${pair.access_token}`, NO_TOKEN]]
  for (const [authorization, challenge] of cases) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: authorization === undefined ? {} : { authorization } })
    t.equal(res.statusCode, 401, String(authorization).slice(0, 12))
    t.equal(res.headers['www-authenticate'], challenge, String(authorization).slice(0, 12))
    t.same(res.json(), unauthenticated)
  }
  t.equal((await userData(app, pair.access_token)).statusCode, 200)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  const expired = await userData(app, pair.access_token)
  t.equal(expired.statusCode, 401, 'expired')
  t.equal(expired.headers['www-authenticate'], INVALID_TOKEN)
})
