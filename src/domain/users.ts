import { Type, type Static } from '@sinclair/typebox'
import type { User } from './fixtures.js'
import type { Grant } from './grants.js'
import { digest, matchesDigest } from './secrets.js'
import type { Store } from './store.js'

/** `+7 (701) 555-01-01`, `87015550101` and `77015550101` all name +77015550101; e-mails ignore case. */
export function normalizeLogin (login: string): string {
  const trimmed = login.trim()
  if (trimmed.includes('@')) return trimmed.toLowerCase()
  const digits = trimmed.replace(/[\s()-]/g, '')
  if (/^8\d{10}$/.test(digits)) return `+7${digits.slice(1)}`
  if (/^7\d{10}$/.test(digits)) return `+${digits}`
  return digits
}

/** What a partner may set through provisioning (POST / PUT /api/v1/oauth/user); lists, cards and behaviour stay fixture-only. */
export type ProfileFields = Partial<Pick<User,
  'phone' | 'email' | 'password' | 'firstname' | 'lastname' | 'patronymic' | 'date_of_birth' | 'gender' | 'country' | 'nationality' | 'identifier'>>

export type NewUser = ProfileFields & Pick<User, 'id' | 'phone' | 'password'>

/** The password of provisioned users created without one, the same as every bundled persona's. */
export const DEFAULT_PASSWORD = 'Sandbox123!'

export interface UserDirectory {
  /** How many users users.json holds. */
  readonly fixtureCount: number
  /** The fixture users (as updated), then the provisioned ones in creation order. */
  all(): Promise<User[]>
  /**
   * What the login page lists: the fixture users (as updated), then the `newest` provisioned ones,
   * newest first, and whether older ones were left out. Reads no more than that, however many there are.
   */
  personas(newest: number): Promise<{ users: User[], more: boolean }>
  get(id: string): Promise<User | undefined>
  /** The user whose phone or e-mail is `login`, with this password (compared in constant time). */
  authenticate(login: string, password: string): Promise<User | undefined>
  /** A user by id, phone or e-mail. */
  find(ref: string): Promise<User | undefined>
  /** Which of these logins belong to a user other than `self` (phones normalized, e-mails in any case). */
  taken(logins: Pick<ProfileFields, 'phone' | 'email'>, self?: string): Promise<Array<'phone' | 'email'>>
  /** Adds a provisioned user; throws LoginTaken when its phone or e-mail is someone else's. */
  create(user: NewUser): Promise<User>
  /** Changes only the fields given; undefined for an unknown id. Throws LoginTaken as create does. */
  update(id: string, changes: ProfileFields): Promise<User | undefined>
}

/** A phone or e-mail already belongs to another user (checked again under the lock, so a racing request loses). */
export class LoginTaken extends Error {
  readonly fields: Array<'phone' | 'email'>

  constructor (fields: Array<'phone' | 'email'>) {
    super(`${fields.join(' and ')} already taken`)
    this.name = 'LoginTaken'
    this.fields = fields
  }
}

const loginsOf = (user: User): string[] =>
  user.email === undefined ? [normalizeLogin(user.phone)] : [normalizeLogin(user.phone), normalizeLogin(user.email)]

/** Only the keys that hold a value, so an absent field stays absent (user data then answers null). */
const defined = <T extends object>(fields: T): T =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T

/** Provisioned users remembered in creation order (the login page's persona list). */
export const PROVISIONED_CAP = 100_000

/**
 * The fixture users, read-only in memory, with an overlay in the store: provisioned users and
 * changed fixture users by id, and an index from each of their logins to the id. Reads need no
 * lock; create and update check uniqueness and write under one lock, on every replica.
 */
export function createUserDirectory (fixtures: User[], store: Store): UserDirectory {
  const fixtureById = new Map(fixtures.map((user) => [user.id, user]))
  const fixtureByLogin = new Map(fixtures.flatMap((user) => loginsOf(user).map((login) => [login, user] as const)))
  const overlay = store.collection<User>('users')
  // Up to two logins (phone, e-mail) per user: the index keeps as many users as the overlay.
  const logins = store.collection<string>('user-logins', { capScale: 2 })
  const provisioned = store.list<string>('users-provisioned', PROVISIONED_CAP)

  const get = async (id: string): Promise<User | undefined> => await overlay.get(id) ?? fixtureById.get(id)
  const byLogin = async (login: string): Promise<User | undefined> => {
    const normalized = normalizeLogin(login)
    const id = await logins.get(normalized)
    if (id !== undefined) return get(id)
    // A fixture user still owns its login unless the overlay holds a changed copy (whose logins are all indexed).
    const fixture = fixtureByLogin.get(normalized)
    return fixture === undefined || await overlay.get(fixture.id) !== undefined ? undefined : fixture
  }
  const taken: UserDirectory['taken'] = async (wanted, self) => {
    const fields: Array<'phone' | 'email'> = []
    for (const field of ['phone', 'email'] as const) {
      const value = wanted[field]
      const owner = value === undefined ? undefined : await byLogin(value)
      if (owner !== undefined && owner.id !== self) fields.push(field)
    }
    return fields
  }
  const assertFree = async (wanted: Pick<ProfileFields, 'phone' | 'email'>, self?: string): Promise<void> => {
    const fields = await taken(wanted, self)
    if (fields.length > 0) throw new LoginTaken(fields)
  }
  const save = async (user: User, previous?: User): Promise<void> => {
    await overlay.put(user.id, user, Infinity)
    const now = loginsOf(user)
    for (const login of previous === undefined ? [] : loginsOf(previous)) {
      if (!now.includes(login)) await logins.delete(login)
    }
    for (const login of now) await logins.put(login, user.id, Infinity)
  }

  const decoy = digest('no such user')
  return {
    fixtureCount: fixtures.length,
    async all () {
      const ids = [...fixtureById.keys(), ...await provisioned.items()]
      const users = await Promise.all(ids.map(get))
      return users.filter((user) => user !== undefined)
    },
    async personas (newest) {
      const recent = await provisioned.last(newest + 1)
      const shown = recent.slice(Math.max(0, recent.length - newest)).reverse()
      const users = await Promise.all([...fixtureById.keys(), ...shown].map(get))
      return { users: users.filter((user) => user !== undefined), more: recent.length > newest }
    },
    get,
    async authenticate (login, password) {
      const user = await byLogin(login)
      const matches = matchesDigest(password, user === undefined ? decoy : digest(user.password))
      return matches ? user : undefined
    },
    find: async (ref) => await get(ref) ?? byLogin(ref),
    taken,
    create: (user) => store.withLock('users', async () => {
      if (await get(user.id) !== undefined) throw new Error(`user ${user.id} already exists`)
      await assertFree(user)
      // A provisioned user holds only what the partner sent; the fixture type's other profile fields read as absent.
      const created = defined(user) as User
      await save(created)
      await provisioned.push(created.id)
      return created
    }),
    update: (id, changes) => store.withLock('users', async () => {
      const current = await get(id)
      if (current === undefined) return undefined
      await assertFree(changes, id)
      const updated: User = { ...current, ...defined(changes) }
      await save(updated, current)
      return updated
    })
  }
}

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

/** The user-data reply: `id` and exactly the fields the grants allow, in the docs' order (null: a provisioned user without it). */
export const UserInfoSchema = Type.Object({
  id: Type.String({ description: 'The user\'s Freedom ID (= freedom_id = OIDC sub)' }),
  firstname: Type.Optional(Nullable(Type.String())),
  lastname: Type.Optional(Nullable(Type.String())),
  patronymic: Type.Optional(Nullable(Type.String())),
  date_of_birth: Type.Optional(Nullable(Type.String({ description: 'Y-m-d' }))),
  gender: Type.Optional(Nullable(Type.String({ description: 'M or F' }))),
  country: Type.Optional(Nullable(Type.String({ description: 'ISO 3166 alpha-3 (citizenship)' }))),
  nationality: Type.Optional(Nullable(Type.String())),
  identifier: Type.Optional(Nullable(Type.String({ description: 'IIN' }))),
  phone: Type.Optional(Type.String()),
  phones: Type.Optional(Type.Array(Type.String())),
  email: Type.Optional(Nullable(Type.String())),
  emails: Type.Optional(Type.Array(Type.String())),
  cards: Type.Optional(Type.Array(Type.Object({ mask: Type.String(), brand: Type.String(), expire: Type.String() })))
})

export type UserInfo = Static<typeof UserInfoSchema>

const FIELD_OF_GRANT: Partial<Record<Grant, keyof UserInfo & keyof User>> = {
  'read.firstname': 'firstname',
  'read.lastname': 'lastname',
  'read.patronymic': 'patronymic',
  'read.date_of_birth': 'date_of_birth',
  'read.gender': 'gender',
  'read.country': 'country',
  'read.nationality': 'nationality',
  'read.identifier': 'identifier',
  'read.phone': 'phone',
  'read.phones': 'phones',
  'read.email': 'email',
  'read.emails': 'emails',
  'read.cards': 'cards'
}

const LIST_FIELDS = new Set(['phones', 'emails', 'cards'])

/** What a client with these grants sees of a user; a granted field the user lacks is null (a list: empty). */
export function userInfo (user: User, grants: Grant[]): UserInfo {
  const info: Record<string, unknown> = { id: user.id }
  for (const grant of grants) {
    const field = FIELD_OF_GRANT[grant]
    if (field !== undefined) info[field] = user[field] ?? (LIST_FIELDS.has(field) ? [] : null)
  }
  return info as UserInfo
}
