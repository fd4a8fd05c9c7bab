import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/index.js'
import type { Teardown } from '../helpers/app.js'

/**
 * What every compatibility test runs against: a real listening sandbox, with default settings
 * (the client uses the URL the sandbox prints) or behind a proxy with PUBLIC_URL (the client
 * only ever sees the proxy). The browser is plain HTTP: the login page's forms, or the control
 * API's headless approve, never anything the libraries are given from inside.
 */

export const DEMO = { id: '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70', secret: 'demo-shop-secret', redirectUri: 'https://shop.example/oidc/callback' }
export const KITAP = { id: 'b7d3e1f9-2a4c-4b6e-8d0f-1c3e5a7b9d21', secret: 'kitap-secret', redirectUri: 'http://localhost:3000/callback' }
export const AIGERIM = { id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', phone: '+77015550101', email: 'aigerim.sarsenbayeva@example.com', firstname: 'Aigerim' }
export const DANIYAR = '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02'
export const SCOPE = 'openid read.email read.firstname'

/** Debian's python3, which has python3-authlib: the pyenv python3 first on PATH does not. */
export const PYTHON = '/usr/bin/python3'

export type Mode = 'default settings' | 'PUBLIC_URL behind a proxy'
export const MODES: Mode[] = ['default settings', 'PUBLIC_URL behind a proxy']

export interface Target {
  /** The issuer URL the client is configured with: the printed URL, or PUBLIC_URL. */
  issuer: string
  /** Where the control API is reached (the sandbox itself). */
  control: string
  sandbox: Sandbox
}

/**
 * A reverse proxy that sends the upstream's own address as Host (as nginx does by default), so
 * a sandbox that followed the Host instead of PUBLIC_URL would name the wrong issuer.
 */
async function proxy (t: Teardown, upstream: () => URL): Promise<{ server: Server, url: string }> {
  const server = createServer((req, res) => {
    const target = upstream()
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

export async function start (t: Teardown, mode: Mode, settings: SandboxOptions = {}): Promise<Target> {
  if (mode === 'default settings') {
    const sandbox = await startSandbox({ logLevel: 'silent', ...settings })
    t.teardown(() => sandbox.close())
    return { issuer: sandbox.url, control: sandbox.url, sandbox }
  }
  // The proxy listens first (its port goes into PUBLIC_URL); it learns the sandbox's port after.
  const upstream: { url?: URL } = {}
  const front = await proxy(t, () => upstream.url!)
  const sandbox = await startSandbox({ logLevel: 'silent', publicUrl: front.url, ...settings })
  t.teardown(() => sandbox.close())
  upstream.url = new URL(sandbox.url)
  return { issuer: front.url, control: sandbox.url, sandbox }
}

async function expectStatus (step: string, response: Promise<Response>, status: number): Promise<Response> {
  const res = await response
  if (res.status !== status) throw new Error(`${step} answered ${res.status}, not ${status}: ${await res.text()}`)
  return res
}

/** A browser over plain HTTP: it follows no redirect by itself and keeps the sandbox's sign-in cookie. */
export class Browser {
  cookie: string | undefined

  async fetch (url: URL | string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers as Record<string, string>, ...(this.cookie === undefined ? {} : { cookie: this.cookie }) } })
    const set = res.headers.get('set-cookie')
    if (set !== null) this.cookie = set.split(';')[0]
    return res
  }

  post (url: URL, fields: Record<string, string>): Promise<Response> {
    return this.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })
  }

  /** GET the authorization URL: where it sends the browser (the login page, or straight back to the merchant). */
  async authorize (authorizationUrl: URL): Promise<URL> {
    const res = await expectStatus('the authorization request', this.fetch(authorizationUrl), 303)
    return new URL(res.headers.get('location')!, authorizationUrl)
  }

  /** The login page's forms, as a person clicks them: sign in as a persona, then allow or deny. Answers the callback URL. */
  async login (authorizationUrl: URL, persona = AIGERIM.id, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
    const page = await this.authorize(authorizationUrl)
    if (page.pathname !== '/login') throw new Error(`the authorization request went to ${page.href}, not the login page`)
    const html = await (await expectStatus('the login page', this.fetch(page), 200)).text()
    const trackId = /name="track_id" value="([^"]+)"/.exec(html)![1]!
    const signedIn = await expectStatus('sign-in', this.post(new URL('/login/sign-in', page), { track_id: trackId, persona }), 303)
    await expectStatus('the consent page', this.fetch(new URL(signedIn.headers.get('location')!, page)), 200)
    const decided = await expectStatus('consent', this.post(new URL('/login/consent', page), { track_id: trackId, decision }), 303)
    return new URL(decided.headers.get('location')!)
  }
}

/** The control API's headless approve (or deny): the callback URL, with no browser at all. */
export async function headless (target: Target, authorizationUrl: URL, decision: 'approve' | 'deny' = 'approve', user = AIGERIM.id): Promise<URL> {
  const page = await new Browser().authorize(authorizationUrl)
  const trackId = page.searchParams.get('track_id')
  if (trackId === null) throw new Error(`no login page: ${page.href}`)
  const res = await expectStatus(decision, fetch(`${target.control}/__sandbox/tracks/${trackId}/${decision}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(decision === 'approve' ? { user } : {})
  }), 200)
  return new URL(((await res.json()) as { redirect_uri: string }).redirect_uri)
}

/** Moves the sandbox clock (negative: back); real time goes on from there. */
export async function advanceClock (target: Target, seconds: number): Promise<void> {
  await expectStatus('the clock', fetch(`${target.control}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: seconds }) }), 200)
}

/** What a rejected promise was rejected with (a library's error), or a failure naming the step. */
export async function rejection (step: string, promise: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await promise
  } catch (error) {
    return error as Record<string, any>
  }
  throw new Error(`${step} did not fail`)
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)
