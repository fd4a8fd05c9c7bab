import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Teardown } from './app.js'

/**
 * A deliberately careless merchant, for the relying-party probes to catch: it signs in with
 * Freedom ID's OAuth2 flow (/login) or OIDC flow (/oidc/login) and binds nothing to the browser
 * that started the sign-in, ignores the state, sends no PKCE and decodes the id_token without
 * verifying anything. Every mistake here is on purpose; do not copy any of it.
 */

export interface CarelessMerchant {
  url: string
  /** Answers 200 to a signed-in session, else a redirect home. */
  signedIn: string
}

const SESSION = 'careless_session'

/** Answers the `n`th request of a path itself (true), for tests of a merchant that hangs or breaks midway. */
export type Intercept = (path: string, n: number, res: ServerResponse) => boolean

export async function startCarelessMerchant (t: Teardown, sandboxUrl: string, client: { clientId: string, clientSecret: string }, intercept?: Intercept): Promise<CarelessMerchant> {
  const sessions = new Map<string, string>()
  const counts = new Map<string, number>()
  const unanswered = new Set<ServerResponse>()
  const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`
  let base = ''

  const post = async (path: string, body: object) => {
    const response = await fetch(`${sandboxUrl}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const json = await response.json() as Record<string, string>
    // Careless, but not blind: an error answer is thrown (and becomes a 500).
    if (!response.ok) throw new Error(`${path} answered ${response.status}`)
    return json
  }
  const signIn = (res: ServerResponse, who: string) => {
    const id = randomUUID()
    sessions.set(id, who)
    res.writeHead(303, { location: '/me', 'set-cookie': `${SESSION}=${id}; Path=/; HttpOnly` }).end()
  }

  const routes: Record<string, (query: URLSearchParams, req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    async '/login' (_query, _req, res) {
      const { redirect_uri: link } = await post('/api/v1/oauth/authorize', { redirect_uri: `${base}/callback`, grants: ['read.firstname'] })
      res.writeHead(302, { location: link! }).end()
    },
    async '/callback' (query, _req, res) {
      const tokens = await post('/api/v1/oauth/token', { authorization_code: query.get('authorization_code') })
      const user = await fetch(`${sandboxUrl}/api/v1/oauth/user`, { headers: { authorization: `Bearer ${tokens.access_token}` } }).then(async (r) => r.json() as Promise<{ id: string }>)
      signIn(res, user.id)
    },
    async '/oidc/login' (_query, _req, res) {
      const random = () => randomBytes(16).toString('hex')
      const params = new URLSearchParams({ client_id: client.clientId, redirect_uri: `${base}/oidc/callback`, response_type: 'code', scope: 'openid read.firstname', state: random(), nonce: random() })
      res.writeHead(302, { location: `${sandboxUrl}/openid?${params}` }).end()
    },
    async '/oidc/callback' (query, _req, res) {
      const tokens = await post('/api/v1/oidc/token', { grant_type: 'authorization_code', code: query.get('code'), redirect_uri: `${base}/oidc/callback` })
      // Decoded, never verified: any token in the right shape signs anyone in.
      const claims = JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString()) as { sub: string }
      signIn(res, claims.sub)
    },
    async '/me' (_query, req, res) {
      const id = new RegExp(`${SESSION}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1]
      if (id !== undefined && sessions.has(id)) res.writeHead(200, { 'content-type': 'text/plain' }).end(`signed in as ${sessions.get(id)}`)
      else res.writeHead(302, { location: '/' }).end()
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url!, base)
    const n = (counts.get(url.pathname) ?? 0) + 1
    counts.set(url.pathname, n)
    unanswered.add(res)
    res.on('close', () => unanswered.delete(res))
    if (intercept?.(url.pathname, n, res) === true) return
    const route = routes[url.pathname]
    if (route === undefined) {
      res.writeHead(404).end()
      return
    }
    route(url.searchParams, req, res).catch((error: Error) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://localhost:${(server.address() as AddressInfo).port}`
  t.teardown(() => new Promise<void>((resolve) => {
    for (const res of unanswered) res.destroy()
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return { url: base, signedIn: `${base}/me` }
}
