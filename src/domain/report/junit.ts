import type { Finding, Report } from './types.js'

// XML 1.0 allows neither these characters nor lone surrogates, escaped or not.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Text safe in an XML attribute or element: escaped, characters XML cannot hold replaced by U+FFFD. */
export const escapeXml = (value: string): string => value.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!)

function failureText (f: Finding): string {
  const entries = f.seen.entries.map((e) => `  #${e.id} ${e.time} ${e.method} ${e.path} -> ${e.status}`)
  return [
    `${f.severity}: ${f.seen.summary}`,
    ...(entries.length === 0 ? [] : ['Journal entries:', ...entries]),
    ...(f.seen.track_ids.length === 0 ? [] : [`Tracks: ${f.seen.track_ids.join(', ')}`]),
    `Why: ${f.why}`,
    `Fix: ${f.fix}`
  ].join('\n')
}

/**
 * The report as JUnit XML, for CI test reporters: one testsuite per client, one testcase per
 * rule, one failure element per finding (its type the severity).
 */
export function reportJunit (report: Report): string {
  const suites = report.clients.map((client) => {
    const cases = report.rules.map((rule) => {
      const failures = client.findings.filter((f) => f.rule === rule.id)
        .map((f) => `      <failure type="${f.severity}" message="${escapeXml(f.seen.summary)}">${escapeXml(failureText(f))}</failure>\n`)
      const name = escapeXml(`${rule.id}: ${rule.title}`)
      const classname = escapeXml(`freedom-id-sandbox.${client.client_id}`)
      return failures.length === 0
        ? `    <testcase classname="${classname}" name="${name}"/>\n`
        : `    <testcase classname="${classname}" name="${name}">\n${failures.join('')}    </testcase>\n`
    })
    const failing = new Set(client.findings.map((f) => f.rule)).size
    const suiteName = escapeXml(client.name === undefined ? client.client_id : `${client.name} (${client.client_id})`)
    return `  <testsuite name="${suiteName}" tests="${report.rules.length}" failures="${failing}" errors="0" skipped="0" timestamp="${report.generated_at.replace(/\.\d+Z$/, '')}">\n${cases.join('')}  </testsuite>\n`
  })
  const failures = report.clients.reduce((n, c) => n + new Set(c.findings.map((f) => f.rule)).size, 0)
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="freedom-id-sandbox integration report" tests="${report.clients.length * report.rules.length}" failures="${failures}" errors="0">\n${suites.join('')}</testsuites>\n`
}
