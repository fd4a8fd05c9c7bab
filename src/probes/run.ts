import type { SandboxContext } from '../context.js'
import type { Inject } from '../http/binding.js'
import type { User } from '../domain/fixtures.js'
import { DEFAULT_LIMITS, type Answer, type Browser, type LocalTransport } from './browser.js'
import { PROBES, type ProbeDefinition } from './catalogue.js'
import { createKit, ProbeSetupError, type KitOptions } from './kit.js'
import type { ProbeFlow, ProbeReport, ProbeResult, Step } from './report.js'

/**
 * Runs the relying-party probes against a merchant: first that a fresh browser is not signed in
 * and that an honest sign-in is, then each probe in a browser of its own, one after the other.
 */

export interface ProbeTarget {
  start: string
  signedIn: string
  persona: User
  attackerPersona: User
  only?: string[]
  timeoutMs?: number
}

const is2xx = (answer: Answer | undefined) => answer !== undefined && answer.status >= 200 && answer.status < 300
const is5xx = (answer: Answer | undefined) => answer !== undefined && answer.status >= 500

/** The sandbox's own pages, answered in process: the browser never needs the sandbox reachable at PUBLIC_URL. */
export function injectTransport (inject: Inject, origins: ReadonlySet<string>): LocalTransport {
  return (request) => {
    if (!origins.has(request.url.origin)) return undefined
    return inject({
      method: request.method,
      url: `${request.url.pathname}${request.url.search}`,
      headers: {
        host: request.url.host,
        ...(request.cookie === undefined ? {} : { cookie: request.cookie }),
        ...(request.form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' })
      },
      ...(request.form === undefined ? {} : { payload: new URLSearchParams(request.form).toString() })
    }).then((res) => {
      const setCookie = res.headers['set-cookie']
      const location = res.headers.location
      return {
        status: res.statusCode,
        ...(typeof location === 'string' ? { location } : {}),
        setCookie: setCookie === undefined ? [] : [setCookie].flat()
      }
    })
  }
}

export async function runProbes (sandbox: SandboxContext, inject: Inject, origins: ReadonlySet<string>, target: ProbeTarget): Promise<ProbeReport> {
  const base: KitOptions = {
    sandbox,
    local: injectTransport(inject, origins),
    limits: { ...DEFAULT_LIMITS, ...(target.timeoutMs === undefined ? {} : { timeoutMs: target.timeoutMs }) },
    origins,
    start: target.start,
    persona: target.persona,
    attackerPersona: target.attackerPersona
  }
  const signedInUrl = new URL(target.signedIn)
  const check = (browser: Browser) => browser.send({ method: 'GET', url: signedInUrl })

  const honest: Step[] = []
  const refuse = (problem: string): ProbeReport => ({ passed: false, problem, honest, probes: [] })
  const kit = createKit(base, honest)
  const fresh = await check(kit.browser('fresh'))
  if (fresh === undefined) return refuse(`--signed-in ${target.signedIn} gave no answer: ${honest.at(-1)!.error}`)
  if (is2xx(fresh)) return refuse(`--signed-in answered ${fresh.status} to a browser that never signed in: it must answer 2xx only to a signed-in session (a redirect or a 4xx otherwise).`)
  let flow: ProbeFlow
  let clientId: string
  try {
    const user = await kit.signedInBrowser('user')
    flow = user.track.oidc === undefined ? 'oauth2' : 'oidc'
    clientId = user.track.client_id
    await kit.deliver(user.browser, user.callback)
    const after = await check(user.browser)
    if (!is2xx(after)) return refuse(`an honest sign-in did not sign in: after its callback, --signed-in answered ${after?.status ?? 'nothing'}. The probes need --signed-in to answer 2xx to a signed-in browser.`)
  } catch (error) {
    /* c8 ignore next: anything else is a bug of the sandbox's, not the merchant's doing: it answers 500 */
    if (!(error instanceof ProbeSetupError)) throw error
    return refuse(`an honest sign-in could not be carried out: ${error.message}`)
  }

  const chosen = target.only === undefined ? PROBES : PROBES.filter((probe) => target.only!.includes(probe.id))
  const probes: ProbeResult[] = []
  for (const probe of chosen) probes.push(await runOne(probe, { ...base, clientId }, flow, check))
  return { passed: probes.every((probe) => probe.passed), flow, client_id: clientId, honest, probes }
}

async function runOne (probe: ProbeDefinition, options: KitOptions, flow: ProbeFlow, check: (browser: Browser) => Promise<Answer | undefined>): Promise<ProbeResult> {
  const steps: Step[] = []
  const kit = createKit(options, steps)
  const result = (seen: ProbeResult['seen'], passed: boolean, detail: string): ProbeResult =>
    ({ id: probe.id, title: probe.title, flows: probe.flows, does: probe.does, expected: 'refused', seen, passed, detail, fix: probe.fix, steps })
  if (!probe.flows.includes(flow)) return result('not_applicable', true, `A probe of the ${probe.flows.join(' and ')} flow; --start began a sign-in of the ${flow} flow.`)
  const unavailable = probe.unavailable?.(kit)
  if (unavailable !== undefined) return result('not_applicable', true, `Not run: ${unavailable}.`)

  let delivered: Answer | undefined
  let after: Answer | undefined
  try {
    const { browser, callback } = await probe.run(kit)
    delivered = await kit.deliver(browser, callback)
    if (delivered === undefined) return result('error', false, `The callback gave no answer: ${steps.at(-1)!.error}.`)
    after = await check(browser)
  } catch (error) {
    /* c8 ignore next: as above */
    if (!(error instanceof ProbeSetupError)) throw error
    return result('error', false, `The probe could not be carried out: ${error.message}.`)
  }
  if (after === undefined) return result('error', false, `--signed-in gave no answer: ${steps.at(-1)!.error}.`)
  if (is2xx(after)) return result('let_in', false, `The merchant let this browser in: after the callback (HTTP ${delivered.status}), --signed-in answered ${after.status}.`)
  const answered = `the callback answered ${delivered.status}, then --signed-in ${after.status}`
  if (is5xx(delivered) || is5xx(after)) {
    return probe.noServerError === true
      ? result('server_error', false, `Not signed in, but with a server error: ${answered}. Answer this callback with a page of your own.`)
      : result('server_error', true, `Refused, with a server error: ${answered}.`)
  }
  return result('refused', true, `Refused: ${answered}.`)
}
