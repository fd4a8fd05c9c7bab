import type { Step } from './report.js'

/**
 * The user's browser as the relying-party probes play it: a cookie jar, redirects followed (a
 * bounded number, http and https only), every request kept as evidence. Each request has a
 * timeout and reads at most a bounded number of bytes of the answer.
 */

export interface BrowserLimits {
  /** One request, answer read included. */
  timeoutMs: number
  /** Redirects followed from one navigation. */
  maxRedirects: number
  /** Bytes of one answer read; the rest is not waited for. */
  maxBytes: number
}

export const DEFAULT_LIMITS: BrowserLimits = { timeoutMs: 5_000, maxRedirects: 10, maxBytes: 256 * 1024 }

export interface Answer {
  status: number
  location?: string
  setCookie: string[]
}

export interface Request {
  method: 'GET' | 'POST'
  url: URL
  cookie?: string
  form?: Record<string, string>
}

/** Answers the requests meant for the sandbox itself, in process; undefined for every other URL. */
export type LocalTransport = (request: Request) => Promise<Answer> | undefined

export interface Browser {
  /** One request, no redirect followed. */
  send(request: Omit<Request, 'cookie'>): Promise<Answer | undefined>
  /**
   * Loads a URL and follows its redirects, until an answer that is not a redirect, or until
   * `stop` says a URL is where this navigation ends (not requested then). Answers the last answer
   * and the URL it came from, or the URL it stopped at (and the redirect that led there).
   */
  navigate(url: string, stop?: (url: URL) => boolean): Promise<{ url: URL, answer?: Answer, stopped: boolean }>
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

function parseUrl (value: string, base?: URL): URL | undefined {
  try {
    return new URL(value, base)
  } catch {
    return undefined
  }
}

/** Why the browser does not follow a redirect, when it does not. */
function refusal (next: URL | undefined, redirects: number, max: number): string | undefined {
  if (next === undefined) return 'a Location that is not a URL: not followed'
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return `redirect to a ${next.protocol} URL not followed`
  if (redirects === max) return `more than ${max} redirects: not followed further`
  return undefined
}

/** Reads at most `max` bytes of a body, then lets the rest go. */
async function drain (body: ReadableStream<Uint8Array> | null, max: number): Promise<void> {
  if (body === null) return
  const reader = body.getReader()
  let read = 0
  while (read < max) {
    const { done, value } = await reader.read()
    if (done) return
    read += value.byteLength
  }
  await reader.cancel()
}

/** A GET to the merchant (the only forms the browser posts are the sandbox's own login pages', answered locally). */
async function overNetwork (request: Request, limits: BrowserLimits): Promise<Answer> {
  const response = await fetch(request.url, {
    redirect: 'manual',
    signal: AbortSignal.timeout(limits.timeoutMs),
    headers: {
      accept: 'text/html,application/json;q=0.9,*/*;q=0.8',
      'user-agent': 'freedom-id-sandbox-probe',
      ...(request.cookie === undefined ? {} : { cookie: request.cookie })
    }
  })
  await drain(response.body, limits.maxBytes)
  const location = response.headers.get('location')
  return { status: response.status, ...(location === null ? {} : { location }), setCookie: response.headers.getSetCookie() }
}

/** Why a request got no answer, in a few words. */
function failure (error: unknown, limits: BrowserLimits): string {
  const e = error as Error & { cause?: Error }
  if (e.name === 'TimeoutError') return `no answer within ${limits.timeoutMs} ms`
  // fetch's failures carry their reason as the cause (refused, reset, a bad answer).
  /* c8 ignore next */
  return (e.cause ?? e).message
}

/** A browser with an empty jar; its requests go to `steps` (shared by the browsers of one probe, so they read in order). */
export function createBrowser (name: string, local: LocalTransport, limits: BrowserLimits, steps: Step[]): Browser {
  // Cookies by host (RFC 6265: ports do not separate them), then by name.
  const jar = new Map<string, Map<string, string>>()

  const cookieFor = (url: URL): string | undefined => {
    const cookies = jar.get(url.hostname)
    return cookies === undefined || cookies.size === 0 ? undefined : [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
  const keep = (url: URL, setCookie: string[]) => {
    for (const line of setCookie) {
      const [pair = '', ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      if (at <= 0) continue
      const name = pair.slice(0, at).trim()
      const cookies = jar.get(url.hostname) ?? new Map<string, string>()
      jar.set(url.hostname, cookies)
      const gone = attributes.some((attribute) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(attribute))
      if (gone) cookies.delete(name)
      else cookies.set(name, pair.slice(at + 1).trim())
    }
  }

  const send: Browser['send'] = async ({ method, url, form }) => {
    const step: Step = { browser: name, method, url: url.toString() }
    steps.push(step)
    const cookie = cookieFor(url)
    const request: Request = { method, url, ...(cookie === undefined ? {} : { cookie }), ...(form === undefined ? {} : { form }) }
    let answer: Answer
    try {
      answer = await (local(request) ?? overNetwork(request, limits))
    } catch (error) {
      step.error = failure(error, limits)
      return undefined
    }
    step.status = answer.status
    if (answer.location !== undefined) step.location = answer.location
    keep(url, answer.setCookie)
    return answer
  }

  return {
    send,
    navigate (start, stop) {
      const go = async (url: URL, redirects: number, previous?: Answer): Promise<{ url: URL, answer?: Answer, stopped: boolean }> => {
        if (stop?.(url) === true) return { url, ...(previous === undefined ? {} : { answer: previous }), stopped: true }
        const answer = await send({ method: 'GET', url })
        if (answer === undefined || !REDIRECTS.has(answer.status) || answer.location === undefined) return { url, answer, stopped: false }
        const next = parseUrl(answer.location, url)
        const refused = refusal(next, redirects, limits.maxRedirects)
        if (refused === undefined) return go(next!, redirects + 1, answer)
        steps.at(-1)!.error = refused
        return { url, answer, stopped: false }
      }
      return go(new URL(start), 0)
    }
  }
}
