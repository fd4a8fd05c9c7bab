import { request as httpRequest, Agent } from 'node:http'
import { DEMO_AUTH } from './app.js'

/** One answer of a real HTTP call, read to the end. */
export interface LiveAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  ms: number
}

export interface LiveRequest {
  method?: string
  headers?: Record<string, string>
  /** Sent as JSON with its content type. */
  json?: unknown
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>
}

/**
 * A real HTTP request over node:http (not fetch): redirects are never followed, any header value
 * can be read (Location, Set-Cookie), and each call says how long it took.
 */
export function live (base: string, path: string, options: LiveRequest = {}, agent?: Agent): Promise<LiveAnswer> {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | undefined
  if (options.json !== undefined) {
    body = JSON.stringify(options.json)
    headers['content-type'] ??= 'application/json'
  } else if (options.form !== undefined) {
    body = new URLSearchParams(options.form).toString()
    headers['content-type'] ??= 'application/x-www-form-urlencoded'
  }
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method: options.method ?? 'GET', headers, agent }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, ms: performance.now() - started }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

export const json = <T = Record<string, unknown>>(answer: LiveAnswer): T => JSON.parse(answer.text) as T

/** POST /api/v1/oauth/authorize as Demo Shop: the new track's id. */
export async function liveAuthorize (base: string, grants: string[], redirectUri = 'https://shop.example/callback', agent?: Agent): Promise<string> {
  const res = await live(base, '/api/v1/oauth/authorize', { method: 'POST', headers: { authorization: DEMO_AUTH }, json: { redirect_uri: redirectUri, grants } }, agent)
  if (res.status !== 200) throw new Error(`authorize answered ${res.status}: ${res.text}`)
  return new URL(json<{ redirect_uri: string }>(res).redirect_uri).searchParams.get('track_id')!
}
