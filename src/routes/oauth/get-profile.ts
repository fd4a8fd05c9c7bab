import type { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { formatMicroTimestamp } from '../../domain/clock.js'
import type { KycStatus } from '../../domain/kyc.js'
import { ErrorEnvelope, ProviderError, ValidationEnvelope } from '../../errors.js'
import { tooDeep } from '../../http/json-depth.js'

const RequestId = Type.String({ format: 'uuid', description: "The partner's own id for the request (a UUID)" })

const ProfileRequest = Type.Object({
  request_id: RequestId,
  created_at: Type.Optional(Type.String({ format: 'date-time', description: 'When the partner created the request; accepted, not used' }))
})

const statuses = (...names: KycStatus[]) => Type.Union(names.map((name) => Type.Literal(name)))

const ProfileRequestReply = Type.Object({
  request_id: Type.String(),
  status: statuses('accepted', 'pending', 'completed', 'failed', 'rejected'),
  status_message: Type.String(),
  freedom_id: Type.String({ description: "The token's user" })
}, { description: 'A new request is accepted (rejected without read.profile); a repeated request_id answers its current state' })

const StatusQuery = Type.Object({ request_id: RequestId })

const Datetime = Type.String({ description: 'When the request entered this state (not_found: now), YYYY-MM-DDTHH:MM:SS.ffffffZ' })
const Profile = Type.Object({ payload: Type.String({ description: '96 opaque characters' }) })

// Three shapes rather than optional fields: the serializer writes required fields first, and the
// docs' order ends with `profile`, `datetime`.
const StatusReply = Type.Union([
  Type.Object({
    request_id: Type.String(), status: statuses('completed'), status_message: Type.String(), freedom_id: Type.String(), profile: Profile, datetime: Datetime
  }, { title: 'Completed' }),
  Type.Object({
    request_id: Type.String(), status: statuses('accepted', 'pending', 'failed', 'rejected'), status_message: Type.String(), freedom_id: Type.String(), datetime: Datetime
  }, { title: 'Held' }),
  Type.Object({
    request_id: Type.String(), status: statuses('not_found'), status_message: Type.String(), datetime: Datetime
  }, { title: 'NotFound' })
])

/**
 * A request's body as text, at most `limit` bytes (else a 413). On a GET Fastify leaves the body
 * unread; past the limit the listeners go and the rest drains unread, as Fastify's own parser does.
 */
export function readBody (stream: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (error?: Error) => {
      stream.removeListener('data', onData)
      stream.removeListener('end', finish)
      stream.removeListener('error', finish)
      if (error === undefined) resolve(Buffer.concat(chunks).toString('utf8'))
      else reject(error)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) finish(new ProviderError('payloadTooLarge'))
      else chunks.push(chunk)
    }
    stream.on('data', onData)
    stream.on('end', finish)
    stream.on('error', finish)
  })
}

/** The docs send `request_id` as a JSON body on a GET, which some clients cannot do: the query string works too, and wins. */
async function requestIdFromBody (request: FastifyRequest): Promise<void> {
  const query = request.query as Partial<Static<typeof StatusQuery>>
  if (query.request_id !== undefined) return
  const text = await readBody(request.raw, request.routeOptions.bodyLimit)
  if (text.trim() === '') return
  const deep = tooDeep(text)
  if (deep !== undefined) throw deep
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ProviderError('malformedJson')
  }
  request.body = body
  const requestId = (body as { request_id?: unknown } | null)?.request_id
  // Validation then checks it as if it had come in the query string.
  if (requestId !== undefined) request.query = { ...query, request_id: requestId }
}

export const getProfileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/oauth/get-profile', {
    schema: {
      summary: "Ask for the user's KYC profile (needs the read.profile grant)",
      tags: ['oauth2'],
      security: [{ bearer: [] }],
      body: ProfileRequest,
      response: { 200: ProfileRequestReply, 400: ErrorEnvelope, 401: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => {
    const { kyc, users } = request.sandbox
    const { token } = request
    const view = await kyc.submit({
      client_id: token.client_id,
      user_id: token.user_id,
      request_id: request.body.request_id,
      grants: token.grants,
      behaviour: (await users.get(token.user_id))?.behaviour
    })
    return { request_id: view.request_id, status: view.status, status_message: view.status_message, freedom_id: view.freedom_id }
  })

  app.get('/api/v1/oauth/get-profile/status', {
    preValidation: requestIdFromBody,
    schema: {
      summary: 'The state of a KYC profile request: request_id in the query string or a JSON body',
      tags: ['oauth2'],
      security: [{ bearer: [] }],
      querystring: StatusQuery,
      response: { 200: StatusReply, 400: ErrorEnvelope, 401: ErrorEnvelope, 413: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => {
    const view = await request.sandbox.kyc.status(request.token.client_id, request.query.request_id)
    const head = { request_id: view.request_id, status: view.status, status_message: view.status_message }
    const at = formatMicroTimestamp(view.changed_at)
    if (view.freedom_id === undefined) return { ...head, datetime: at }
    if (view.payload === undefined) return { ...head, freedom_id: view.freedom_id, datetime: at }
    return { ...head, freedom_id: view.freedom_id, profile: { payload: view.payload }, datetime: at }
  })
}
