import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { createClock } from '../../../src/domain/clock.js'
import { CLOCK, testApp } from '../app.js'
import { AIGERIM, approve, consent, exchange, refresh, userData } from '../flow.js'
import { VERIFIER, codeGrant, oidcToken } from '../oidc.js'
import { plant, recordsOf } from './bait.js'
import { LEAKS, UNJOURNALED, UUID, envelopeProblem, isOidcToken, isReadyProbe, oauthProblem, type Kind, type Verdict } from './invariants.js'
import { REF, Req, cut, requestText, type Bait } from './req.js'
import { EXPLORE, RUNS_PER_ENDPOINT, SEED, type Mode } from './runs.js'
import { isRecord } from './values.js'
import { watchedStore, type Watch } from './watched-store.js'

/*
 * The world a property runs in (test/property/): one app, its state and the records requests may
 * name; every request sent is checked against every invariant (invariants.ts).
 */

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
