import type { ClientRegistry } from '../clients.js'
import type { Deliveries } from '../deliveries.js'
import type { Journal } from '../journal.js'
import { RULES } from './rules/index.js'
import { iso, seen } from './seen.js'
import type { Finding, RawFinding, Report, Rule, Snapshot } from './types.js'

/** Findings shown per rule and client; the rest are counted. */
export const FINDINGS_PER_RULE = 50
/** Journal entries and tracks shown per finding. */
const EVIDENCE_CAP = 20

export interface ReportSources {
  journal: Journal
  deliveries: Deliveries
  clients: ClientRegistry
  now(): number
}

/** What the sandbox saw, read once: the journal (oldest first, by real arrival), the history, the deliveries. */
export async function takeSnapshot (sources: ReportSources, expected: string[] = []): Promise<Snapshot> {
  const [entries, history, deliveries] = await Promise.all([sources.journal.query({}), sources.journal.history.events(), sources.deliveries.list()])
  const requests = entries.map(seen).sort((a, b) => a.realAt - b.realAt || a.entry.id - b.entry.id)
  return { now: sources.now(), requests, history, deliveries, deliveryTimeoutMs: sources.deliveries.policy.timeoutMs, expected }
}

function present (rule: Rule, raw: RawFinding): Finding {
  const entries = (raw.entries ?? []).slice(0, EVIDENCE_CAP)
  const instants = [...entries.map((r) => r.at), ...raw.times ?? []].sort((a, b) => a - b)
  return {
    rule: rule.id,
    severity: rule.severity,
    title: rule.title,
    seen: {
      summary: raw.summary,
      entries: entries.map(({ entry }) => ({ id: entry.id, time: entry.time, method: entry.method, path: entry.path, status: entry.status })),
      track_ids: (raw.track_ids ?? []).slice(0, EVIDENCE_CAP),
      // Every rule gives entries or instants.
      first: iso(instants[0]!),
      last: iso(instants.at(-1)!)
    },
    why: rule.why,
    fix: rule.fix
  }
}

/** Every rule over the snapshot, findings grouped per client (every client the journal saw, findings or not). */
export function buildReport (snapshot: Snapshot, sources: Pick<ReportSources, 'clients' | 'journal'>, rules: readonly Rule[] = RULES): Report {
  const clients = new Map<string, { findings: Finding[], omitted: number }>()
  const clientEntry = (id: string) => {
    let entry = clients.get(id)
    if (entry === undefined) clients.set(id, entry = { findings: [], omitted: 0 })
    return entry
  }
  for (const r of snapshot.requests) if (r.clientId !== undefined && sources.clients.get(r.clientId) !== undefined) clientEntry(r.clientId)
  const summary = { error: 0, warning: 0, notice: 0 }
  for (const rule of rules) {
    const shown = new Map<string, number>()
    for (const raw of rule.evaluate(snapshot)) {
      const client = clientEntry(raw.client_id)
      const count = shown.get(raw.client_id) ?? 0
      summary[rule.severity]++
      if (count >= FINDINGS_PER_RULE) client.omitted++
      else {
        client.findings.push(present(rule, raw))
        shown.set(raw.client_id, count + 1)
      }
    }
  }
  const { requests } = snapshot
  return {
    generated_at: iso(snapshot.now),
    journal: {
      enabled: sources.journal.enabled,
      entries: requests.length,
      ...(requests.length === 0 ? {} : { oldest: requests[0]!.entry.time, newest: requests.at(-1)!.entry.time })
    },
    summary,
    rules: rules.map(({ id, severity, title }) => ({ id, severity, title })),
    clients: [...clients.entries()].map(([clientId, { findings, omitted }]) => {
      const name = sources.clients.get(clientId)?.name
      return { client_id: clientId, ...(name === undefined ? {} : { name }), findings, omitted }
    })
  }
}

/** The report of what this sandbox (and, on a shared store, every replica) saw. */
export async function integrationReport (sources: ReportSources, expected: string[] = []): Promise<Report> {
  return buildReport(await takeSnapshot(sources, expected), sources)
}
