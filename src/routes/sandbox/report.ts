import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { integrationReport } from '../../domain/report/index.js'
import { reportJunit } from '../../domain/report/junit.js'
import { USER_FIELDS } from '../../domain/report/rules/grants.js'
import { ReportSchema } from '../../domain/report/types.js'
import { ErrorEnvelope, ValidationEnvelope } from '../../errors.js'
import { REPORT_CSP, reportPage } from '../../views/report.js'

/** `error=2, warning=0, notice=1`: the summary of the report, whatever its format. */
export const FINDINGS_HEADER = 'x-sandbox-findings'

const FIELD = `(${USER_FIELDS.join('|')})`

export const ReportQuerySchema = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('junit'), Type.Literal('html')], { description: 'json (default), junit (JUnit XML for CI test reporters) or html' })),
  expect: Type.Optional(Type.String({ pattern: `^${FIELD}(,${FIELD})*$`, maxLength: 200, description: 'User fields the merchant reads, comma-separated (e.g. firstname,phone): sign-ins whose grants do not cover them are reported' }))
})

export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/report', {
    schema: {
      summary: 'The integration report: rules evaluated over what the sandbox saw, per client',
      description: 'Each finding has a stable rule id, a severity (error, warning, notice), what was seen (journal entries, tracks, times), why it matters against the real Freedom ID and how to fix it. Over the journal (the last 1,000 requests), the credentials handed out and the revoke_uri deliveries; on a shared store, what every replica saw.',
      tags: ['sandbox'],
      querystring: ReportQuerySchema,
      response: {
        200: Type.Union([ReportSchema, Type.String({ description: 'format=junit: application/xml; format=html: text/html' })]),
        401: ErrorEnvelope,
        422: ValidationEnvelope
      }
    }
  }, async (request, reply) => {
    const { journal, deliveries, clients, clock } = request.sandbox
    const { format = 'json', expect } = request.query
    const report = await integrationReport({ journal, deliveries, clients, now: () => clock.now() }, expect?.split(',') ?? [])
    // The counts in a header too, so a caller of the JUnit or HTML form knows whether to fail.
    reply.header(FINDINGS_HEADER, Object.entries(report.summary).map(([severity, n]) => `${severity}=${n}`).join(', '))
    if (format === 'junit') return reply.type('application/xml; charset=utf-8').serializer((x) => x as string).send(reportJunit(report))
    if (format === 'html') return reply.type('text/html; charset=utf-8').header('content-security-policy', REPORT_CSP).serializer((x) => x as string).send(reportPage(report))
    return report
  })
}
