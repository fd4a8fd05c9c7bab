import type { SandboxContext } from '../context.js'
import type { Client, User } from '../domain/fixtures.js'
import type { IdTokenTamper } from '../domain/id-token-tamper.js'
import { redirectWith } from '../domain/login.js'
import type { Track } from '../domain/tracks.js'
import { createBrowser, type Answer, type Browser, type BrowserLimits, type LocalTransport } from './browser.js'
import type { Step } from './report.js'

/** A step of a sign-in that did not go as a sign-in goes: the probe cannot be carried out. */
export class ProbeSetupError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ProbeSetupError'
  }
}

export interface Begun {
  browser: Browser
  track: Track
  /** The origin the merchant sent the browser to for the login page. */
  loginOrigin: string
}

export interface SignedIn extends Begun {
  /** The merchant's callback, as the sandbox's consent page redirected to it, not yet loaded. */
  callback: URL
  code: string
}

/** What the probes are made of: browsers, sign-ins through the sandbox's own pages, and codes changed on purpose. */
export interface ProbeKit {
  attackerPersona: User
  otherClient?: Client
  browser(name: string): Browser
  /** A fresh browser loads --start and follows it to the sandbox's login page. */
  begin(name: string): Promise<Begun>
  /** Signs in as the persona on the login page, then allows or denies: the callback the browser would load. */
  consent(begun: Begun, decision: 'allow' | 'deny', persona?: User): Promise<URL>
  /** begin, then sign in and allow. */
  signedInBrowser(name: string, persona?: User): Promise<SignedIn>
  /** Loads a callback in a browser, following the merchant's redirects (not into a new sign-in). */
  deliver(browser: Browser, callback: URL): Promise<Answer | undefined>
  /** The track's own redirect_uri with this code (and on an OIDC track its state): what the sandbox's redirect would be. */
  callbackFor(track: Track, code: string): URL
  codeForOtherClient(track: Track): Promise<string>
  alterCode(code: string, change: { tamper?: IdTokenTamper, unbindPkce?: true, expire?: true }): Promise<void>
}

export interface KitOptions {
  sandbox: SandboxContext
  local: LocalTransport
  limits: BrowserLimits
  /** Origins at which the browser reaches the sandbox. */
  origins: ReadonlySet<string>
  start: string
  persona: User
  attackerPersona: User
  /** The merchant's client, once the honest sign-in showed it. */
  clientId?: string
}

/** The request a sign-in step ended with, and its answer. */
const describe = (steps: Step[]): string => {
  const last = steps.at(-1)!
  return `${last.method} ${last.url} ${last.error ?? `answered ${last.status}`}`
}

/** A kit whose browsers write their requests to `steps`. */
export function createKit (options: KitOptions, steps: Step[]): ProbeKit {
  const { sandbox, local, limits, origins } = options
  const isLoginPage = (url: URL) => origins.has(url.origin) && url.pathname === '/login' && url.searchParams.has('track_id')
  const browser = (name: string) => createBrowser(name, local, limits, steps)
  const otherClient = sandbox.clients.all().find((client) => client.client_id !== options.clientId)

  /** A form post on the sandbox's login pages that must redirect; where it redirects. */
  const post = async (target: Browser, url: string, form: Record<string, string>): Promise<string> => {
    const answer = await target.send({ method: 'POST', url: new URL(url), form })
    if (answer?.location === undefined) throw new ProbeSetupError(`the sandbox's login page did not redirect: ${describe(steps)}`)
    return answer.location
  }

  const kit: ProbeKit = {
    attackerPersona: options.attackerPersona,
    otherClient,
    browser,
    async begin (name) {
      const user = browser(name)
      const reached = await user.navigate(options.start, isLoginPage)
      if (!reached.stopped) throw new ProbeSetupError(`--start did not lead to the sandbox's login page: ${describe(steps)}`)
      const track = await sandbox.tracks.find(reached.url.searchParams.get('track_id')!)
      if (track === undefined) throw new ProbeSetupError(`the login page's track is unknown to this sandbox: ${reached.url}`)
      return { browser: user, track, loginOrigin: reached.url.origin }
    },
    async consent (begun, decision, persona = options.persona) {
      const trackId = begun.track.track_id
      await post(begun.browser, `${begun.loginOrigin}/login/sign-in`, { track_id: trackId, persona: persona.id })
      return new URL(await post(begun.browser, `${begun.loginOrigin}/login/consent`, { track_id: trackId, decision }), begun.loginOrigin)
    },
    async signedInBrowser (name, persona) {
      const begun = await kit.begin(name)
      const callback = await kit.consent(begun, 'allow', persona)
      const code = callback.searchParams.get(begun.track.oidc === undefined ? 'authorization_code' : 'code')!
      return { ...begun, callback, code }
    },
    deliver: async (user, callback) => (await user.navigate(callback.toString(), isLoginPage)).answer,
    callbackFor: (track, code) => new URL(redirectWith(track.redirect_uri, track.oidc === undefined ? { authorization_code: code } : { code, state: track.oidc.state })),
    async codeForOtherClient (track) {
      const { oidc } = track
      const record = await sandbox.codes.issue({
        track_id: track.track_id,
        client_id: otherClient!.client_id,
        user_id: options.persona.id,
        grants: track.grants,
        ...(oidc === undefined ? {} : { oidc: { redirect_uri: track.redirect_uri, nonce: oidc.nonce, code_challenge: oidc.code_challenge } })
      })
      return record.code
    },
    async alterCode (code, change) {
      if (!await sandbox.codes.alter(code, change)) throw new ProbeSetupError('the code was redeemed before the browser delivered it')
    }
  }
  return kit
}
