import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { GrantLiteralSchema } from './grants.js'
import { isValidIin } from './iin.js'
import { UUID_PATTERN, isCalendarDate } from './formats.js'

const Uuid = Type.String({ pattern: UUID_PATTERN })
const HttpUrl = Type.String({ format: 'http-url' })

export const PHONE_PATTERN = '^\\+\\d{10,15}$'
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$'
export const DATE_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$'
export const COUNTRY_PATTERN = '^[A-Z]{3}$'

export const ClientSchema = Type.Object({
  client_id: Uuid,
  client_secret: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  redirect_uris: Type.Optional(Type.Array(HttpUrl, { minItems: 1 })),
  grants: Type.Optional(Type.Array(GrantLiteralSchema, { minItems: 1 })),
  revoke_uri: Type.Optional(Type.String({ format: 'revoke-uri' }))
}, { additionalProperties: false })

export type Client = Static<typeof ClientSchema>

export const CardSchema = Type.Object({
  mask: Type.String({ pattern: '^\\d{6}\\*{6}\\d{4}$' }),
  brand: Type.Union([Type.Literal('VISA'), Type.Literal('MASTERCARD'), Type.Literal('UNIONPAY')]),
  expire: Type.String({ pattern: '^(0[1-9]|1[0-2])/\\d{2}$' })
}, { additionalProperties: false })

export const BEHAVIOURS = ['deny_consent', 'locked', 'kyc_fails'] as const

export const UserSchema = Type.Object({
  id: Uuid,
  phone: Type.String({ pattern: PHONE_PATTERN }),
  email: Type.Optional(Type.String({ pattern: EMAIL_PATTERN })),
  password: Type.String({ minLength: 1 }),
  firstname: Type.String({ minLength: 1 }),
  lastname: Type.String({ minLength: 1 }),
  patronymic: Type.Optional(Type.String({ minLength: 1 })),
  date_of_birth: Type.String({ pattern: DATE_PATTERN }),
  gender: Type.Union([Type.Literal('M'), Type.Literal('F')]),
  country: Type.String({ pattern: COUNTRY_PATTERN }),
  nationality: Type.String({ minLength: 1 }),
  identifier: Type.String({ pattern: '^\\d{12}$' }),
  emails: Type.Optional(Type.Array(Type.String({ pattern: EMAIL_PATTERN }))),
  phones: Type.Optional(Type.Array(Type.String({ pattern: PHONE_PATTERN }))),
  cards: Type.Optional(Type.Array(CardSchema)),
  behaviour: Type.Optional(Type.Union(BEHAVIOURS.map((b) => Type.Literal(b))))
}, { additionalProperties: false })

export type User = Static<typeof UserSchema>

export interface Fixtures {
  clients: Client[]
  users: User[]
}

export class FixtureError extends Error {
  readonly problems: string[]

  constructor (problems: string[]) {
    super(`invalid fixtures, nothing was started:\n${problems.map((p) => `  ${p}`).join('\n')}`)
    this.name = 'FixtureError'
    this.problems = problems
  }
}

type Check<T> = (record: T) => Array<[field: string, message: string]>

/** Validates every record of one file; each problem names the file, the record and the field. */
function validateRecords<S extends TSchema> (
  file: string, data: unknown, schema: S, key: string, uniqueFields: string[], check: Check<Static<S>>
): string[] {
  if (!Array.isArray(data)) return [`${file}: expected a JSON array of records`]
  const problems: string[] = []
  const seen = new Map<string, number>()
  data.forEach((record: unknown, index) => {
    const id = (record as Record<string, unknown> | null)?.[key]
    const where = `${file}: record ${index}${typeof id === 'string' ? ` (${key} ${id})` : ''}`
    const errors = [...Value.Errors(schema, record)]
    const fields = new Set<string>()
    for (const error of errors) {
      const field = error.path.slice(1).replaceAll('/', '.') || '(record)'
      if (fields.has(field)) continue
      fields.add(field)
      problems.push(`${where}: field ${field}: ${error.message}`)
    }
    if (errors.length > 0) return
    for (const [field, message] of check(record as Static<S>)) problems.push(`${where}: field ${field}: ${message}`)
    for (const field of uniqueFields) {
      const value = (record as Record<string, unknown>)[field]
      if (typeof value !== 'string') continue
      const other = seen.get(`${field}=${value.toLowerCase()}`)
      if (other !== undefined) problems.push(`${where}: field ${field}: ${JSON.stringify(value)} is already used by record ${other}`)
      else seen.set(`${field}=${value.toLowerCase()}`, index)
    }
  })
  return problems
}

const checkUser: Check<User> = (user) => {
  const problems: Array<[string, string]> = []
  if (!isValidIin(user.identifier)) problems.push(['identifier', 'is not a valid IIN (its check digit is wrong)'])
  if (!isCalendarDate(user.date_of_birth)) problems.push(['date_of_birth', `${user.date_of_birth} is not a calendar date`])
  return problems
}

// Read synchronously: two small files, read on every start, where the thread pool's round trip cost more than the reading.
function readText (file: string): { text?: string, problem?: string } {
  try {
    return { text: readFileSync(file, 'utf8') }
  } catch (error) {
    return { problem: `${file}: cannot be read (${(error as NodeJS.ErrnoException).code})` }
  }
}

function parseJson (file: string, read: { text?: string, problem?: string }): { data?: unknown, problem?: string } {
  if (read.problem !== undefined) return read
  try {
    return { data: JSON.parse(read.text!) }
  } catch (error) {
    return { problem: `${file}: is not valid JSON (${(error as Error).message})` }
  }
}

const fixtureFiles = (dir: string) => ({ clientsFile: join(dir, 'clients.json'), usersFile: join(dir, 'users.json') })

/** The two files' text as read now (or why one cannot be read). */
function readFixtureTexts (dir: string): FixtureTexts {
  const { clientsFile, usersFile } = fixtureFiles(dir)
  return { clients: readText(clientsFile), users: readText(usersFile) }
}

export interface FixtureTexts {
  clients: { text?: string, problem?: string }
  users: { text?: string, problem?: string }
}

/** The fixtures those texts hold, validated; a FixtureError listing every problem otherwise. */
export function validateFixtures (dir: string, texts: FixtureTexts): Fixtures {
  const { clientsFile, usersFile } = fixtureFiles(dir)
  const clients = parseJson(clientsFile, texts.clients)
  const users = parseJson(usersFile, texts.users)
  const problems = [
    ...(clients.problem !== undefined
      ? [clients.problem]
      : validateRecords(clientsFile, clients.data, ClientSchema, 'client_id', ['client_id'], () => [])),
    ...(users.problem !== undefined
      ? [users.problem]
      : validateRecords(usersFile, users.data, UserSchema, 'id', ['id', 'phone', 'email'], checkUser))
  ]
  if (problems.length > 0) throw new FixtureError(problems)
  return { clients: clients.data as Client[], users: users.data as User[] }
}

/** Reads and validates `clients.json` and `users.json` from a folder; throws one FixtureError listing every problem. */
export async function loadFixtures (dir: string): Promise<Fixtures> {
  return validateFixtures(dir, readFixtureTexts(dir))
}

/**
 * loadFixtures, validating a folder's files once while their text stays the same: the files are
 * read on every call (an edited file is seen at once), and each caller gets its own copy, so no
 * sandbox sees what another does to its fixtures. What failed is not kept.
 */
export function createFixturesCache (validate = validateFixtures): (dir: string) => Promise<Fixtures> {
  const folders = new Map<string, { clients: string, users: string, fixtures: Fixtures }>()
  return async (dir) => {
    const texts = readFixtureTexts(dir)
    const known = folders.get(dir)
    if (known !== undefined && known.clients === texts.clients.text && known.users === texts.users.text) return structuredClone(known.fixtures)
    const fixtures = validate(dir, texts)
    folders.set(dir, { clients: texts.clients.text!, users: texts.users.text!, fixtures: structuredClone(fixtures) })
    return fixtures
  }
}
