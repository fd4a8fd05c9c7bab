import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { GrantSchema, MAX_GRANTS } from '../../domain/grants.js'
import { LoginError, type LoginFailure, type LoginFlow } from '../../domain/login.js'
import { TrackSchema } from '../../domain/tracks.js'
import { ErrorEnvelope, ProviderError, ValidationEnvelope, ValidationFailed } from '../../errors.js'

const TrackParams = Type.Object({ track_id: Type.String() })
const RedirectReply = Type.Object({ redirect_uri: Type.String({ description: "Where the browser would go next: the merchant's redirect_uri with the code or the error" }) })
const LoginFailures = { 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 410: ErrorEnvelope, 422: ValidationEnvelope }

/**
 * The control API's words for each login failure: the login page's ("Go back to the shop") are
 * for a shopper, these for the test that called. {track} and {user} are what the call named.
 */
export const CONTROL_FAILURES: Record<Exclude<LoginFailure, 'invalid_grants'>, string> = {
  unknown_track: 'No track {track} (unknown, or expired more than an hour ago).',
  expired: 'Track {track} has expired: its login can no longer be approved or denied. Start a new one.',
  used: 'Track {track} is already finished (approved or denied): start a new login.',
  wrong_credentials: 'Wrong phone number, e-mail or password for track {track}.',
  unknown_user: 'No user {user}: give the id, phone or e-mail of a persona or of a provisioned user.',
  locked: 'User {user} is locked: the login page refuses it too. Approve with another user.',
  not_signed_in: 'Track {track} has no signed-in user.'
}

/** A login failure as the control API reports it; anything else passes through. */
async function inControlTerms (error: unknown, login: LoginFlow, trackId: string, user = ''): Promise<unknown> {
  if (!(error instanceof LoginError)) return error
  if (error.kind === 'invalid_grants') {
    const asked = (await login.usable(trackId)).grants.join(', ')
    return new ValidationFailed({ grants: [`Only grants the track asked for can be given: ${asked}.`] })
  }
  // What the call named, at most 100 characters of it: the answer stays small whatever was sent.
  const named = (value: string) => value.length > 100 ? `${value.slice(0, 100)}...` : value
  return new LoginError(error.kind, CONTROL_FAILURES[error.kind].replace('{track}', named(trackId)).replace('{user}', JSON.stringify(named(user))))
}

/** Tracks without a browser: read one, or sign in and consent headlessly, under the same rules as the login page. */
export const trackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/tracks/:track_id', {
    schema: {
      summary: 'A login track as the sandbox holds it',
      tags: ['sandbox'],
      params: TrackParams,
      response: { 200: Type.Composite([TrackSchema, Type.Object({ expired: Type.Boolean() })]), 401: ErrorEnvelope, 404: ErrorEnvelope }
    }
  }, async (request) => {
    const { tracks } = request.sandbox
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
    const { login } = request.sandbox
    const { track_id: trackId } = request.params
    request.trackId = trackId
    try {
      return { redirect_uri: await login.deny(trackId) }
    } catch (error) {
      throw await inControlTerms(error, login, trackId)
    }
  })

  app.post('/tracks/:track_id/approve', {
    schema: {
      summary: 'Sign in as a user and allow, without a browser',
      description: 'Locked personas are refused (403) and personas that always deny get the deny redirect, as on the login page.',
      tags: ['sandbox'],
      params: TrackParams,
      body: Type.Object({
        user: Type.String({ minLength: 1, description: 'The user: id, phone or e-mail' }),
        grants: Type.Optional(Type.Array(GrantSchema, { minItems: 1, maxItems: MAX_GRANTS, description: 'A subset of the grants asked for (default: all of them)' }))
      }),
      response: { 200: RedirectReply, ...LoginFailures }
    }
  }, async (request) => {
    const { login } = request.sandbox
    const { track_id: trackId } = request.params
    request.trackId = trackId
    try {
      return { redirect_uri: await login.approve(trackId, request.body.user, request.body.grants) }
    } catch (error) {
      throw await inControlTerms(error, login, trackId, request.body.user)
    }
  })
}
