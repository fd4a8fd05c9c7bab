import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { isHttpUrl } from '../../domain/formats.js'
import { plainHost } from '../../http/issuer.js'
import { ErrorEnvelope, ProviderError, ValidationEnvelope, ValidationFailed } from '../../errors.js'
import { PROBES } from '../../probes/catalogue.js'
import { ProbeReportSchema, ProbeRequestSchema } from '../../probes/report.js'
import { runProbes } from '../../probes/run.js'
import type { SandboxContext } from '../../context.js'
import { bindingOf, injector } from '../../http/binding.js'

const defined = (value: string | undefined): value is string => value !== undefined

/** The relying-party probes: the sandbox plays the user's browser against a merchant and tampers with its sign-ins. */
export const probeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // One run at a time per sandbox: each may take minutes against a slow merchant, and makes requests of its own.
  const running = new WeakSet<SandboxContext>()

  app.post('/probes', {
    schema: {
      summary: 'Probe a merchant: tampered sign-ins delivered to its callback; was the browser let in?',
      description: `Loads start in a browser of the sandbox's own (cookie jar, at most 10 redirects, 5 s per request, 256 KiB of each answer read), signs in on the sandbox's login page, checks that signed_in then answers 2xx (and not before), then runs each probe (${PROBES.length}) in a fresh browser. Answers 200 with the report; passed is false when any probe got in. One run at a time per sandbox process: another answers 409 meanwhile.`,
      tags: ['sandbox'],
      body: ProbeRequestSchema,
      response: { 200: ProbeReportSchema, 401: ErrorEnvelope, 409: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (request) => {
    const { sandbox } = request
    const { users, config, publicUrl, selfUrl } = sandbox
    const { start, signed_in: signedIn, persona, only, timeout_ms: timeoutMs } = request.body
    const bad: Record<string, string[]> = {}
    if (!isHttpUrl(start)) bad.start = ['The start field must be an absolute http(s) URL.']
    if (!isHttpUrl(signedIn)) bad.signed_in = ['The signed in field must be an absolute http(s) URL.']
    const unknown = (only ?? []).filter((id) => !PROBES.some((probe) => probe.id === id))
    if (unknown.length > 0) bad.only = [`Unknown probes: ${unknown.slice(0, 5).map((id) => id.slice(0, 60)).join(', ')}. Known: ${PROBES.map((probe) => probe.id).join(', ')}.`]
    const candidates = (await users.personas(0)).users.filter((user) => user.behaviour === undefined)
    const chosen = persona === undefined ? candidates[0] : await users.find(persona)
    if (chosen === undefined) bad.persona = [persona === undefined ? 'No persona that signs in and allows: name one.' : 'No such user: give the id, phone or e-mail of a persona or of a provisioned user.']
    else if (chosen.behaviour !== undefined) bad.persona = [`The persona ${chosen.id} ${chosen.behaviour === 'locked' ? 'is locked' : 'always denies'}: the probes need one that signs in and allows.`]
    if (Object.keys(bad).length > 0 || chosen === undefined || chosen.behaviour !== undefined) throw new ValidationFailed(bad)

    // Where a browser reaches this sandbox: the login links' base, its own address, and the one this call came in on.
    const called = [plainHost(request.headers.host)].filter(defined).map((host) => `http://${host}`)
    const origins = new Set([publicUrl(), selfUrl(), config.issuer, ...called].filter(defined).map((url) => new URL(url).origin))
    const attacker = candidates.find((user) => user.id !== chosen.id) ?? chosen
    if (running.has(sandbox)) throw new ProviderError('probesUnderWay')
    running.add(sandbox)
    try {
      return await runProbes(sandbox, injector(app, bindingOf(request)), origins, { start, signedIn, persona: chosen, attackerPersona: attacker, only, timeoutMs })
    } finally {
      running.delete(sandbox)
    }
  })
}
