import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { BUNDLED_FIXTURES } from '../../src/config.js'
import { FixtureError, createFixturesCache, loadFixtures, validateFixtures } from '../../src/domain/fixtures.js'
import { isValidIin } from '../../src/domain/iin.js'

const validClient = { client_id: '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70', client_secret: 's', name: 'Shop' }
const validUser = {
  id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01',
  phone: '+77015550101',
  password: 'p',
  firstname: 'A',
  lastname: 'B',
  date_of_birth: '1992-04-15',
  gender: 'F',
  country: 'KAZ',
  nationality: 'Kazakh',
  identifier: '920415401012'
}

async function folder (t: Test, clients: unknown, users: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fid-fixtures-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  if (clients !== undefined) await writeFile(join(dir, 'clients.json'), typeof clients === 'string' ? clients : JSON.stringify(clients))
  if (users !== undefined) await writeFile(join(dir, 'users.json'), typeof users === 'string' ? users : JSON.stringify(users))
  return dir
}

async function problems (t: Test, clients: unknown, users: unknown): Promise<string[]> {
  const dir = await folder(t, clients, users)
  const error = await loadFixtures(dir).then(() => undefined, (e: unknown) => e)
  t.ok(error instanceof FixtureError)
  return (error as FixtureError).problems.map((p) => p.replace(dir, '<dir>'))
}

t.test('the bundled fixtures load and cover the personas the docs need', async (t) => {
  const { clients, users } = await loadFixtures(BUNDLED_FIXTURES)
  t.equal(clients.length, 3)
  t.ok(clients.some((c) => c.redirect_uris === undefined && c.grants === undefined), 'one open client')
  t.ok(clients.some((c) => c.redirect_uris !== undefined && c.grants !== undefined), 'one restricted client')
  t.ok(users.length >= 6)
  for (const user of users) {
    t.ok(isValidIin(user.identifier), `${user.firstname}: valid IIN`)
    t.match(user.phone, /^\+7\d{10}$/)
    t.equal(user.country, 'KAZ')
    t.equal(user.identifier.slice(0, 6), user.date_of_birth.slice(2).replaceAll('-', ''), `${user.firstname}: IIN starts with the birth date`)
  }
  t.ok(users.some((u) => (u.phones?.length ?? 0) > 1 && (u.emails?.length ?? 0) > 1 && (u.cards?.length ?? 0) > 1), 'a complete profile')
  t.ok(users.some((u) => u.email === undefined && u.patronymic === undefined), 'a minimal profile')
  for (const behaviour of ['deny_consent', 'locked', 'kyc_fails']) {
    t.ok(users.some((u) => u.behaviour === behaviour), behaviour)
  }
})

t.test('every problem names the file, the record and the field', async (t) => {
  t.same(await problems(t,
    [validClient, { ...validClient, client_id: 'nope', redirect_uris: ['ftp://x'], grants: ['read.all'] }],
    [validUser, { ...validUser, id: '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02', phone: '77015550102', identifier: '920415401013', gender: 'X' }]
  ), [
    '<dir>/clients.json: record 1 (client_id nope): field client_id: Expected string to match \'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$\'',
    '<dir>/clients.json: record 1 (client_id nope): field redirect_uris.0: Expected string to match \'http-url\' format',
    '<dir>/clients.json: record 1 (client_id nope): field grants.0: Expected union value',
    '<dir>/users.json: record 1 (id 8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02): field phone: Expected string to match \'^\\+\\d{10,15}$\'',
    '<dir>/users.json: record 1 (id 8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02): field gender: Expected union value'
  ])
})

t.test('checks beyond the schema: IIN check digit, calendar dates, uniqueness', async (t) => {
  t.same(await problems(t, [validClient, validClient], [
    { ...validUser, identifier: '920415401013', date_of_birth: '1992-02-30' },
    { ...validUser, id: '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02', email: 'a@example.com' },
    { ...validUser, id: '1d4e6f8a-2b3c-4e5f-a6b7-c8d9e0f1a203', phone: '+77015550199', email: 'A@example.com' }
  ]), [
    '<dir>/clients.json: record 1 (client_id 0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70): field client_id: "0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70" is already used by record 0',
    '<dir>/users.json: record 0 (id 5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01): field identifier: is not a valid IIN (its check digit is wrong)',
    '<dir>/users.json: record 0 (id 5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01): field date_of_birth: 1992-02-30 is not a calendar date',
    '<dir>/users.json: record 1 (id 8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02): field phone: "+77015550101" is already used by record 0',
    '<dir>/users.json: record 2 (id 1d4e6f8a-2b3c-4e5f-a6b7-c8d9e0f1a203): field email: "A@example.com" is already used by record 1'
  ])
})

t.test('unknown fields, missing fields and non-object records', async (t) => {
  const { password, ...noPassword } = validUser
  t.ok(password)
  t.same(await problems(t, [{ ...validClient, secret: 'x' }], [noPassword, 'user', null]), [
    '<dir>/clients.json: record 0 (client_id 0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70): field secret: Unexpected property',
    '<dir>/users.json: record 0 (id 5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01): field password: Expected required property',
    '<dir>/users.json: record 1: field (record): Expected object',
    '<dir>/users.json: record 2: field (record): Expected object'
  ])
})

t.test('unreadable, malformed and wrongly shaped files', async (t) => {
  t.same(await problems(t, undefined, '{"a": 1}'), [
    '<dir>/clients.json: cannot be read (ENOENT)',
    '<dir>/users.json: expected a JSON array of records'
  ])
  const [malformed] = await problems(t, '[{', [])
  t.match(malformed, /^<dir>\/clients\.json: is not valid JSON \(.+\)$/)
  const error = await loadFixtures('/nonexistent/fixtures').catch((e: FixtureError) => e)
  t.equal((error as FixtureError).message, 'invalid fixtures, nothing was started:\n' +
    '  /nonexistent/fixtures/clients.json: cannot be read (ENOENT)\n' +
    '  /nonexistent/fixtures/users.json: cannot be read (ENOENT)')
})

t.test('a revoke_uri is an http(s) URL, or a path naming this sandbox itself', async (t) => {
  const users = [validUser]
  for (const revoke of ['https://shop.example/freedom-id/revoke', 'http://127.0.0.1:3000/revoke', '/demo/revoke', '/hooks/revoke?from=freedom-id']) {
    const dir = await folder(t, [{ ...validClient, revoke_uri: revoke }], users)
    t.equal((await loadFixtures(dir)).clients[0]!.revoke_uri, revoke, revoke)
  }
  for (const revoke of ['//evil.example/revoke', 'demo/revoke', '/demo revoke', '/demo#x', '/\\evil', 'ftp://shop.example/revoke', '']) {
    t.same(await problems(t, [{ ...validClient, revoke_uri: revoke }], users), [
      `<dir>/clients.json: record 0 (client_id ${validClient.client_id}): field revoke_uri: Expected string to match 'revoke-uri' format`
    ], JSON.stringify(revoke))
  }
})

t.test('createFixturesCache: a folder validated once while its files stay the same; each caller its own copy; an edit seen at once', async (t) => {
  let validations = 0
  const load = createFixturesCache((dir, texts) => { validations++; return validateFixtures(dir, texts) })
  const first = await load(BUNDLED_FIXTURES)
  t.same(first, await loadFixtures(BUNDLED_FIXTURES), 'what loadFixtures gives')
  first.users[0]!.firstname = 'Changed by one sandbox'
  first.clients.pop()
  const second = await load(BUNDLED_FIXTURES)
  t.equal(validations, 1, 'the second call validated nothing')
  t.same(second, await loadFixtures(BUNDLED_FIXTURES), 'and is untouched by what the first caller did to its copy')
  t.not(second.users, (await load(BUNDLED_FIXTURES)).users, 'a new copy each call')

  const dir = await folder(t, [validClient], [validUser])
  t.equal((await load(dir)).users[0]!.firstname, 'A')
  await writeFile(join(dir, 'users.json'), JSON.stringify([{ ...validUser, firstname: 'Edited' }]))
  t.equal((await load(dir)).users[0]!.firstname, 'Edited', 'an edited file is read again')
  await writeFile(join(dir, 'users.json'), '[{')
  await t.rejects(load(dir), FixtureError, 'a broken edit fails as loadFixtures does')
  await t.rejects(load(dir), FixtureError, 'and is not kept')
  await writeFile(join(dir, 'users.json'), JSON.stringify([validUser]))
  t.equal((await load(dir)).users[0]!.firstname, 'A', 'mended, it loads')
  t.equal(validations, 6, 'validated again only when a file changed or had failed')
})
