import type { FastifyInstance } from 'fastify'
import type { Finding, Report } from '../../src/domain/report/types.js'

export const advance = (app: FastifyInstance, seconds: number) => app.inject({ method: 'POST', url: '/__sandbox/clock', payload: { advance: seconds } })

export async function report (app: FastifyInstance, query = ''): Promise<Report> {
  const res = await app.inject({ method: 'GET', url: `/__sandbox/report${query}` })
  if (res.statusCode !== 200) throw new Error(`report answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

/** One rule's findings, each as [client, summary, journal entry ids, track ids]: what a test asserts exactly. */
export async function findings (app: FastifyInstance, rule: string, query = ''): Promise<Array<[string, string, number[], string[]]>> {
  const { clients } = await report(app, query)
  return clients.flatMap((c) => c.findings.filter((f: Finding) => f.rule === rule).map((f): [string, string, number[], string[]] =>
    [c.client_id, f.seen.summary, f.seen.entries.map((e) => e.id), f.seen.track_ids]))
}
