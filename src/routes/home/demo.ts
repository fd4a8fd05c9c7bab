import type { Inject } from '../../http/binding.js'
import type { SandboxContext } from '../../context.js'
import type { Grant } from '../../domain/grants.js'
import type { DemoClient } from '../../views/home.js'

/** What the "try a sign-in" flow asks for: every grant that releases a field, in the docs' order. */
export const DEMO_GRANTS: Grant[] = [
  'read.firstname', 'read.lastname', 'read.patronymic', 'read.date_of_birth', 'read.gender', 'read.country',
  'read.nationality', 'read.identifier', 'read.phone', 'read.phones', 'read.email', 'read.emails', 'read.cards'
]

export const DEMO_CALLBACK = '/demo/callback'

export const callbackUri = (sandbox: SandboxContext): string => `${sandbox.publicUrl()}${DEMO_CALLBACK}`

/**
 * The client the demo signs in to: the first one (Demo Shop, in the bundled fixtures) that takes
 * the built-in callback as its redirect_uri, with the demo grants it may ask for.
 */
export function demoClient (sandbox: SandboxContext): DemoClient | undefined {
  const redirect = callbackUri(sandbox)
  for (const client of sandbox.clients.all()) {
    const grants = DEMO_GRANTS.filter((grant) => sandbox.clients.allowsGrant(client, grant))
    if (sandbox.clients.allowsRedirect(client, redirect) && grants.length > 0) return { client, grants }
  }
  return undefined
}

/** What a provider endpoint answered when the demo called it as a merchant would. */
export interface Answer { status: number, body: unknown }

/**
 * Calls a provider endpoint through the app itself (app.inject), exactly as a merchant's server
 * would over HTTP: the journal records it and queued faults apply. Every provider answer is JSON
 * (errors and faults included), so anything else is a bug and fails the page.
 */
export async function callProvider (inject: Inject, method: 'GET' | 'POST', url: string, authorization: string, payload?: object): Promise<Answer> {
  const res = await inject({ method, url, headers: { authorization }, ...(payload === undefined ? {} : { payload }) })
  return { status: res.statusCode, body: res.json() }
}

export const basicAuth = ({ client }: DemoClient): string => `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`

/** Freedom ID's envelope message, or the status alone: for the page that says what went wrong. */
export function answerText (answer: Answer): string {
  const message = (answer.body as { error?: { message?: unknown } } | null)?.error?.message
  return typeof message === 'string' ? `HTTP ${answer.status}: ${message}` : `HTTP ${answer.status}.`
}

/** A value as one shell word, quoted. */
const word = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`

/** The demo flow without a browser, for this sandbox and this user (id, phone or e-mail): what the callback page prints. */
export function headlessScript (sandbox: SandboxContext, demo: DemoClient, user: string): string {
  const control = sandbox.config.sandboxToken === undefined ? '' : '-H "authorization: Bearer $SANDBOX_TOKEN" '
  const authorize = JSON.stringify({ redirect_uri: callbackUri(sandbox), grants: demo.grants })
  return [
    `S=${word(sandbox.publicUrl())}`,
    `CLIENT=${word(`${demo.client.client_id}:${demo.client.client_secret}`)}`,
    `LINK=$(curl -s -u "$CLIENT" -H 'content-type: application/json' -d ${word(authorize)} \\`,
    '  "$S/api/v1/oauth/authorize" | jq -r .redirect_uri)',
    'TRACK=$(echo "$LINK" | sed \'s/.*track_id=\\([^&]*\\).*/\\1/\')',
    `CALLBACK=$(curl -s ${control}-H 'content-type: application/json' -d ${word(JSON.stringify({ user }))} \\`,
    '  "$S/__sandbox/tracks/$TRACK/approve" | jq -r .redirect_uri)',
    'CODE=$(echo "$CALLBACK" | sed \'s/.*authorization_code=//\')',
    'TOKENS=$(curl -s -u "$CLIENT" -H \'content-type: application/json\' -d "{\\"authorization_code\\":\\"$CODE\\"}" "$S/api/v1/oauth/token")',
    'echo "$TOKENS"',
    'curl -s -w \'\\n\' -H "authorization: Bearer $(echo "$TOKENS" | jq -r .access_token)" "$S/api/v1/oauth/user"'
  ].join('\n')
}
