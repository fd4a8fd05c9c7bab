import { Type, type Static } from '@sinclair/typebox'
import type { User } from './fixtures.js'
import type { Grant } from './grants.js'
import { digest, matchesDigest } from './secrets.js'

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
  /** The fixture users (as updated), then the provisioned ones in creation order. */
  all(): User[]
  get(id: string): User | undefined
  /** The user whose phone or e-mail is `login`, with this password (compared in constant time). */
  authenticate(login: string, password: string): User | undefined
  /** A user by id, phone or e-mail. */
  find(ref: string): User | undefined
  /** Which of these logins belong to a user other than `self` (phones normalized, e-mails in any case). */
  taken(logins: Pick<ProfileFields, 'phone' | 'email'>, self?: string): Array<'phone' | 'email'>
  /** Adds a provisioned user; its phone and e-mail must not be taken. */
  create(user: NewUser): User
  /** Changes only the fields given; undefined for an unknown id. A fixture user is replaced, never mutated. */
  update(id: string, changes: ProfileFields): User | undefined
  /** Drops every provisioned user and every change: the fixtures as loaded. */
  reset(): void
}

const loginsOf = (user: User): string[] =>
  user.email === undefined ? [normalizeLogin(user.phone)] : [normalizeLogin(user.phone), normalizeLogin(user.email)]

/** Only the keys that hold a value, so an absent field stays absent (user data then answers null). */
const defined = <T extends object>(fields: T): T =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T

/**
 * The fixture users with an in-memory overlay of provisioned users and changes. Synchronous: a
 * uniqueness check and the write that follows it cannot interleave with another request.
 */
export function createUserDirectory (fixtures: User[]): UserDirectory {
  // Insertion order is all()'s order: fixtures first, an updated one keeps its place.
  const byId = new Map<string, User>()
  const byLogin = new Map<string, User>()
  let list: User[] | undefined

  const index = (user: User): void => {
    byId.set(user.id, user)
    for (const login of loginsOf(user)) byLogin.set(login, user)
    list = undefined
  }
  const reset = (): void => {
    byId.clear()
    byLogin.clear()
    for (const user of fixtures) index(user)
  }
  const assertFree = (logins: Pick<ProfileFields, 'phone' | 'email'>, self?: string): void => {
    const taken = directory.taken(logins, self)
    if (taken.length > 0) throw new Error(`${taken.join(' and ')} already taken`)
  }
  reset()

  const decoy = digest('no such user')
  const directory: UserDirectory = {
    all: () => (list ??= [...byId.values()]),
    get: (id) => byId.get(id),
    authenticate (login, password) {
      const user = byLogin.get(normalizeLogin(login))
      const matches = matchesDigest(password, user === undefined ? decoy : digest(user.password))
      return matches ? user : undefined
    },
    find: (ref) => byId.get(ref) ?? byLogin.get(normalizeLogin(ref)),
    taken: (logins, self) => (['phone', 'email'] as const).filter((field) => {
      const value = logins[field]
      const owner = value === undefined ? undefined : byLogin.get(normalizeLogin(value))
      return owner !== undefined && owner.id !== self
    }),
    create (user) {
      if (byId.has(user.id)) throw new Error(`user ${user.id} already exists`)
      assertFree(user)
      // A provisioned user holds only what the partner sent; the fixture type's other profile fields read as absent.
      const created = defined(user) as User
      index(created)
      return created
    },
    update (id, changes) {
      const current = byId.get(id)
      if (current === undefined) return undefined
      assertFree(changes, id)
      const updated: User = { ...current, ...defined(changes) }
      for (const login of loginsOf(current)) byLogin.delete(login)
      index(updated)
      return updated
    },
    reset
  }
  return directory
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
