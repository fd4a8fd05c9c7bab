import { Type } from '@sinclair/typebox'

/**
 * The grants (scopes) Freedom ID documents, in the order of its full example list, with the user
 * field each one releases and the words the login page shows for it.
 */
export const GRANTS = [
  'read.email',
  'read.emails',
  'read.phone',
  'read.phones',
  'read.date_of_birth',
  'read.firstname',
  'read.lastname',
  'read.patronymic',
  'read.gender',
  'read.country',
  'read.nationality',
  'read.identifier',
  'read.profile',
  'read.cards',
  'openid'
] as const

export type Grant = typeof GRANTS[number]

/** Grants one request may list (there are 15; repeats are allowed): Ajv checks no more elements than this. */
export const MAX_GRANTS = 100

/** One grant name, as TypeBox checks the fixtures: a union of literals. */
export const GrantLiteralSchema = Type.Union(GRANTS.map((grant) => Type.Literal(grant)), { title: 'Grant' })

/**
 * One grant name, as Ajv checks requests: one enum. It fails under the same rule as the union
 * (Laravel's `in`, whatever was sent), and Ajv compiles it in a fraction of the time: a union of
 * 15 literals was most of what a sandbox's first sign-in paid to compile its schemas.
 */
export const GrantSchema = Type.Unsafe<Grant>({ enum: [...GRANTS], title: 'Grant' })

const KNOWN: ReadonlySet<string> = new Set(GRANTS)

export const isGrant = (value: unknown): value is Grant => typeof value === 'string' && KNOWN.has(value)

export const GRANT_DESCRIPTIONS: Record<Grant, string> = {
  'read.email': 'Your primary e-mail address',
  'read.emails': 'Your other e-mail addresses',
  'read.phone': 'Your primary phone number',
  'read.phones': 'Your other phone numbers',
  'read.date_of_birth': 'Your date of birth',
  'read.firstname': 'Your first name',
  'read.lastname': 'Your last name',
  'read.patronymic': 'Your patronymic',
  'read.gender': 'Your gender',
  'read.country': 'Your citizenship',
  'read.nationality': 'Your nationality',
  'read.identifier': 'Your IIN (individual identification number)',
  'read.profile': 'A request for your verified (KYC) profile',
  'read.cards': 'Your saved payment cards',
  openid: 'Sign you in with OpenID Connect'
}
