import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'

export interface MerchantOptions {
  /** Where the server talks to Freedom ID, e.g. http://127.0.0.1:8080 (the sandbox). */
  sandboxUrl: string
  clientId: string
  clientSecret: string
  /** The address browsers use for this app; default http://localhost:<listening port>. */
  publicUrl?: string
}

/** What /api/v1/oauth/user answers for the grants asked below. */
interface FreedomUser {
  id: string
  firstname: string
  lastname: string
  email?: string
  phone?: string
}

interface TokenPair {
  access_token: string
}

const GRANTS = ['read.firstname', 'read.lastname', 'read.email', 'read.phone']
const SESSION_COOKIE = 'kitap_session'

/** Freedom ID answered with its error envelope; the message is shown to the user as it is. */
class FreedomIdError extends Error {}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => ENTITIES[c]!)

/** Callers pass markup they wrote; every value from outside goes through escape() first. */
const page = (title: string, body: string): string => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Kitap shop</title>
<link rel="icon" href="data:,"></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem">
<p><a href="/">Kitap shop</a> <small>(example merchant)</small></p>
${body}
</body>
</html>
`

const sendPage = (reply: FastifyReply, status: number, title: string, body: string) =>
  reply.code(status).type('text/html; charset=utf-8').send(page(title, body))

const sessionIdOf = (cookieHeader = ''): string | undefined =>
  new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]*)`).exec(cookieHeader)?.[1]

/**
 * A shop that signs its customers in with Freedom ID: /login asks for a login link and sends the
 * browser there, /callback turns the authorization_code into the user's data. Every Freedom ID
 * call is server to server, with the client secret, so the secret never reaches the browser.
 */
export function buildMerchant (options: MerchantOptions): FastifyInstance {
  const app = Fastify({ logger: false })
  // A demo: sessions live as long as the process.
  const sessions = new Map<string, FreedomUser>()
  const basicAuth = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`

  const publicUrl = () => options.publicUrl ?? `http://localhost:${(app.server.address() as AddressInfo).port}`

  async function freedomId<T> (path: string, init: { method?: string, authorization: string, body?: object }): Promise<T> {
    const response = await fetch(new URL(path, options.sandboxUrl), {
      method: init.method ?? 'GET',
      headers: { authorization: init.authorization, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(init.body)
    })
    const body = await response.json() as T | { error: { message: string } }
    // Checked in the body, not the status: Freedom ID's docs show errors answered with HTTP 200.
    if (typeof body === 'object' && body !== null && 'error' in body) throw new FreedomIdError(body.error.message)
    return body as T
  }

  app.setErrorHandler(async (error, _request, reply) => {
    const message = error instanceof FreedomIdError
      ? `Freedom ID answered: ${error.message}`
      : `Could not reach Freedom ID at ${options.sandboxUrl} (${(error as Error).message}).`
    return sendPage(reply, 502, 'Sign-in failed', `<h1>Sign-in failed</h1>
<p data-testid="sign-in-error">${escape(message)}</p>
<p><a href="/">Try again</a></p>`)
  })

  app.get('/', async (_request, reply) => sendPage(reply, 200, 'Home', `<h1>Kitap shop (example merchant)</h1>
<p>Books delivered across Kazakhstan. Sign in to see your profile.</p>
<p><a href="/login" data-testid="sign-in-with-freedom-id" role="button"
 style="display: inline-block; background: #0a7d3c; color: #fff; padding: .6rem 1.1rem; border-radius: 8px; text-decoration: none">Sign in with Freedom ID</a></p>`))

  app.get('/login', async (_request, reply) => {
    const link = await freedomId<{ redirect_uri: string }>('/api/v1/oauth/authorize', {
      method: 'POST',
      authorization: basicAuth,
      body: { redirect_uri: `${publicUrl()}/callback`, grants: GRANTS }
    })
    return reply.redirect(link.redirect_uri, 303)
  })

  // No schema: a repeated parameter arrives as an array and Freedom ID itself rejects it, in its own words.
  app.get<{ Querystring: { authorization_code?: string, error_code?: string } }>('/callback', async (request, reply) => {
    const { authorization_code: code, error_code: errorCode } = request.query
    if (code === undefined) {
      // The user saying no is a normal outcome; a callback with neither parameter is not.
      const [status, reason] = errorCode === undefined ? [400, 'no authorization_code'] as const : [200, `error_code ${errorCode}`] as const
      return sendPage(reply, status, 'Sign-in cancelled', `<h1>Not signed in</h1>
<p data-testid="sign-in-error">Sign-in was cancelled (${escape(reason)})</p>
<p><a href="/">Back to the shop</a></p>`)
    }
    const tokens = await freedomId<TokenPair>('/api/v1/oauth/token', { method: 'POST', authorization: basicAuth, body: { authorization_code: code } })
    const user = await freedomId<FreedomUser>('/api/v1/oauth/user', { authorization: `Bearer ${tokens.access_token}` })
    const sessionId = randomUUID()
    sessions.set(sessionId, user)
    return reply.header('set-cookie', `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`).redirect('/profile', 303)
  })

  app.get('/profile', async (request, reply) => {
    const user = sessions.get(sessionIdOf(request.headers.cookie) ?? '')
    if (user === undefined) return reply.redirect('/', 303)
    // Only the fields the user's grants returned: a persona may have no e-mail.
    const rows = [['E-mail', 'email', user.email], ['Phone', 'phone', user.phone]].filter(([, , value]) => value !== undefined)
    return sendPage(reply, 200, 'Profile', `<h1 data-testid="profile-name">${escape(`${user.firstname} ${user.lastname}`)}</h1>
<p>Signed in with Freedom ID.</p>
<dl>
${rows.map(([label, key, value]) => `<dt>${label}</dt><dd data-testid="profile-${key}">${escape(value!)}</dd>`).join('\n')}
</dl>`)
  })

  return app
}
