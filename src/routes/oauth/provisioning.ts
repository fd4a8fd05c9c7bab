import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TObject } from '@sinclair/typebox'
import type { FastifySchemaValidationError } from 'fastify'
import { COUNTRY_PATTERN, PHONE_PATTERN } from '../../domain/fixtures.js'
import { DEFAULT_PASSWORD, LoginTaken, type ProfileFields, type UserDirectory } from '../../domain/users.js'
import { ErrorEnvelope, ValidationEnvelope, ValidationFailed, type FieldError } from '../../errors.js'
import { fieldErrorsOf, laravelMessages } from '../../http/validation.js'

/** Characters a text field may hold: Laravel's `string|max:255`, the length of a VARCHAR column. */
export const MAX_TEXT = 255

// Whitespace alone is no value (Laravel trims strings, then `required` fails).
const Text = (description: string) => Type.String({ minLength: 1, maxLength: MAX_TEXT, pattern: '\\S', description })

/** The documented fields (KZ-007 / KZ-415) in the docs' order, then the sandbox's two additions. */
const Profile = Type.Object({
  phone: Type.String({ pattern: PHONE_PATTERN, description: '+ and 10 to 15 digits, e.g. +77015550909; unique' }),
  email: Type.String({ format: 'email', maxLength: MAX_TEXT, description: 'Unique, compared case-insensitively' }),
  firstname: Text('First name'),
  lastname: Text('Last name'),
  date_of_birth: Type.String({ format: 'date', description: 'Y-m-d, a real day, e.g. 2000-01-01' }),
  identifier: Text('e.g. 123456789 or an IIN'),
  country: Type.String({ pattern: COUNTRY_PATTERN, description: 'Three capital letters (ISO 3166 alpha-3), e.g. KAZ' }),
  gender: Type.Union([Type.Literal('M'), Type.Literal('F')], { description: 'M or F' }),
  nationality: Text('Free text, e.g. citizen of the world'),
  patronymic: Text('Sandbox addition (not in the documented schema): released by read.patronymic'),
  password: Text(`Sandbox addition: the password for the login page; default ${DEFAULT_PASSWORD}`)
})

const PROFILE_KEYS = Object.keys(Profile.properties) as Array<keyof ProfileFields>

export const CreateUserBody = Type.Composite([Type.Pick(Profile, ['phone']), Type.Partial(Type.Omit(Profile, ['phone']))], {
  description: 'Only phone is required; extra properties are ignored'
})

export const UpdateUserBody = Type.Composite([
  Type.Object({ freedom_id: Type.String({ format: 'uuid', description: 'The user to change' }) }),
  Type.Partial(Profile)
], { description: 'Only the fields sent change; extra properties are ignored' })

export const ProvisioningReply = Type.Object({
  freedom_id: Type.String({ format: 'uuid', description: "The user's Freedom ID (= id in user data = OIDC sub)" })
})

/** The profile fields of a valid body, nothing else. */
const profileOf = (body: ProfileFields): ProfileFields =>
  Object.fromEntries(PROFILE_KEYS.filter((key) => body[key] !== undefined).map((key) => [key, body[key]]))

const taken = (fields: string[]): FieldError[] => fields.map((field) => ({ field, rule: 'unique' }))

/**
 * The schema's errors plus the directory's (an unknown freedom_id, a phone or e-mail another user
 * has), reported together in one 422, every field at once, in the schema's order.
 */
async function assertValid (users: UserDirectory, schema: TObject, body: unknown, ajvErrors: FastifySchemaValidationError[]): Promise<void> {
  const schemaErrors = fieldErrorsOf(ajvErrors, schema)
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  // Only fields of this schema: a create's stray freedom_id names nobody.
  const valid = (field: string): string | undefined =>
    field in schema.properties && typeof fields[field] === 'string' && !schemaErrors.some((error) => error.field === field)
      ? fields[field] as string
      : undefined
  const problems = [...schemaErrors]
  const self = valid('freedom_id')
  if (self !== undefined && await users.get(self) === undefined) problems.push({ field: 'freedom_id', rule: 'in' })
  problems.push(...taken(await users.taken({ phone: valid('phone'), email: valid('email') }, self)))
  if (problems.length > 0) throw new ValidationFailed(laravelMessages(problems, body, schema))
}

/** A racing request took the phone or e-mail between the check and the write: the same 422 the check gives. */
async function unlessTaken<T> (write: Promise<T>): Promise<T> {
  try {
    return await write
  } catch (error) {
    if (!(error instanceof LoginTaken)) throw error
    throw new ValidationFailed(laravelMessages(taken(error.fields), undefined))
  }
}

/**
 * Partner provisioning: create and update sandbox users. A created user can sign in on the login
 * page at once; `POST /__sandbox/reset` drops them all (they live in the store).
 */
export const provisioningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const response = { 200: ProvisioningReply, 401: ErrorEnvelope, 422: ValidationEnvelope }

  app.post('/api/v1/oauth/user', {
    attachValidation: true,
    schema: {
      summary: 'Create a sandbox user (partner provisioning); it can sign in on the login page at once',
      tags: ['oauth2'],
      security: [{ bearer: [] }],
      body: CreateUserBody,
      response
    }
  }, async (request) => {
    const { ids, users } = request.sandbox
    await assertValid(users, CreateUserBody, request.body, request.validationError?.validation ?? [])
    const user = await unlessTaken(users.create({ password: DEFAULT_PASSWORD, ...profileOf(request.body), phone: request.body.phone, id: await ids.uuidv4() }))
    return { freedom_id: user.id }
  })

  app.put('/api/v1/oauth/user', {
    attachValidation: true,
    schema: {
      summary: 'Update a user (a bundled persona or a provisioned one): only the fields sent change',
      tags: ['oauth2'],
      security: [{ bearer: [] }],
      body: UpdateUserBody,
      response
    }
  }, async (request) => {
    const { users } = request.sandbox
    await assertValid(users, UpdateUserBody, request.body, request.validationError?.validation ?? [])
    const user = (await unlessTaken(users.update(request.body.freedom_id, profileOf(request.body))))!
    return { freedom_id: user.id }
  })
}
