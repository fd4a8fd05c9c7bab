import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { GrantSchema } from '../../domain/grants.js'
import { TrackSchema } from '../../domain/tracks.js'
import { ErrorEnvelope, ProviderError, ValidationEnvelope } from '../../errors.js'

const TrackParams = Type.Object({ track_id: Type.String() })
const RedirectReply = Type.Object({ redirect_uri: Type.String({ description: "Where the browser would go next: the merchant's redirect_uri with the code or the error" }) })
const LoginFailures = { 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 410: ErrorEnvelope, 422: ValidationEnvelope }

/** Tracks without a browser: read one, or sign in and consent headlessly, under the same rules as the login page. */
export const trackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { tracks, login } = app.sandbox

  app.get('/tracks/:track_id', {
    schema: {
      summary: 'A login track as the sandbox holds it',
      tags: ['sandbox'],
      params: TrackParams,
      response: { 200: Type.Composite([TrackSchema, Type.Object({ expired: Type.Boolean() })]), 401: ErrorEnvelope, 404: ErrorEnvelope }
    }
  }, async (request) => {
    const track = await tracks.find(request.params.track_id)
    if (track === undefined) throw new ProviderError('notFound', `No track ${request.params.track_id} (unknown, or expired more than an hour ago).`)
    return { ...track, expired: tracks.isExpired(track) }
  })

  app.post('/tracks/:track_id/deny', {
    schema: {
      summary: 'Deny, without a browser',
      description: 'The redirect the browser would follow: with error_code=100102, or on an OIDC track error=access_denied and the state.',
      tags: ['sandbox'],
      params: TrackParams,
      response: { 200: RedirectReply, 401: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 410: ErrorEnvelope }
    }
  }, async (request) => {
    request.trackId = request.params.track_id
    return { redirect_uri: await login.deny(request.params.track_id) }
  })

  app.post('/tracks/:track_id/approve', {
    schema: {
      summary: 'Sign in as a user and allow, without a browser',
      description: 'Locked personas are refused (403) and personas that always deny get the deny redirect, as on the login page.',
      tags: ['sandbox'],
      params: TrackParams,
      body: Type.Object({
        user: Type.String({ minLength: 1, description: 'The user: id, phone or e-mail' }),
        grants: Type.Optional(Type.Array(GrantSchema, { minItems: 1, description: 'A subset of the grants asked for (default: all of them)' }))
      }),
      response: { 200: RedirectReply, ...LoginFailures }
    }
  }, async (request) => {
    const { track_id: trackId } = request.params
    request.trackId = trackId
    const signedIn = await login.signIn(trackId, { userId: request.body.user })
    return { redirect_uri: signedIn.redirect ?? await login.consent(trackId, 'allow', request.body.grants) }
  })
}
