import fc from 'fast-check'

/** A request a property sends, and the placeholders for the live records it may name. */

export type BaitKey = 'track' | 'signedIn' | 'usedTrack' | 'expiredTrack' | 'code' | 'access' | 'refresh' | 'plainAccess' | 'oidcCode' | 'oidcRefresh' | 'kyc'
export type Bait = Record<BaitKey, string>

/**
 * A placeholder for a live record (a track, a code, a token), swapped in when the request is
 * sent: a valid request may use a record up, and the next run gets a fresh one. Only characters
 * that survive JSON, form and URL encoding.
 */
export const ref = (key: BaitKey): string => `REF__${key}__`
export const REF = /REF__([A-Za-z]+)__/g

export const cut = (s: string, n = 300): string => s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s

export class Req {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly payload?: string | Buffer

  constructor (method: string, url: string, headers: Record<string, string>, payload?: string | Buffer) {
    this.method = method
    this.url = url
    this.headers = headers
    if (payload !== undefined) this.payload = payload
  }

  [fc.toStringMethod] (): string {
    const payload = this.payload === undefined ? '' : ` payload=${cut(JSON.stringify(String(this.payload)), 200)}`
    return `${this.method} ${cut(this.url, 200)} headers=${cut(JSON.stringify(this.headers), 300)}${payload}`
  }
}

/** Everything of a request a response may legitimately echo (a 404 names the path, a page the login typed). */
export function requestText (req: Req): string {
  let decoded = req.url
  try { decoded = decodeURIComponent(req.url.replaceAll('+', ' ')) } catch {}
  return [req.url, decoded, ...Object.values(req.headers), String(req.payload ?? '')].join('\n')
}
