import t from 'tap'
import { createMemoryStore } from '../../src/domain/store.js'
import { LoginTaken, createUserDirectory, normalizeLogin } from '../../src/domain/users.js'
import { bundledFixtures } from '../helpers/app.js'

t.test('logins: phones in common spellings, e-mails in any case', async (t) => {
  t.equal(normalizeLogin('+7 (701) 555-01-01'), '+77015550101')
  t.equal(normalizeLogin('87015550101'), '+77015550101')
  t.equal(normalizeLogin('77015550101'), '+77015550101')
  t.equal(normalizeLogin('+998901234567'), '+998901234567')
  t.equal(normalizeLogin(' A.B@Example.COM '), 'a.b@example.com')
})

const directory = async () => {
  const fixtures = (await bundledFixtures()).users
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  return { fixtures, store, users: createUserDirectory(fixtures, store) }
}

t.test('find by id, phone or e-mail; authenticate checks the password', async (t) => {
  const { users } = await directory()
  const aigerim = (await users.get('5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01'))!
  t.equal(await users.find('+77015550101'), aigerim)
  t.equal(await users.find('aigerim.sarsenbayeva@example.com'), aigerim)
  t.equal(await users.find(aigerim.id), aigerim)
  t.equal(await users.find('nobody'), undefined)
  t.equal(await users.authenticate('87015550101', 'Sandbox123!'), aigerim)
  t.equal(await users.authenticate('87015550101', 'sandbox123!'), undefined)
  t.equal(await users.authenticate('nobody@example.com', 'no such user'), undefined)
  t.equal((await users.all()).length, 6)
  t.equal(users.fixtureCount, 6)
})

const AIGERIM = '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01'
const DANIYAR = '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02'
const NEW_ID = '11111111-2222-4333-8444-555555555555'

t.test('create: a provisioned user after the fixtures, found and signed in like a persona', async (t) => {
  const { users, fixtures } = await directory()
  const zhanna = await users.create({ id: NEW_ID, phone: '+77015550909', email: 'Zhanna@Example.com', password: 'pw', firstname: undefined })
  t.same(zhanna, { id: NEW_ID, phone: '+77015550909', email: 'Zhanna@Example.com', password: 'pw' }, 'undefined fields are left out')
  t.same((await users.all()).map((user) => user.id), [...fixtures.map((user) => user.id), NEW_ID])
  t.same(await users.get(NEW_ID), zhanna)
  t.same(await users.find('8 701 555 09 09'), zhanna)
  t.same(await users.find('zhanna@example.com'), zhanna)
  t.same(await users.authenticate('ZHANNA@example.com', 'pw'), zhanna)
  t.equal(await users.authenticate('+77015550909', 'Sandbox123!'), undefined)
  await t.rejects(users.create({ id: NEW_ID, phone: '+77015550910', password: 'pw' }), { message: `user ${NEW_ID} already exists` })
  const refused = await users.create({ id: 'other', phone: '87015550101', email: 'ZHANNA@example.COM', password: 'pw' }).catch((e: unknown) => e)
  t.ok(refused instanceof LoginTaken)
  t.match(refused, { message: 'phone and email already taken', fields: ['phone', 'email'] })
  t.equal((await users.all()).length, 7, 'a refused create adds nobody')
})

t.test('racing creates of one phone: exactly one wins, under the lock', async (t) => {
  const { users } = await directory()
  const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => users.create({ id, phone: '+77015550909', password: 'pw' })))
  t.same(results.map((r) => r.status).sort(), ['fulfilled', 'rejected', 'rejected'])
  t.equal((await users.all()).length, 7)
})

t.test('taken: phones in any spelling, e-mails in any case, never the user itself', async (t) => {
  const { users } = await directory()
  t.same(await users.taken({ phone: '8 (701) 555-01-01', email: 'Aigerim.Sarsenbayeva@EXAMPLE.com' }), ['phone', 'email'])
  t.same(await users.taken({ phone: '+77015550101', email: 'yerlan.zhaksylykov@example.com' }, AIGERIM), ['email'], 'its own phone is not taken')
  t.same(await users.taken({ phone: '+77015550999' }), [])
  t.same(await users.taken({}), [])
  t.same(await users.taken({ email: 'a.sarsenbayeva@example.org' }), [], 'only the primary e-mail is a login')
})

t.test('update: only the given fields change; a fixture is replaced, not mutated', async (t) => {
  const { users, fixtures } = await directory()
  const original = structuredClone(fixtures)
  const daniyar = (await users.get(DANIYAR))!
  const updated = (await users.update(DANIYAR, { email: 'Daniyar@example.com', phone: '+77025550299', lastname: undefined }))!
  t.same(updated, { ...daniyar, email: 'Daniyar@example.com', phone: '+77025550299' })
  t.same(fixtures, original, 'the fixture records are untouched')
  t.same(await users.get(DANIYAR), updated)
  t.same((await users.all())[1], updated, 'in its place among the fixtures')
  t.equal(await users.find('+77025550202'), undefined, 'the old phone is no login any more')
  t.same(await users.authenticate('daniyar@EXAMPLE.com', 'Sandbox123!'), updated)
  t.same(await users.update(DANIYAR, { phone: '+77025550299' }), updated, 'its own phone is fine')
  t.same(await users.taken({ phone: '+77025550202' }), [], 'the old phone is free for others')
  await t.rejects(users.update(DANIYAR, { email: 'aigerim.sarsenbayeva@example.com' }), { message: 'email already taken' })
  t.same(await users.get(DANIYAR), updated, 'a refused update changes nothing')
  t.equal(await users.update('no such id', { firstname: 'Nobody' }), undefined)
})

t.test('a store reset: every provisioned user and every change gone, the fixtures as loaded', async (t) => {
  const { users, fixtures, store } = await directory()
  await users.create({ id: NEW_ID, phone: '+77015550909', email: 'zhanna@example.com', password: 'pw' })
  await users.update(AIGERIM, { phone: '+77015550111', email: 'aigerim@example.com', password: 'changed' })
  await store.clear()
  t.same(await users.all(), fixtures)
  t.equal((await users.all())[0], fixtures[0], 'the very fixture records')
  t.equal(await users.get(NEW_ID), undefined)
  t.equal(await users.find('+77015550909'), undefined)
  t.equal(await users.find('zhanna@example.com'), undefined)
  t.equal(await users.find('+77015550111'), undefined)
  t.equal(await users.find('aigerim@example.com'), undefined)
  t.equal(await users.authenticate('+77015550101', 'Sandbox123!'), fixtures[0])
  t.same(await users.taken({ phone: '+77015550909' }), [], 'a provisioned phone is free again')
  t.equal((await users.create({ id: NEW_ID, phone: '+77015550909', password: 'pw' })).id, NEW_ID, 'and so is its id')
})

t.test('as many provisioned users as the store keeps of any kind still sign in by phone and by e-mail', async (t) => {
  const fixtures = (await bundledFixtures()).users
  const store = createMemoryStore({ now: () => 0, maxEntries: 100, sweepIntervalMs: 0 })
  const users = createUserDirectory(fixtures, store)
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
  for (let n = 0; n < 99; n++) await users.create({ id: id(n), phone: `+7701000${String(n).padStart(4, '0')}`, email: `user${n}@example.com`, password: 'pw' })
  t.equal(await store.collection('user-logins').size(), 198, 'two logins each, all kept')
  t.equal((await users.authenticate('+77010000000', 'pw'))?.id, id(0))
  t.equal((await users.authenticate('user0@example.com', 'pw'))?.id, id(0))
})
