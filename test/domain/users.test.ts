import t from 'tap'
import { createUserDirectory, normalizeLogin } from '../../src/domain/users.js'
import { bundledFixtures } from '../helpers/app.js'

t.test('logins: phones in common spellings, e-mails in any case', async (t) => {
  t.equal(normalizeLogin('+7 (701) 555-01-01'), '+77015550101')
  t.equal(normalizeLogin('87015550101'), '+77015550101')
  t.equal(normalizeLogin('77015550101'), '+77015550101')
  t.equal(normalizeLogin('+998901234567'), '+998901234567')
  t.equal(normalizeLogin(' A.B@Example.COM '), 'a.b@example.com')
})

t.test('find by id, phone or e-mail; authenticate checks the password', async (t) => {
  const users = createUserDirectory((await bundledFixtures()).users)
  const aigerim = users.get('5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01')!
  t.equal(users.find('+77015550101'), aigerim)
  t.equal(users.find('aigerim.sarsenbayeva@example.com'), aigerim)
  t.equal(users.find(aigerim.id), aigerim)
  t.equal(users.find('nobody'), undefined)
  t.equal(users.authenticate('87015550101', 'Sandbox123!'), aigerim)
  t.equal(users.authenticate('87015550101', 'sandbox123!'), undefined)
  t.equal(users.authenticate('nobody@example.com', 'no such user'), undefined)
  t.equal(users.all().length, 6)
})
