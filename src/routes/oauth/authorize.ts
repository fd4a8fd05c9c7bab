import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { unixSeconds } from '../../domain/clock.js'
import { GrantSchema, MAX_GRANTS, isGrant, type Grant } from '../../domain/grants.js'
import { ErrorEnvelope, ValidationEnvelope, ValidationFailed, type FieldError } from '../../errors.js'
import { fieldErrorsOf, laravelMessages } from '../../http/validation.js'

export const AuthorizeBody = Type.Object({
  redirect_uri: Type.String({
    format: 'http-url',
    maxLength: 2048,
    description: 'Absolute http(s) URL the browser returns to with `authorization_code` (or `error_code`)'
  }),
  grants: Type.Array(GrantSchema, {
    minItems: 1,
    maxItems: MAX_GRANTS,
    description: 'The access rights asked for'
  })
}, { description: 'Extra properties (such as CLIENT_ID / CLIENT_SECRET, which some doc pages list) are ignored' })

export const AuthorizeReply = Type.Object({
  redirect_uri: Type.String({ description: '<PUBLIC_URL>/login?track_id=<uuid v4>&expire_at=<unix seconds>' })
})

/** A grant or redirect URI the schema accepts but this client is not registered for. */
function clientPolicyErrors (body: unknown, allowsRedirect: (uri: string) => boolean, allowsGrant: (grant: Grant) => boolean) {
  const errors: FieldError[] = []
  const { redirect_uri: uri, grants } = (body ?? {}) as { redirect_uri?: unknown, grants?: unknown }
  if (typeof uri === 'string' && !allowsRedirect(uri)) {
    errors.push({ field: 'redirect_uri', rule: 'in' })
  }
  if (Array.isArray(grants)) {
    // Past MAX_GRANTS the schema has said it all.
    grants.slice(0, MAX_GRANTS).forEach((grant, index) => {
      if (isGrant(grant) && !allowsGrant(grant)) {
        errors.push({ field: `grants.${index}`, rule: 'in' })
      }
    })
  }
  return errors
}

export const authorizeRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/oauth/authorize', {
    // Schema failures and the client's own restrictions are reported together, every field at once.
    attachValidation: true,
    schema: {
      summary: 'Create a login link (track) for a user to sign in with Freedom ID',
      tags: ['oauth2'],
      security: [{ basic: [] }],
      body: AuthorizeBody,
      response: { 200: AuthorizeReply, 401: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => {
    const { clients, tracks, publicUrl } = request.sandbox
    const { client } = request
    const problems = [
      ...fieldErrorsOf(request.validationError?.validation ?? [], AuthorizeBody),
      ...clientPolicyErrors(request.body, (uri) => clients.allowsRedirect(client, uri), (grant) => clients.allowsGrant(client, grant))
    ]
    if (problems.length > 0) throw new ValidationFailed(laravelMessages(problems, request.body, AuthorizeBody))
    const track = await tracks.issue({ clientId: client.client_id, redirectUri: request.body.redirect_uri, grants: request.body.grants })
    request.trackId = track.track_id
    // A UUID and digits need no encoding.
    return { redirect_uri: `${publicUrl()}/login?track_id=${track.track_id}&expire_at=${unixSeconds(Date.parse(track.expires_at))}` }
  })
}
