import type { InjectOptions, Response } from 'light-my-request'

/** What a test injects requests into: an app (buildApp), or an in-process sandbox (startSandbox). */
export interface Injectable { inject(options: InjectOptions): Promise<Response> }
import { AUTHORIZE, DEMO_AUTH, authorizeBody } from './app.js'

export const AIGERIM = '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01'
export const DANIYAR = '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02'
export const ASEL_DENIES = '9a8b7c6d-5e4f-4a3b-b2c1-d0e9f8a7b604'
export const MARAT_LOCKED = '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a05'
export const PASSWORD = 'Sandbox123!'

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString()
})

export async function authorize (app: Injectable, body: object = authorizeBody, authorization = DEMO_AUTH) {
  const res = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization }, payload: body })
  if (res.statusCode !== 200) throw new Error(`authorize answered ${res.statusCode}: ${res.body}`)
  const link = new URL(res.json().redirect_uri)
  return { trackId: link.searchParams.get('track_id')!, path: `${link.pathname}${link.search}` }
}

export const openLogin = (app: Injectable, path: string) => app.inject({ method: 'GET', url: path })

export const signIn = (app: Injectable, fields: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/login/sign-in', ...form(fields) })

export const consent = (app: Injectable, trackId: string, decision: string) =>
  app.inject({ method: 'POST', url: '/login/consent', ...form({ track_id: trackId, decision }) })

/** Authorize, sign in as a persona and allow: the authorization code the merchant's callback gets. */
export async function approve (app: Injectable, options: { body?: object, authorization?: string, persona?: string } = {}) {
  const { trackId } = await authorize(app, options.body, options.authorization)
  await signIn(app, { track_id: trackId, persona: options.persona ?? AIGERIM })
  const res = await consent(app, trackId, 'allow')
  if (res.statusCode !== 303) throw new Error(`consent answered ${res.statusCode}: ${res.body}`)
  return { trackId, code: new URL(res.headers.location as string).searchParams.get('authorization_code')! }
}

export const exchange = (app: Injectable, code: string, authorization = DEMO_AUTH) =>
  app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization }, payload: { authorization_code: code } })

export const refresh = (app: Injectable, refreshToken: string) =>
  app.inject({ method: 'PATCH', url: '/api/v1/oauth/token', headers: { authorization: `Bearer ${refreshToken}` } })

export const userData = (app: Injectable, accessToken: string) =>
  app.inject({ method: 'GET', url: '/api/v1/oauth/user', headers: { authorization: `Bearer ${accessToken}` } })
