import { Type, type Static } from '@sinclair/typebox'

export const PROBE_FLOWS = ['oauth2', 'oidc'] as const
export type ProbeFlow = typeof PROBE_FLOWS[number]

export const StepSchema = Type.Object({
  browser: Type.String({ description: 'Which browser made the request: user (the one whose session is probed) or attacker' }),
  method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]),
  url: Type.String(),
  status: Type.Optional(Type.Integer()),
  location: Type.Optional(Type.String()),
  error: Type.Optional(Type.String({ description: 'Why there was no answer, or why a redirect was not followed' }))
})

export const SEEN = ['refused', 'let_in', 'server_error', 'not_applicable', 'error'] as const
export type Seen = typeof SEEN[number]

export const ProbeResultSchema = Type.Object({
  id: Type.String({ description: 'Stable id, e.g. oauth2.login-csrf' }),
  title: Type.String(),
  flows: Type.Array(Type.Union(PROBE_FLOWS.map((flow) => Type.Literal(flow)))),
  does: Type.String({ description: 'What the sandbox did to the sign-in' }),
  expected: Type.Literal('refused'),
  seen: Type.Union(SEEN.map((seen) => Type.Literal(seen)), {
    description: 'refused; let_in (--signed-in answered 2xx); server_error (a 5xx, not signed in); not_applicable (the other flow, or fixtures it needs); error (the probe could not be carried out)'
  }),
  passed: Type.Boolean({ description: 'false when let in, and on a 5xx where the probe asks for none; not_applicable passes' }),
  detail: Type.String({ description: 'What happened, in a sentence' }),
  fix: Type.String(),
  steps: Type.Array(StepSchema, { description: "The browsers' requests, in order: the evidence" })
})

export const ProbeReportSchema = Type.Object({
  passed: Type.Boolean({ description: 'Every probe passed (and the honest sign-in worked)' }),
  flow: Type.Optional(Type.Union(PROBE_FLOWS.map((flow) => Type.Literal(flow)), { description: 'The flow --start began' })),
  client_id: Type.Optional(Type.String()),
  problem: Type.Optional(Type.String({ description: 'Why no probe ran: the start URL or the signed-in URL does not behave as the probes need' })),
  honest: Type.Array(StepSchema, { description: 'The checks before the probes: a fresh browser is not signed in; an honest sign-in is' }),
  probes: Type.Array(ProbeResultSchema)
})

export type Step = Static<typeof StepSchema>
export type ProbeResult = Static<typeof ProbeResultSchema>
export type ProbeReport = Static<typeof ProbeReportSchema>

export const ProbeRequestSchema = Type.Object({
  start: Type.String({ description: 'The merchant URL that begins a sign-in (it redirects to the login page, or to /openid)' }),
  signed_in: Type.String({ description: 'A merchant URL that answers 2xx, without a redirect, only to a signed-in session' }),
  persona: Type.Optional(Type.String({ minLength: 1, description: 'Who signs in: a user id, phone or e-mail (default: the first bundled persona that neither denies nor is locked)' })),
  only: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 50, description: 'Run only these probe ids' })),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000, description: 'Per request to the merchant (default 5000)' }))
})
export type ProbeRequest = Static<typeof ProbeRequestSchema>
