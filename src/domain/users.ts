import { createHash, timingSafeEqual } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import type { User } from './fixtures.js'
import type { Grant } from './grants.js'

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()

/** `+7 (701) 555-01-01`, `87015550101` and `77015550101` all name +77015550101; e-mails ignore case. */
export function normalizeLogin (login: string): string {
  const trimmed = login.trim()
  if (trimmed.includes('@')) return trimmed.toLowerCase()
  const digits = trimmed.replace(/[\s()-]/g, '')
  if (/^8\d{10}$/.test(digits)) return `+7${digits.slice(1)}`
  if (/^7\d{10}$/.test(digits)) return `+${digits}`
  return digits
}

export interface UserDirectory {
  all(): User[]
  get(id: string): User | undefined
  /** The user whose phone or e-mail is `login`, with this password (compared in constant time). */
  authenticate(login: string, password: string): User | undefined
  /** A user by id, phone or e-mail. */
  find(ref: string): User | undefined
}

export function createUserDirectory (users: User[]): UserDirectory {
  const byId = new Map(users.map((u) => [u.id, u]))
  const byLogin = new Map<string, User>()
  for (const user of users) {
    byLogin.set(normalizeLogin(user.phone), user)
    if (user.email !== undefined) byLogin.set(normalizeLogin(user.email), user)
  }
  const decoy = digest('no such user')
  return {
    all: () => users,
    get: (id) => byId.get(id),
    authenticate (login, password) {
      const user = byLogin.get(normalizeLogin(login))
      const matches = timingSafeEqual(digest(password), user === undefined ? decoy : digest(user.password))
      return matches ? user : undefined
    },
    find: (ref) => byId.get(ref) ?? byLogin.get(normalizeLogin(ref))
  }
}

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

/** The user-data reply: `id` and exactly the fields the grants allow, in the docs' order. */
export const UserInfoSchema = Type.Object({
  id: Type.String({ description: 'The user\'s Freedom ID (= freedom_id = OIDC sub)' }),
  firstname: Type.Optional(Type.String()),
  lastname: Type.Optional(Type.String()),
  patronymic: Type.Optional(Nullable(Type.String())),
  date_of_birth: Type.Optional(Type.String({ description: 'Y-m-d' })),
  gender: Type.Optional(Type.String({ description: 'M or F' })),
  country: Type.Optional(Type.String({ description: 'ISO 3166 alpha-3 (citizenship)' })),
  nationality: Type.Optional(Type.String()),
  identifier: Type.Optional(Type.String({ description: 'IIN' })),
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
