import { METHODS, validateHeaderName, validateHeaderValue } from 'node:http'
import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { createClock } from '../../src/domain/clock.js'
import { GRANTS } from '../../src/domain/grants.js'
import { createMemoryStore, type Collection, type CollectionOptions, type List, type ListOptions, type Store } from '../../src/domain/store.js'
import type { TrackOidc } from '../../src/domain/tracks.js'
import { OAUTH_TOKEN_ERRORS, VALIDATION_MESSAGE } from '../../src/errors.js'
import { OIDC_TOKEN_PATHS } from '../../src/routes/oidc/token.js'
import { CLOCK, DEMO, DEMO_AUTH, KITAP, KITAP_AUTH, authorizeBody, basic, testApp } from './app.js'
import { AIGERIM, DANIYAR, approve, consent, exchange, refresh, userData } from './flow.js'
import { CALLBACK, CHALLENGE, NONCE, STATE, VERIFIER, codeGrant, oidcToken } from './oidc.js'

/*
 * Property-based tests of the HTTP surface (test/property/): a world (one app, its state and the
 * records requests may name), the invariants every answer keeps, and the arbitraries that build
 * requests. Longer than most files because every property file shares all three.
 *
 * PROPERTY_RUNS=n   generated runs per endpoint over all its modes (default 10,000)
 * PROPERTY_SEED=n   replays the seed a failure printed
 * PROPERTY_EXPLORE=1  no stop at the first failure: the shortest example of every distinct one
 */

function envInt (name: string): number | undefined {
  const value = process.env[name]
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${value}`)
  return n
}

/** Generated requests per endpoint, over all its run modes; `PROPERTY_RUNS=300` for a quick local run. */
export const RUNS_PER_ENDPOINT = envInt('PROPERTY_RUNS') ?? 10_000
/** Replays a failure fast-check reported (it prints the seed). */
const SEED = envInt('PROPERTY_SEED')
const EXPLORE = process.env.PROPERTY_EXPLORE === '1'

export interface Mode { name: string, errorStatus: 'http' | '200', journal: 'on' | 'off', sandboxToken?: string }

export const SANDBOX_TOKEN = 'property-control-token'
export const PROVIDER_MODES: Mode[] = [
  { name: 'ERROR_STATUS=http', errorStatus: 'http', journal: 'on' },
  { name: 'ERROR_STATUS=200', errorStatus: '200', journal: 'off' }
]
export const CONTROL_MODES: Mode[] = [
  ...PROVIDER_MODES,
  { name: 'ERROR_STATUS=http, SANDBOX_TOKEN', errorStatus: 'http', journal: 'on', sandboxToken: SANDBOX_TOKEN },
  { name: 'ERROR_STATUS=200, SANDBOX_TOKEN', errorStatus: '200', journal: 'off', sandboxToken: SANDBOX_TOKEN }
]

// ---------------------------------------------------------------------------------------------
// Requests, and the records they may name

export type BaitKey = 'track' | 'signedIn' | 'usedTrack' | 'expiredTrack' | 'code' | 'access' | 'refresh' | 'plainAccess' | 'oidcCode' | 'oidcRefresh' | 'kyc'
type Bait = Record<BaitKey, string>

/**
 * A placeholder for a live record (a track, a code, a token), swapped in when the request is
 * sent: a valid request may use a record up, and the next run gets a fresh one. Only characters
 * that survive JSON, form and URL encoding.
 */
export const ref = (key: BaitKey): string => `REF__${key}__`
const REF = /REF__([A-Za-z]+)__/g

const cut = (s: string, n = 300): string => s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s

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
function requestText (req: Req): string {
  let decoded = req.url
  try { decoded = decodeURIComponent(req.url.replaceAll('+', ' ')) } catch {}
  return [req.url, decoded, ...Object.values(req.headers), String(req.payload ?? '')].join('\n')
}

// ---------------------------------------------------------------------------------------------
// A store that counts writes

interface Watch { writes: number, last: string }

/**
 * The memory store, counting every write a request makes (puts, used-up records, deletes,
 * clears), so "a rejected request changes nothing" can be checked exactly. The journal's own
 * entries are not state: it records every request by design. No sweep timer: expiry stays on the clock.
 */
function watchedStore (now: () => number): { store: Store, watch: Watch } {
  const inner = createMemoryStore({ now, sweepIntervalMs: 0 })
  const watch: Watch = { writes: 0, last: '' }
  const wrote = (what: string) => { watch.writes++; watch.last = what }
  const store: Store = {
    local: true,
    collection<T>(name: string, options?: CollectionOptions): Collection<T> {
      const c = inner.collection<T>(name, options)
      return {
        put: (key, value, at) => { wrote(`put ${name} ${key}`); return c.put(key, value, at) },
        async add (key, value, at) {
          const added = await c.add(key, value, at)
          if (added) wrote(`add ${name} ${key}`)
          return added
        },
        get: (key) => c.get(key),
        async take (key) {
          const value = await c.take(key)
          if (value !== undefined) wrote(`take ${name} ${key}`)
          return value
        },
        async delete (key) {
          const deleted = await c.delete(key)
          if (deleted) wrote(`delete ${name} ${key}`)
          return deleted
        },
        size: () => c.size()
      }
    },
    list<T>(name: string, maxLength: number, options?: ListOptions): List<T> {
      const l = inner.list<T>(name, maxLength, options)
      return {
        push: (item) => { if (name !== 'journal') wrote(`push ${name}`); return l.push(item) },
        items: () => l.items(),
        last: (count) => l.last(count),
        async takeFirst (match, next) {
          const found = await l.takeFirst(match, next)
          if (found !== undefined) wrote(`change ${name}`)
          return found
        },
        clear: () => { wrote(`clear ${name}`); return l.clear() }
      }
    },
    counter (name) {
      const c = inner.counter(name)
      // The journal numbers every request by design; any other counter (the seeded id sequence) is state.
      const counted = name !== 'journal-ids'
      return {
        get: () => c.get(),
        add: (delta) => { if (counted) wrote(`add to ${name}`); return c.add(delta) },
        set: (value) => { if (counted) wrote(`set ${name}`); return c.set(value) }
      }
    },
    timeLine (name) {
      const l = inner.timeLine(name)
      return {
        get: () => l.get(),
        async change (change, step) {
          const next = await l.change(change, step)
          if (next !== undefined) wrote(`change ${name}`)
          return next
        },
        clear: () => { wrote(`clear ${name}`); return l.clear() }
      }
    },
    // Counted once stored: the writes of a run that met a change, or threw, are not.
    async atomically (step) {
      let staged: string[] = []
      const result = await inner.atomically(async (tx) => {
        staged = []
        return step({
          get: (name, key) => tx.get(name, key),
          items: (name) => tx.items(name),
          put (name, key, value, at) { staged.push(`put ${name} ${key}`); tx.put(name, key, value, at) },
          delete (name, key) { staged.push(`delete ${name} ${key}`); tx.delete(name, key) },
          push (name, maxLength, item, options) { staged.push(`push ${name}`); tx.push(name, maxLength, item, options) },
          clear (name) { staged.push(`clear ${name}`); tx.clear(name) }
        })
      })
      for (const what of staged) wrote(what)
      return result
    },
    withLock: (name, fn) => inner.withLock(name, fn),
    ping: () => inner.ping(),
    sweep: () => inner.sweep(),
    clear: () => { wrote('clear the store'); return inner.clear() },
    close: () => inner.close()
  }
  return { store, watch }
}

// ---------------------------------------------------------------------------------------------
// The world a property runs in

/**
 * The records requests may name, planted straight through the domain (fast, and no request to
 * check): only those missing or used up since the last time, so a run costs what it consumed.
 */
async function plant (app: FastifyInstance, old: Partial<Bait> = {}): Promise<Bait> {
  const { tracks, login, tokens, kyc, clock, ids, store } = app.sandbox
  const grants = [...GRANTS]
  const issue = (oidc?: TrackOidc) =>
    tracks.issue({ clientId: DEMO.id, redirectUri: oidc === undefined ? authorizeBody.redirect_uri : CALLBACK, grants, oidc })
  const signedIn = async (oidc?: TrackOidc) => {
    const track = await issue(oidc)
    await login.signIn(track.track_id, { userId: AIGERIM })
    return track.track_id
  }
  const codeOf = async (trackId: string) => {
    const back = new URL(await login.consent(trackId, 'allow')).searchParams
    return back.get('authorization_code') ?? back.get('code')!
  }
  const pair = (clientId: string, userId: string, granted: typeof grants) =>
    tokens.issue({ client_id: clientId, user_id: userId, track_id: bait.usedTrack!, grants: granted })
  const live = async (collection: string, key: string | undefined) => key !== undefined && await store.collection(collection).get(key) !== undefined
  const trackIn = async (id: string | undefined, expired: boolean, ...states: string[]) => {
    const track = id === undefined ? undefined : await tracks.find(id)
    return track !== undefined && tracks.isExpired(track) === expired && (states.length === 0 || states.includes(track.state))
  }
  const bait = { ...old }
  if (!await trackIn(old.expiredTrack, true)) {
    const now = clock.now()
    await clock.set(now - 11 * 60_000)
    bait.expiredTrack = (await issue()).track_id
    await clock.set(now)
  }
  if (!await trackIn(old.usedTrack, false, 'code_issued', 'exchanged', 'denied')) {
    bait.usedTrack = await signedIn()
    await codeOf(bait.usedTrack)
  }
  if (!await trackIn(old.track, false, 'issued', 'opened')) bait.track = (await issue()).track_id
  if (!await trackIn(old.signedIn, false, 'signed_in')) bait.signedIn = await signedIn()
  if (!await live('codes', old.code)) bait.code = await codeOf(await signedIn())
  if (!await live('codes', old.oidcCode)) bait.oidcCode = await codeOf(await signedIn({ state: STATE, nonce: NONCE, code_challenge: CHALLENGE }))
  if (!await live('access_tokens', old.access) || !await live('refresh_tokens', old.refresh)) {
    const full = await pair(DEMO.id, AIGERIM, grants)
    Object.assign(bait, { access: full.access_token, refresh: full.refresh_token })
  }
  if (!await live('access_tokens', old.plainAccess)) bait.plainAccess = (await pair(KITAP.id, DANIYAR, ['read.email'])).access_token
  if (!await live('refresh_tokens', old.oidcRefresh)) bait.oidcRefresh = (await pair(DEMO.id, AIGERIM, grants)).refresh_token
  if (!await live('kyc_requests', old.kyc === undefined ? undefined : `${DEMO.id}:${old.kyc}`)) {
    bait.kyc = await ids.uuidv4()
    await kyc.submit({ client_id: DEMO.id, user_id: AIGERIM, request_id: bait.kyc, grants, behaviour: undefined })
  }
  return bait as Bait
}

/** Every stored record behind a set of bait, exactly as stored. */
async function recordsOf (app: FastifyInstance, bait: Bait) {
  const get = (collection: string, key: string) => app.sandbox.store.collection(collection).get(key)
  return {
    tracks: await Promise.all([bait.track, bait.signedIn, bait.usedTrack, bait.expiredTrack].map((id) => get('tracks', id))),
    codes: await Promise.all([bait.code, bait.oidcCode].map((code) => get('codes', code))),
    access: await Promise.all([bait.access, bait.plainAccess].map((token) => get('access_tokens', token))),
    refresh: await Promise.all([bait.refresh, bait.oidcRefresh].map((token) => get('refresh_tokens', token))),
    kyc: await get('kyc_requests', `${DEMO.id}:${bait.kyc}`)
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Raw)
const sameKeys = (value: Record<string, unknown>, keys: string[]) =>
  Object.keys(value).length === keys.length && keys.every((key) => Object.hasOwn(value, key))

/** Why a body is not exactly the provider's envelope or its validation shape, if it is not. */
function envelopeProblem (body: unknown): string | undefined {
  if (!isRecord(body) || !sameKeys(body, ['error']) || !isRecord(body.error)) return 'the body is not {"error": {...}}'
  const error = body.error
  if (sameKeys(error, ['message', 'code'])) {
    return typeof error.message === 'string' && error.message !== '' && Number.isInteger(error.code) ? undefined : 'bad message or code'
  }
  if (sameKeys(error, ['message', 'errors']) && error.message === VALIDATION_MESSAGE && isRecord(error.errors)) {
    const lists = Object.values(error.errors)
    const good = lists.length > 0 && lists.every((list) => Array.isArray(list) && list.length > 0 && list.every((m) => typeof m === 'string' && m !== ''))
    return good ? undefined : 'validation errors that are not lists of messages'
  }
  return `unexpected envelope keys: ${Object.keys(error).join(', ')}`
}

/** The OIDC token endpoint answers its client errors in RFC 6749 section 5.2's shape (OIDC_ERRORS=oauth, the default). */
function isOidcToken (req: Req, path: string): boolean {
  let decoded = path
  try { decoded = decodeURIComponent(path) } catch {}
  return req.method.toUpperCase() === 'POST' && (OIDC_TOKEN_PATHS as readonly string[]).includes(decoded)
}

/** Why a body is not exactly an RFC 6749 token error with its status, if it is not. */
function oauthProblem (body: unknown, status: number): string | undefined {
  if (!isRecord(body) || !sameKeys(body, ['error', 'error_description'])) return 'the body is not {"error", "error_description"}'
  const expected = OAUTH_TOKEN_ERRORS[body.error as keyof typeof OAUTH_TOKEN_ERRORS]
  if (expected === undefined) return `an unknown OAuth error code ${JSON.stringify(body.error)}`
  if (expected !== status) return `${String(body.error)} with HTTP ${status}`
  return typeof body.error_description === 'string' && /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(body.error_description) ? undefined : 'an error_description RFC 6749 does not allow'
}

const LEAKS: Array<[string, RegExp]> = [
  ['a stack frame', /\bat (?:async )?\S+ \(\S*:\d+:\d+\)|\bat (?:file:|node:|\/)\S*:\d+:\d+/],
  ['node_modules', /node_modules/],
  ['a source path', /\/work\/|file:\/\/|\bsrc\/[\w/.-]+\.[jt]s\b/],
  ['an error class', /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|FastifyError)\b/]
]

/** What the journal leaves out by design (src/plugins/control-hooks.ts). */
/**
 * /ready answers 503 under inject by design (nothing listens), in any spelling the router
 * decodes to it (`/%72eady`).
 */
function isReadyProbe (url: string): boolean {
  const path = url.split('?')[0]!
  try {
    return decodeURIComponent(path) === '/ready'
  } catch {
    return false
  }
}

const UNJOURNALED = /^\/(__sandbox(\/|$)|health$|ready$|openapi\.json$|login\/assets\/)/

/** What kind of endpoint a property aims at: JSON (the envelope), the login pages (HTML) or anything. */
export type Kind = 'json' | 'html' | 'any'

interface Verdict { problems: string[], rejected: boolean }

export class World {
  readonly app: FastifyInstance
  readonly mode: Mode
  readonly runs: number
  private readonly watch: Watch
  private readonly logs: Array<Record<string, unknown>>
  private bait: Bait = {} as Bait
  private sentinel?: { bait: Bait, records: Awaited<ReturnType<typeof recordsOf>> }
  private dirty = true

  constructor (app: FastifyInstance, mode: Mode, runs: number, watch: Watch, logs: Array<Record<string, unknown>>) {
    this.app = app
    this.mode = mode
    this.runs = runs
    this.watch = watch
    this.logs = logs
  }

  /** Records no request names, checked unchanged and still usable at the end. */
  async plantSentinels (): Promise<void> {
    const bait = await plant(this.app)
    this.sentinel = { bait, records: await recordsOf(this.app, bait) }
  }

  /** Fresh bait, any queued fault gone and the clock back at its start (valid control requests move it). */
  private async refresh (): Promise<void> {
    const { faults, clock } = this.app.sandbox
    await faults.clear()
    if (clock.now() !== Date.parse(CLOCK)) await clock.reset()
    this.bait = await plant(this.app, this.bait)
    this.dirty = false
  }

  private resolve (req: Req): Req {
    const swap = (text: string) => text.replace(REF, (whole, key: string) => (this.bait as Record<string, string>)[key] ?? whole)
    const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, swap(value)]))
    return new Req(req.method, swap(req.url), headers, typeof req.payload === 'string' ? swap(req.payload) : req.payload)
  }

  async send (req: Req, timeoutMs = 10_000): Promise<LightMyRequestResponse> {
    let timer: NodeJS.Timeout | undefined
    const hang = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms: ${req[fc.toStringMethod]()}`)), timeoutMs)
    })
    try {
      return await Promise.race([
        this.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) }),
        hang
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Provisioned and changed users live in the store, so its writes cover them. */
  private snapshot () {
    return { writes: this.watch.writes, clock: this.app.sandbox.clock.now() }
  }

  /** The newest journal entry's id: each request the journal covers adds one (the README: it records every request). */
  private async journaled (req: Req, kind: Kind): Promise<number | undefined> {
    if (this.mode.journal !== 'on' || kind === 'any' || UNJOURNALED.test(req.url.split('?')[0]!)) return undefined
    return (await this.app.sandbox.journal.query({ limit: '1' }))[0]?.id ?? 0
  }

  /** Sends one request and checks every invariant; throws with the request and response when one fails. */
  async probe (generated: Req, kind: Kind): Promise<void> {
    const req = this.resolve(generated)
    const before = this.snapshot()
    const logged = this.logs.length
    const entries = await this.journaled(req, kind)
    const res = await this.send(req)
    const { problems, rejected } = await this.judge(req, res, kind)
    if (entries !== undefined && await this.journaled(req, kind) !== entries + 1) problems.push('the journal did not record the request')
    const after = this.snapshot()
    const changes = [
      ...(after.writes === before.writes ? [] : [`${after.writes - before.writes} store write(s), the last: ${this.watch.last}`]),
      ...(after.clock === before.clock ? [] : [`the clock (now ${after.clock})`])
    ]
    if (rejected && changes.length > 0) problems.push(`a rejected request changed the state: ${changes.join(', ')}`)
    const errors = this.logs.slice(logged).filter((line) => Number(line.level) >= 50)
    if (errors.length > 0 && !isReadyProbe(req.url)) {
      problems.push(`logged an error: ${errors.map((line) => `${String(line.msg)}: ${String((line.err as { message?: string } | undefined)?.message)}`).join('; ')}`)
    }
    if (changes.length > 0 || problems.length > 0) this.dirty = true
    if (problems.length === 0) return
    const type = String(res.headers['content-type'] ?? '')
    const location = res.headers.location === undefined ? '' : ` location=${cut(String(res.headers.location))}`
    const error = new Error(`${problems.join('; ')}\n    request:  ${req[fc.toStringMethod]()}\n    response: ${res.statusCode} ${type}${location} ${cut(res.body, 500)}`)
    error.stack = error.message
    throw error
  }

  private async judge (req: Req, res: LightMyRequestResponse, kind: Kind): Promise<Verdict> {
    const problems: string[] = []
    const status = res.statusCode
    const path = req.url.split('?')[0]!
    const head = req.method.toUpperCase() === 'HEAD'
    if (status >= 500 && !isReadyProbe(req.url)) problems.push(`HTTP ${status}`)
    const echoed = requestText(req)
    for (const [what, pattern] of LEAKS) if (pattern.test(res.body) && !pattern.test(echoed)) problems.push(`the body shows ${what}`)

    if (status >= 300 && status < 400) {
      const problem = await this.redirectProblem(req, res, kind)
      if (problem !== undefined) problems.push(problem)
      const location = new URL(String(res.headers.location ?? ''), 'http://sandbox.test')
      return { problems, rejected: path === '/openid' && location.searchParams.has('error') }
    }
    const type = String(res.headers['content-type'] ?? '')
    const html = type.startsWith('text/html')
    const json = type.startsWith('application/json')
    let body: unknown
    if (json && !head && res.body !== '') {
      try { body = JSON.parse(res.body) } catch { problems.push('a JSON content type on a body that is not JSON') }
    }
    const failed = status >= 400 || (isRecord(body) && 'error' in body)
    if (!failed) return { problems, rejected: false }
    if (html) {
      if (kind === 'json') problems.push('an HTML error from a JSON endpoint')
      if (!head && !res.body.startsWith('<!doctype html>')) problems.push('an HTML error that is not a page')
      return { problems, rejected: true }
    }
    if (kind === 'html') problems.push('a login page answered an error that is not an HTML page')
    // Its status is part of the standard error, so ERROR_STATUS leaves it alone; a 5xx stays the envelope.
    const standard = isOidcToken(req, path) && status >= 400 && status < 500
    if (!json) problems.push(`an error with the content type "${type}"`)
    else if (standard && !head) {
      const problem = oauthProblem(body, status)
      if (problem !== undefined) problems.push(problem)
    } else if (!head && !isReadyProbe(req.url)) this.envelopeProblems(body, status, problems)
    if (this.mode.errorStatus === '200' && status !== 200 && !standard) problems.push(`ERROR_STATUS=200, yet HTTP ${status}`)
    if (this.mode.errorStatus === 'http' && status < 400) problems.push(`an error envelope with HTTP ${status}`)
    return { problems, rejected: true }
  }

  private envelopeProblems (body: unknown, status: number, problems: string[]): void {
    const shape = envelopeProblem(body)
    if (shape !== undefined) {
      problems.push(shape)
      return
    }
    const error = (body as { error: { code?: number } }).error
    if (this.mode.errorStatus !== 'http') {
      if (error.code !== undefined && error.code >= 100500) problems.push(`a server error (code ${error.code}) behind HTTP ${status}`)
      return
    }
    if (error.code === undefined) {
      if (status !== 422) problems.push(`validation errors with HTTP ${status}`)
    } else if (error.code !== 100000 + status && !(status === 400 && error.code === 100101)) {
      problems.push(`code ${error.code} with HTTP ${status}`)
    }
  }

  /** A 303 to the login pages, or to the stored redirect_uri of a track the request names (/openid: its own redirect_uri). */
  private async redirectProblem (req: Req, res: LightMyRequestResponse, kind: Kind): Promise<string | undefined> {
    const location = String(res.headers.location ?? '')
    if (kind === 'json') return `a ${res.statusCode} redirect from a JSON endpoint`
    if (res.statusCode !== 303) return `a ${res.statusCode} redirect, not 303`
    if (/^\/login(\/consent)?\?/.test(location)) return undefined
    let target: URL
    try { target = new URL(location) } catch { return `a redirect to "${location}"` }
    const allowed: string[] = []
    for (const id of new Set(requestText(req).match(UUID) ?? [])) {
      const track = await this.app.sandbox.tracks.find(id.toLowerCase())
      if (track !== undefined) allowed.push(track.redirect_uri)
    }
    const [path, query = ''] = req.url.split(/\?(.*)/s)
    if (path === '/openid') allowed.push(new URLSearchParams(query).get('redirect_uri') ?? '')
    const same = (uri: string) => {
      try {
        const u = new URL(uri)
        return u.origin === target.origin && u.pathname === target.pathname
      } catch { return false }
    }
    return allowed.some(same) ? undefined : `a redirect to ${location}, which no track of the request stores`
  }

  /** Runs the property: `runs` generated requests (or short sequences), every invariant checked on each. */
  async check (t: Test, arbitrary: fc.Arbitrary<Req | Req[]>, kind: Kind): Promise<void> {
    if (EXPLORE) await this.explore(t, arbitrary, kind)
    else await this.assert(t, arbitrary, kind)
    await this.stillServes(t)
  }

  private async assert (t: Test, arbitrary: fc.Arbitrary<Req | Req[]>, kind: Kind): Promise<void> {
    try {
      await fc.assert(fc.asyncProperty(arbitrary, async (value) => {
        if (this.dirty) await this.refresh()
        for (const req of Array.isArray(value) ? value : [value]) await this.probe(req, kind)
      }), { numRuns: this.runs, includeErrorInReport: true, ...(SEED === undefined ? {} : { seed: SEED }) })
      t.pass(`${this.runs} generated runs kept every invariant`)
    } catch (error) {
      t.fail((error as Error).message)
    }
  }

  /** PROPERTY_EXPLORE=1: no stop at the first failure, no shrinking; the shortest example of each distinct failure. */
  private async explore (t: Test, arbitrary: fc.Arbitrary<Req | Req[]>, kind: Kind): Promise<void> {
    const found = new Map<string, string>()
    for (const value of fc.sample(arbitrary, { numRuns: this.runs, ...(SEED === undefined ? {} : { seed: SEED }) })) {
      if (this.dirty) await this.refresh()
      for (const req of Array.isArray(value) ? value : [value]) {
        try {
          await this.probe(req, kind)
        } catch (error) {
          const message = (error as Error).message
          const key = `${req.method} ${req.url.split('?')[0]} ${message.split('\n')[0]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d+/gi, '#')}`
          if (!found.has(key) || message.length < found.get(key)!.length) found.set(key, message)
        }
      }
    }
    for (const message of found.values()) t.fail(message)
    if (found.size === 0) t.pass(`${this.runs} generated runs kept every invariant`)
  }

  /** The process keeps serving: a whole valid flow works, and the sentinels are as planted and still usable. */
  async stillServes (t: Test): Promise<void> {
    const { app } = this
    await app.sandbox.faults.clear()
    try {
      const { code } = await approve(app)
      const tokens = await exchange(app, code)
      t.equal(tokens.statusCode, 200, 'a fresh code still exchanges')
      const user = await userData(app, tokens.json().access_token)
      t.same([user.statusCode, user.json().id], [200, AIGERIM], 'user data still answers')
    } catch (error) {
      t.fail(`the sandbox no longer serves a valid flow: ${(error as Error).message}`)
      return
    }
    if (this.sentinel === undefined) return
    const s = this.sentinel.bait
    t.same(await recordsOf(app, s), this.sentinel.records, 'no sentinel record changed')
    const page = (trackId: string) => app.inject({ method: 'GET', url: `/login?track_id=${trackId}` }).then((res) => res.statusCode)
    t.same([await page(s.track), await page(s.usedTrack), await page(s.expiredTrack)], [200, 409, 410], 'the sentinel tracks')
    const allowed = await consent(app, s.signedIn, 'allow')
    t.match(allowed.headers.location, /authorization_code=/, 'the signed-in sentinel track still consents')
    t.match((await exchange(app, s.code)).json(), { access_token: String }, 'the sentinel code still exchanges')
    t.equal((await userData(app, s.access)).statusCode, 200, 'the sentinel access token still works')
    t.match((await refresh(app, s.refresh)).json(), { access_token: String }, 'the sentinel refresh token still refreshes')
    t.match((await oidcToken(app, { body: codeGrant(s.oidcCode, { code_verifier: VERIFIER }) })).json(), { id_token: String }, 'the sentinel OIDC code')
    const kyc = await app.inject({ method: 'GET', url: `/api/v1/oauth/get-profile/status?request_id=${s.kyc}`, headers: { authorization: `Bearer ${s.access}` } })
    t.equal(kyc.json().status, 'accepted', 'the sentinel KYC request')
  }
}

/** One app for one property (seeded, frozen clock, errors logged), reused across its runs. */
export async function propertyWorld (t: Test, mode: Mode, options: { modes: number, sentinels?: boolean }): Promise<World> {
  const clock = createClock(new Date(CLOCK))
  const { store, watch } = watchedStore(clock.now)
  const { app, logs } = await testApp(t, {
    logLevel: 'error',
    errorStatus: mode.errorStatus,
    journal: mode.journal,
    ...(mode.sandboxToken === undefined ? {} : { sandboxToken: mode.sandboxToken })
  }, undefined, { clock, store })
  const world = new World(app, mode, Math.ceil(RUNS_PER_ENDPOINT / options.modes), watch, logs)
  if (options.sentinels !== false) await world.plantSentinels()
  return world
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const chars = (ranges: Array<[number, number]>) =>
  fc.oneof(...ranges.map(([min, max]) => fc.integer({ min, max }))).map((code) => String.fromCharCode(code))

const ODD_STRINGS = ['', ' ', '\t', '\u0000', '\ud800', '\udfff', '\ufeff', '\u202e', 'null', 'undefined', 'true', '0', '-1',
  '1e309', 'NaN', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '{}', '[]', '%', '%zz', '%E0%A4%A',
  '../../etc/passwd', '<script>alert(1)</script>', '"', "'", '\\', '$' + '{x}', '\r\n', 'Ünïcödé ☃ 𝕏', '😀', 'a'.repeat(2049), 'REF__nothing__']

/** Any text: ASCII, any code point, graphemes, control characters, awkward classics, a few KiB. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 3, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ unit: chars([[0, 0x1f], [0x7f, 0x9f]]) }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1000, max: 5000 }), fc.string({ minLength: 1, maxLength: 3 })).map(([n, s]) => s.repeat(n)) }
)

/** Around the 64 KiB body limit, both sides of it. */
const hugeParts = fc.tuple(fc.integer({ min: 60_000, max: 70_000 }), fc.constantFrom('a', 'é', '☃', '0', '\u0000'))
  .map(([bytes, char]) => ({ char, count: Math.floor(bytes / Buffer.byteLength(char)) }))
export const huge: fc.Arbitrary<string> = hugeParts.map(({ char, count }) => char.repeat(count))

/** JSON text placed into a body as it is: nesting deeper than any object a test would build. */
export class Raw {
  readonly text: string
  constructor (text: string) { this.text = text }
  [fc.toStringMethod] (): string { return `Raw(${cut(this.text, 60)})` }
}

export const deep: fc.Arbitrary<Raw> = fc.tuple(fc.integer({ min: 50, max: 40_000 }), fc.boolean())
  .map(([depth, arrays]) => new Raw(arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)))

const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'error', 'track_id', 'grants'))

/** Nested JSON values of every kind (fc.letrec). */
export const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('node'), { maxKeys: 3 })
})).node

/** A field's values: those the endpoint knows (some of them invalid on purpose), and anything at all. */
export interface Field { good: fc.Arbitrary<unknown>, any: fc.Arbitrary<unknown> }

/** Good values are constants or arbitraries; `any` mixes them with near misses, any text, JSON, nesting and huge values. */
export function field (...good: unknown[]): Field {
  const known = fc.oneof(...good.map((g) => g instanceof fc.Arbitrary ? g as fc.Arbitrary<unknown> : fc.constant(g)))
  const strings = good.filter((g): g is string => typeof g === 'string')
  const nearMiss = strings.length === 0
    ? fc.constant('')
    : fc.tuple(fc.constantFrom(...strings), fc.nat(5)).map(([s, how]) =>
      [s.toUpperCase(), ` ${s} `, s.slice(0, -1), `${s}x`, `${s}\u0000`, s.replace(/./u, '%')][how]!)
  return {
    good: known,
    any: fc.oneof(
      { weight: 24, arbitrary: known },
      { weight: 4, arbitrary: nearMiss },
      { weight: 8, arbitrary: text },
      { weight: 2, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, [], {}, '', ' ') },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      { weight: 2, arbitrary: tree },
      { weight: 2, arbitrary: fc.array(text, { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.oneof(huge, deep) }
    )
  }
}

/** Valid values, and now and then a boundary case just outside them. */
export const mostly = (valid: unknown[], invalid: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) })

const mapValues = <T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, f(value)]))

/**
 * An object with the endpoint's field names: every field a good value (so valid requests, and
 * their effects, happen too), every field anything, or some fields only; sometimes a few strangers.
 */
export function fields (spec: Record<string, Field>): fc.Arbitrary<Record<string, unknown>> {
  const anyOf = mapValues(spec, (f) => f.any)
  const known = fc.oneof(
    { weight: 2, arbitrary: fc.record(mapValues(spec, (f) => f.good)) },
    { weight: 3, arbitrary: fc.record(anyOf) },
    { weight: 2, arbitrary: fc.record(anyOf, { requiredKeys: [] }) }
  )
  const extra = fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(key, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) })
  return fc.tuple(known, extra).map(([k, e]) => ({ ...e, ...k }))
}

export function jsonText (value: unknown): string {
  if (value instanceof Raw) return value.text
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`
  if (isRecord(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

const formValue = (value: unknown): string => typeof value === 'string' ? value : value instanceof Raw ? value.text : jsonText(value)

/** application/x-www-form-urlencoded; an array becomes a repeated name. */
export function formText (value: Record<string, unknown>): string {
  const form = new URLSearchParams()
  for (const [name, v] of Object.entries(value)) for (const one of Array.isArray(v) ? v : [v]) form.append(name, formValue(one))
  return form.toString()
}

const pct = (s: string): string => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
/** Percent-encodes all but the unreserved characters. */
export const encode = (s: string): string => s.replace(/[^A-Za-z0-9\-._~]/gu, pct)
/** Leaves & = + % and most of ASCII raw: the parser sees what a careless client sends. */
const rawEncode = (s: string): string => s.replace(/[^\x21-\x7e]|#/gu, pct)

/** Node refuses a request line and headers over 16 KiB (431) before any app sees them. */
const MAX_QUERY = 12 * 1024

/** A query string with these parameters: encoded, left raw, or with broken percent-encoding and stray separators. */
export function query (spec: Record<string, Field>): fc.Arbitrary<string> {
  return fc.tuple(fields(spec), fc.nat(4), fc.constantFrom('%', '%zz', '%E0%A4%A', '=', '&&', 'a=%', '%00=%00', 'a[b]=c', 'x=1&x=2'))
    .map(([value, style, junk]) => {
      const short = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, Array.isArray(v) ? v.map((one) => formValue(one).slice(0, MAX_QUERY)) : formValue(v).slice(0, MAX_QUERY)]))
      if (style <= 2) return formText(short).slice(0, MAX_QUERY)
      const raw = Object.entries(short).map(([name, v]) => `${rawEncode(name)}=${rawEncode(String(v))}`).join('&')
      return (style === 3 ? raw : `${formText(short)}&${junk}`).slice(0, MAX_QUERY)
    })
}

/** A path segment: a good one, any text percent-encoded, or broken encoding, dot segments and long ones. */
export function segment (...good: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...good) },
    { weight: 3, arbitrary: text.filter((s) => s !== '').map(encode) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%2F', '..', '.', '%2e%2e', '%00', '%20', '~', '%C0%AF', '+') },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'a'.repeat(n)) }
  )
}

const isHeaderValue = (value: string): boolean => {
  try {
    validateHeaderValue('x', value)
    return true
  } catch { return false }
}

/** Header values Node's HTTP parser would pass on: tab, printable ASCII and Latin-1 (anything else never reaches an app). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: chars([[0x20, 0x7e], [0x80, 0xff], [9, 9]]) }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t', 'gzip', '0', '-1', '99999999999', 'application/json', 'undefined', 'null', '%zz', 'é') },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 8000 }).map((n) => 'x'.repeat(n)) }
).filter(isHeaderValue)

const TOKEN_CHARS: Array<[number, number]> = [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x2d, 0x2d], [0x5f, 0x5f], [0x21, 0x21], [0x7e, 0x7e]]
const headerName = fc.oneof(
  fc.constantFrom('accept', 'accept-encoding', 'accept-language', 'cookie', 'origin', 'referer', 'user-agent', 'x-forwarded-for',
    'x-forwarded-proto', 'x-request-id', 'x-http-method-override', 'content-encoding', 'content-length', 'expect', 'host', 'range'),
  fc.string({ unit: chars(TOKEN_CHARS), minLength: 1, maxLength: 20 })
).filter((name) => {
  try {
    validateHeaderName(name)
    return name.toLowerCase() !== 'transfer-encoding'
  } catch { return false }
})

/** Usually none, sometimes a few more headers with random values. */
const extraHeaders = fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(headerName, headerValue, { maxKeys: 3 }) })

const b64 = (s: string) => Buffer.from(s).toString('base64')
const VALID_BASIC = b64(`${DEMO.id}:${DEMO.secret}`)

/** Authorization for Basic endpoints: mostly real clients, else wrong secrets, broken base64, other schemes, none. */
export const basicAuth: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(DEMO_AUTH) },
  { weight: 3, arbitrary: fc.constant(KITAP_AUTH) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(DEMO.id, KITAP.id), text).map(([id, secret]) => basic(id, secret)) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.uuid(), text), text).map(([id, secret]) => basic(id, secret)) },
  { weight: 1, arbitrary: headerValue.map((v) => `Basic ${v}`) },
  { weight: 1, arbitrary: text.map((s) => `Basic ${b64(s)}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('Basic', 'Basic ', `basic ${VALID_BASIC}`, `BASIC   ${VALID_BASIC}  `, `Basic ${VALID_BASIC.replace(/=+$/, '')}`,
      `Basic ${VALID_BASIC}==`, `Basic ${VALID_BASIC.slice(1)}`, `Basic\t${VALID_BASIC}`, `Basic ${b64(`${encodeURIComponent(DEMO.id)}:${encodeURIComponent(DEMO.secret)}`)}`,
      `Basic ${b64(`${DEMO.id}:${DEMO.secret}:extra`)}`, `Basic ${b64(`:${DEMO.secret}`)}`, `Basic ${b64(DEMO.id)}`, `Basic ${b64(`${DEMO.id.toUpperCase()}:${DEMO.secret}`)}`,
      `Basic ${VALID_BASIC}, Basic ${VALID_BASIC}`, `Bearer ${VALID_BASIC}`, `Digest username="${DEMO.id}"`)
  },
  { weight: 1, arbitrary: headerValue },
  { weight: 2, arbitrary: fc.constant(undefined) }
)

const alphanumeric = fc.string({ unit: chars([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]]), minLength: 128, maxLength: 128 })

/** Authorization for Bearer endpoints: mostly these tokens (refs), else near misses, random tokens, other schemes, none. */
export function bearerAuth (...tokens: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...tokens).map((token) => `Bearer ${token}`) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom('bearer ', 'BEARER ', 'Bearer   ', 'Bearer\t', 'Bearer', 'Basic ', ''), fc.constantFrom(...tokens), fc.constantFrom('', ' ', 'x', '=', '==', ' x', ', Bearer x'))
        .map(([scheme, token, tail]) => `${scheme}${token}${tail}`)
    },
    { weight: 2, arbitrary: alphanumeric.map((token) => `Bearer ${token}`) },
    { weight: 2, arbitrary: headerValue.map((v) => `Bearer ${v}`) },
    { weight: 1, arbitrary: fc.constantFrom(DEMO_AUTH, 'Bearer', 'Bearer ', 'Token abc', 'Bearer ../../', 'Bearer null', `Bearer ${'A'.repeat(5000)}`) },
    { weight: 1, arbitrary: headerValue },
    { weight: 2, arbitrary: fc.constant(undefined) }
  )
}

/** For /__sandbox: the SANDBOX_TOKEN (when one is set), near misses, other credentials, none. */
export const controlAuth: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 10, arbitrary: fc.constant(`Bearer ${SANDBOX_TOKEN}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(`bearer ${SANDBOX_TOKEN}`, `Bearer   ${SANDBOX_TOKEN}  `, `Bearer ${SANDBOX_TOKEN}x`, `Bearer ${SANDBOX_TOKEN.slice(0, -1)}`,
      `Bearer ${SANDBOX_TOKEN} ${SANDBOX_TOKEN}`, `Basic ${b64(`x:${SANDBOX_TOKEN}`)}`, SANDBOX_TOKEN, 'Bearer', `Bearer\t${SANDBOX_TOKEN}`, `Bearer ${SANDBOX_TOKEN.toUpperCase()}`)
  },
  { weight: 1, arbitrary: bearerAuth(ref('access')) },
  { weight: 2, arbitrary: fc.constant(undefined) }
)

export interface Body { type?: string, payload?: string | Buffer }

const JSON_TYPE = fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'Application/JSON',
  'application/json;charset=utf-16', 'application/json ; x=y', 'application/vnd.api+json')
const FORM = 'application/x-www-form-urlencoded'

/** Bodies of every shape a client may send, none of them built from the endpoint's fields. */
export const oddBody: fc.Arbitrary<Body> = fc.oneof(
  fc.tuple(JSON_TYPE, fc.jsonValue()).map(([type, v]) => ({ type, payload: JSON.stringify(v) })),
  fc.tuple(JSON_TYPE, fc.oneof(text, fc.json().map((s) => s.slice(0, -1)))).map(([type, payload]) => ({ type, payload })),
  fc.constantFrom<Body>({ type: 'application/json', payload: '' }, { type: 'application/json' }, {}, { payload: '' }, { type: FORM, payload: '' },
    { type: 'application/json', payload: '{"__proto__":{"x":1}}' }, { type: 'application/json', payload: '{"constructor":{"prototype":{"x":1}}}' },
    { type: 'application/json', payload: 'null' }, { type: 'application/json', payload: '\ufeff{}' }, { type: FORM, payload: 'a=%zz&track_id=%E0%A4%A&&=&x' }),
  text.map((payload) => ({ payload })),
  fc.tuple(fc.constantFrom('text/plain', 'text/html', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream',
    `${FORM}; charset=utf-8`, 'application/jsonx', 'json', '*/*', '', ' application/json'), text).map(([type, payload]) => ({ type, payload })),
  fc.tuple(headerValue, text).map(([type, payload]) => ({ type, payload })),
  fc.tuple(fc.oneof(JSON_TYPE, fc.constant(FORM)), fc.uint8Array({ maxLength: 300 })).map(([type, bytes]) => ({ type, payload: Buffer.from(bytes) })),
  fc.tuple(JSON_TYPE, huge).map(([type, s]) => ({ type, payload: JSON.stringify({ x: s }) })),
  hugeParts.map(({ char, count }) => ({ type: FORM, payload: `x=${encode(char).repeat(count)}` })),
  fc.tuple(JSON_TYPE, deep).map(([type, raw]) => ({ type, payload: raw.text }))
)

/** Bodies built from the endpoint's fields (JSON, or form where the endpoint takes forms), or odd ones. */
export function bodies (value: fc.Arbitrary<Record<string, unknown>>, options: { form?: boolean } = {}): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: options.form === true ? 3 : 12, arbitrary: fc.tuple(JSON_TYPE, value).map(([type, v]) => ({ type, payload: jsonText(v) })) },
    { weight: options.form === true ? 12 : 1, arbitrary: value.map((v) => ({ type: FORM, payload: formText(v) })) },
    { weight: 3, arbitrary: oddBody }
  )
}

/** A body on a route that reads none: usually nothing, sometimes anything. */
export const stray: fc.Arbitrary<Body> = fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: oddBody })

/** Every method Node knows, in any case (inject refuses others, as Node's parser does). */
export const anyMethod = fc.oneof(fc.constantFrom(...METHODS), fc.constantFrom(...METHODS).map((m) => m.toLowerCase()))

const arb = <T>(value: T | fc.Arbitrary<T>): fc.Arbitrary<T> => value instanceof fc.Arbitrary ? value : fc.constant(value)

export function requests (parts: {
  method: string | fc.Arbitrary<string>
  path: string | fc.Arbitrary<string>
  query?: fc.Arbitrary<string>
  auth?: fc.Arbitrary<string | undefined>
  body?: fc.Arbitrary<Body>
}): fc.Arbitrary<Req> {
  return fc.record({
    method: arb(parts.method),
    path: arb(parts.path),
    query: parts.query ?? fc.constant(''),
    auth: parts.auth ?? fc.constant(undefined),
    body: parts.body ?? stray,
    extra: extraHeaders
  }).map(({ method, path, query, auth, body, extra }) => {
    const headers: Record<string, string> = { ...extra }
    if (body.type !== undefined) headers['content-type'] = body.type
    if (auth !== undefined) headers.authorization = auth
    return new Req(method, query === '' ? path : `${path}?${query}`, headers, body.payload)
  })
}

/** Values of the fixtures, for fields that name users and grants. */
export const PERSONA_IDS = ['5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02', '1d4e6f8a-2b3c-4e5f-a6b7-c8d9e0f1a203',
  '9a8b7c6d-5e4f-4a3b-b2c1-d0e9f8a7b604', '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a05', '6f1a2b3c-4d5e-4f6a-9b7c-8d9e0f1a2b06']
export const PERSONA_LOGINS = ['+77015550101', '87015550101', '+7 (701) 555-01-01', 'aigerim.sarsenbayeva@example.com', 'AIGERIM.SARSENBAYEVA@EXAMPLE.COM',
  '+77025550202', '+77475550404', '+77775550505', 'marat.abenov@example.com', 'dana.mukhametova@example.com']
export const grantList: Field = {
  good: fc.subarray([...GRANTS], { minLength: 1 }),
  any: fc.oneof({ weight: 4, arbitrary: fc.subarray([...GRANTS], { minLength: 1 }) }, { weight: 1, arbitrary: fc.array(field(...GRANTS).any, { maxLength: 5 }) })
}
export { CALLBACK, CHALLENGE, DEMO, KITAP, NONCE, STATE, VERIFIER }
