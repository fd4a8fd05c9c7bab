import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { StoreUnavailableError } from '../../../src/domain/store.js'
import { INVALID_TOKEN, NO_TOKEN, testApp } from '../../helpers/app.js'
import { AIGERIM, DANIYAR, PASSWORD, approve, authorize, consent, exchange, openLogin, signIn, userData } from '../../helpers/flow.js'

const USER = '/api/v1/oauth/user'
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ALL_USER_GRANTS = ['read.firstname', 'read.lastname', 'read.patronymic', 'read.date_of_birth', 'read.gender', 'read.country',
  'read.nationality', 'read.identifier', 'read.phone', 'read.phones', 'read.email', 'read.emails', 'read.cards']

/** Every documented field, then the sandbox's patronymic and password: the schema's order. */
const ZHANNA = {
  phone: '+77015550909',
  email: 'Zhanna.Karimova@example.com',
  firstname: 'Zhanna',
  lastname: 'Karimova',
  date_of_birth: '1995-07-21',
  identifier: '950721400123',
  country: 'KAZ',
  gender: 'F',
  nationality: 'Kazakh',
  patronymic: 'Bolatovna',
  password: 'Zhanna-Pass1'
}

const invalid = (errors: Record<string, string[]>) => ({ error: { message: 'Error validating transmitted data.', errors } })

/** A live access token: the partner's credential for provisioning. */
async function accessToken (app: FastifyInstance): Promise<string> {
  return (await exchange(app, (await approve(app)).code)).json().access_token
}

const provision = (app: FastifyInstance, method: 'POST' | 'PUT', token: string, payload: unknown) =>
  app.inject({ method, url: USER, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })

async function create (app: FastifyInstance, token: string, payload: object): Promise<string> {
  const res = await provision(app, 'POST', token, payload)
  if (res.statusCode !== 200) throw new Error(`create answered ${res.statusCode}: ${res.body}`)
  return res.json().freedom_id
}

/** Typed sign-in on the login page for a fresh track. */
async function signInWith (app: FastifyInstance, login: string, password: string, grants = ['read.phone']) {
  const { trackId } = await authorize(app, { redirect_uri: 'https://shop.example/cb', grants })
  return { trackId, res: await signIn(app, { track_id: trackId, login, password }) }
}

/** Allow on the consent page, exchange the code, read the user data. */
async function allowAndRead (app: FastifyInstance, trackId: string) {
  const redirect = await consent(app, trackId, 'allow')
  const code = new URL(redirect.headers.location as string).searchParams.get('authorization_code')!
  return (await userData(app, (await exchange(app, code)).json().access_token)).json()
}

t.test('create with only a phone: a new freedom_id, the default password, every other field null', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const res = await provision(app, 'POST', token, { phone: '+77015550909' })
  t.equal(res.statusCode, 200)
  const id = res.json().freedom_id
  t.match(id, UUID_V4)
  t.equal(res.body, JSON.stringify({ freedom_id: id }))
  t.same((await app.sandbox.users.get(id)), { id, phone: '+77015550909', password: PASSWORD })
  t.same((await app.sandbox.users.all()).map((user) => user.id).at(-1), id, 'listed after the fixtures')

  const { trackId, res: signedIn } = await signInWith(app, '8 701 555 09 09', PASSWORD, ALL_USER_GRANTS)
  t.equal(signedIn.statusCode, 303)
  t.equal(signedIn.headers.location, `/login/consent?track_id=${trackId}`)
  const none = { firstname: null, lastname: null, patronymic: null, date_of_birth: null, gender: null, country: null, nationality: null, identifier: null }
  t.strictSame(await allowAndRead(app, trackId), { id, ...none, phone: '+77015550909', phones: [], email: null, emails: [], cards: [] })
})

t.test('create with every field and a password: stored as sent, signs in with that password only', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const id = await create(app, token, ZHANNA)
  t.same((await app.sandbox.users.get(id)), { ...ZHANNA, id })

  const page = await openLogin(app, (await authorize(app)).path)
  t.match(page.body, `data-testid="persona-${id}"`, 'listed as a persona on the login page')
  t.match(page.body, 'Zhanna Karimova')

  t.equal((await signInWith(app, ZHANNA.email, PASSWORD)).res.statusCode, 401, 'the default password is not hers')
  const { trackId, res } = await signInWith(app, 'zhanna.karimova@EXAMPLE.com', ZHANNA.password, ALL_USER_GRANTS)
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/login/consent?track_id=${trackId}`)
  const { password, ...profile } = ZHANNA
  t.same(await allowAndRead(app, trackId), { id, ...profile, phones: [], emails: [], cards: [] })
})

t.test('extra properties are ignored: no chosen id, behaviour, lists or cards', async (t) => {
  const { app } = await testApp(t)
  const id = await create(app, await accessToken(app), {
    phone: '+77015550909', id: AIGERIM, freedom_id: AIGERIM, behaviour: 'locked', phones: ['+77015550910'], cards: [], firstname: 'Zhanna'
  })
  t.not(id, AIGERIM)
  t.same((await app.sandbox.users.get(id)), { id, phone: '+77015550909', password: PASSWORD, firstname: 'Zhanna' })
  t.same((await provision(app, 'POST', await accessToken(app), { freedom_id: AIGERIM, phone: '+77015550101' })).json(),
    invalid({ phone: ['The Phone has already been taken.'] }), 'a stray freedom_id does not make a phone the caller\'s own')
  t.equal((await provision(app, 'POST', await accessToken(app), { freedom_id: '00000000-0000-4000-8000-000000000000', phone: '+77015550910' })).statusCode,
    200, 'nor is it looked up')
})

t.test('every invalid field at once, in the schema order; nothing is created', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const before = (await app.sandbox.users.all()).length
  const res = await provision(app, 'POST', token, {
    phone: '+7 701 555 09 09',
    email: 'zhanna@',
    firstname: '',
    lastname: 42,
    date_of_birth: '2031-02-29',
    identifier: null,
    country: 'kaz',
    gender: 'X',
    nationality: [],
    patronymic: '   ',
    password: ''
  })
  t.equal(res.statusCode, 422)
  t.equal(res.body, JSON.stringify(invalid({
    phone: ['The Phone field format is invalid.'],
    email: ['The Email field must be a valid email address.'],
    firstname: ['The Firstname field is required.'],
    lastname: ['The Lastname field must be a string.'],
    date_of_birth: ['The Date of birth field must be a valid date.'],
    identifier: ['The Identifier field is required.'],
    country: ['The Country field format is invalid.'],
    gender: ['The selected Gender is invalid.'],
    nationality: ['The Nationality field is required.'],
    patronymic: ['The Patronymic field is required.'],
    password: ['The Password field is required.']
  })))
  t.equal((await app.sandbox.users.all()).length, before)

  const formats = await provision(app, 'POST', token, { phone: '+7701555', date_of_birth: '2000/01/01', country: 'KAZA', gender: 'm' })
  t.same(formats.json(), invalid({
    phone: ['The Phone field format is invalid.'],
    date_of_birth: ['The Date of birth field must be a valid date.'],
    country: ['The Country field format is invalid.'],
    gender: ['The selected Gender is invalid.']
  }))
})

t.test('no body, a null body, an array: the required fields are missing', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const headers = { authorization: `Bearer ${token}` }
  for (const [method, field] of [['POST', 'phone'], ['PUT', 'freedom_id']] as const) {
    const missing = invalid({ [field]: [`The ${field === 'phone' ? 'Phone' : 'Freedom id'} field is required.`] })
    t.same((await app.inject({ method, url: USER, headers })).json(), missing, `${method} without a body`)
    for (const payload of ['null', '[]', '{}']) {
      const res = await app.inject({ method, url: USER, headers: { ...headers, 'content-type': 'application/json' }, payload })
      t.equal(res.statusCode, 422)
      t.same(res.json(), missing, `${method} ${payload}`)
    }
  }
})

t.test('phone and e-mail are unique among the personas and provisioned users', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const taken = invalid({ phone: ['The Phone has already been taken.'], email: ['The Email has already been taken.'] })

  const persona = await provision(app, 'POST', token, { phone: '+77015550101', email: 'AIGERIM.Sarsenbayeva@Example.com' })
  t.equal(persona.statusCode, 422)
  t.equal(persona.body, JSON.stringify(taken), 'a persona\'s phone and e-mail (in another case)')

  await create(app, token, ZHANNA)
  t.same((await provision(app, 'POST', token, { phone: ZHANNA.phone, email: ZHANNA.email.toUpperCase() })).json(), taken, 'a provisioned user\'s')
  t.same((await provision(app, 'POST', token, { email: ZHANNA.email, firstname: 'Other' })).json(),
    invalid({ phone: ['The Phone field is required.'], email: ['The Email has already been taken.'] }), 'reported with the other errors')
  t.same((await provision(app, 'POST', token, { phone: ZHANNA.phone, email: 'zhanna@' })).json(),
    invalid({ phone: ['The Phone has already been taken.'], email: ['The Email field must be a valid email address.'] }))
  t.equal((await provision(app, 'POST', token, { phone: '+77015550910', email: 'other@example.com' })).statusCode, 200)
  t.equal((await app.sandbox.users.all()).length, 8, 'six personas and two provisioned users')
})

t.test('update changes only the fields sent', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const id = await create(app, token, ZHANNA)

  const res = await provision(app, 'PUT', token, { freedom_id: id, lastname: 'Sadykova', phone: ZHANNA.phone, email: ZHANNA.email.toLowerCase() })
  t.equal(res.statusCode, 200)
  t.equal(res.body, JSON.stringify({ freedom_id: id }))
  t.same((await app.sandbox.users.get(id)), { ...ZHANNA, id, lastname: 'Sadykova', email: 'zhanna.karimova@example.com' }, 'its own phone and e-mail are not taken')

  t.equal((await provision(app, 'PUT', token, { freedom_id: id })).statusCode, 200, 'nothing to change')
  t.equal((await provision(app, 'PUT', token, { freedom_id: id, phone: '+77015550911', password: 'New-Pass2' })).statusCode, 200)
  t.equal((await signInWith(app, ZHANNA.phone, 'New-Pass2')).res.statusCode, 401, 'the old phone is no login any more')
  t.equal((await signInWith(app, '+77015550911', ZHANNA.password)).res.statusCode, 401, 'the old password neither')
  t.equal((await signInWith(app, '+77015550911', 'New-Pass2')).res.statusCode, 303)
  t.equal((await create(app, token, { phone: ZHANNA.phone })).length, 36, 'the old phone is free again')
})

t.test('update a persona: a new e-mail to sign in with', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  t.equal((await provision(app, 'PUT', token, { freedom_id: DANIYAR, email: 'daniyar.bekov@example.com', gender: 'M' })).statusCode, 200)
  const { trackId, res } = await signInWith(app, 'daniyar.bekov@example.com', PASSWORD, ['read.email', 'read.firstname'])
  t.equal(res.statusCode, 303)
  t.same(await allowAndRead(app, trackId), { id: DANIYAR, firstname: 'Daniyar', email: 'daniyar.bekov@example.com' })
})

t.test('update: a taken phone or e-mail, an unknown or malformed freedom_id', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const id = await create(app, token, ZHANNA)
  const before = structuredClone((await app.sandbox.users.get(id)))

  const taken = await provision(app, 'PUT', token, { freedom_id: id, phone: '+77015550101', email: 'yerlan.zhaksylykov@example.com', firstname: 'Changed' })
  t.equal(taken.statusCode, 422)
  t.equal(taken.body, JSON.stringify(invalid({ phone: ['The Phone has already been taken.'], email: ['The Email has already been taken.'] })))
  t.same((await provision(app, 'PUT', token, { freedom_id: AIGERIM, phone: ZHANNA.phone })).json(),
    invalid({ phone: ['The Phone has already been taken.'] }), 'a persona to a provisioned user\'s phone')
  t.same((await app.sandbox.users.get(id)), before, 'a refused update changes nothing')

  const unknown = await provision(app, 'PUT', token, { freedom_id: '00000000-0000-4000-8000-000000000000', firstname: 'Nobody' })
  t.equal(unknown.statusCode, 422)
  t.equal(unknown.body, JSON.stringify(invalid({ freedom_id: ['The selected Freedom id is invalid.'] })))
  t.same((await provision(app, 'PUT', token, { freedom_id: '00000000-0000-4000-8000-000000000000', phone: ZHANNA.phone, country: 'kz' })).json(), invalid({
    freedom_id: ['The selected Freedom id is invalid.'],
    phone: ['The Phone has already been taken.'],
    country: ['The Country field format is invalid.']
  }), 'every field at once')
  t.same((await provision(app, 'PUT', token, { freedom_id: 'not-a-uuid', gender: 'F' })).json(), invalid({ freedom_id: ['The Freedom id field must be a valid UUID.'] }))
  t.same((await provision(app, 'PUT', token, { freedom_id: 7 })).json(), invalid({ freedom_id: ['The Freedom id field must be a string.'] }))
})

t.test('missing, unknown and expired access tokens: 401, before the body is looked at', async (t) => {
  const { app } = await testApp(t, { accessTtl: 60 })
  const pair = (await exchange(app, (await approve(app)).code)).json()
  const unauthenticated = { error: { message: 'Unauthenticated.', code: 100401 } }
  const before = (await app.sandbox.users.all()).length
  for (const method of ['POST', 'PUT'] as const) {
    const cases: Array<[string | undefined, string]> = [[undefined, NO_TOKEN], ['Bearer nope', INVALID_TOKEN], [`Bearer ${pair.refresh_token}`, INVALID_TOKEN], [`Basic ${pair.access_token}`, NO_TOKEN]]
    for (const [authorization, challenge] of cases) {
      const res = await app.inject({ method, url: USER, headers: authorization === undefined ? {} : { authorization }, payload: { phone: 'bad', freedom_id: DANIYAR } })
      t.equal(res.statusCode, 401, `${method} ${String(authorization).slice(0, 12)}`)
      t.equal(res.headers['www-authenticate'], challenge, `${method} ${String(authorization).slice(0, 12)}`)
      t.same(res.json(), unauthenticated)
    }
  }
  t.equal((await provision(app, 'POST', pair.access_token, { phone: '+77015550909' })).statusCode, 200)
  await app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: 60 } })
  const expired = await provision(app, 'PUT', pair.access_token, { freedom_id: DANIYAR, firstname: 'Expired' })
  t.equal(expired.statusCode, 401, 'expired')
  t.equal(expired.headers['www-authenticate'], INVALID_TOKEN)
  t.equal((await app.sandbox.users.get(DANIYAR))!.firstname, 'Daniyar')
  t.equal((await app.sandbox.users.all()).length, before + 1)
})

t.test('SEED: the same requests give the same freedom_id; another seed another one', async (t) => {
  const run = async (seed: string) => {
    const { app } = await testApp(t, { seed })
    const token = await accessToken(app)
    return [await create(app, token, { phone: '+77015550909' }), await create(app, token, { phone: '+77015550910' })]
  }
  const first = await run('provisioning')
  t.same(await run('provisioning'), first)
  t.not(first[0], first[1])
  const other = await run('another seed')
  t.not(other[0], first[0])
  t.not(other[1], first[1])
})

t.test('racing creates of one phone: both pass the first check, the lock lets one in, the other gets the same 422', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  const answers = await Promise.all([1, 2, 3].map(() => provision(app, 'POST', token, { phone: '+77015550909' })))
  t.same(answers.map((res) => res.statusCode).sort(), [200, 422, 422])
  for (const res of answers.filter((r) => r.statusCode === 422)) t.same(res.json(), invalid({ phone: ['The Phone has already been taken.'] }))
  t.equal((await app.sandbox.users.all()).length, 7, 'one user created')
})

t.test('a store failing under the write answers 503 in the envelope, not a validation error', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  app.sandbox.users.create = async () => { throw new StoreUnavailableError('Redis at redis://127.0.0.1:1/0 failed: Connection is closed.') }
  const res = await provision(app, 'POST', token, { phone: '+77015550909' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: { message: 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.', code: 100503 } })
})

t.test('a phone taken between the check and the write: the write, under the lock, refuses it with the same 422', async (t) => {
  const { app } = await testApp(t)
  const token = await accessToken(app)
  // As if another replica created the user after this request's check had passed.
  app.sandbox.users.taken = async () => []
  const res = await provision(app, 'POST', token, { phone: '+77015550101', email: 'AIGERIM.sarsenbayeva@example.com' })
  t.equal(res.statusCode, 422)
  t.same(res.json(), invalid({ phone: ['The Phone has already been taken.'], email: ['The Email has already been taken.'] }))
  t.equal((await app.sandbox.users.all()).length, 6, 'nobody created')
})
