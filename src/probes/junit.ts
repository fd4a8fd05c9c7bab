import type { ProbeReport, ProbeResult, Step } from './report.js'

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Text for an XML attribute or element: escaped, and without the characters XML 1.0 cannot carry at all. */
// eslint-disable-next-line no-control-regex
export const xml = (text: string): string => text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/gu, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c]!)

const stepLine = (step: Step): string =>
  `${step.browser}: ${step.method} ${step.url} -> ${step.error ?? step.status}${step.location === undefined ? '' : ` (Location: ${step.location})`}`

function testcase (probe: ProbeResult): string {
  const open = `    <testcase classname="freedom-id-sandbox.probes" name="${xml(`${probe.id}: ${probe.title}`)}">`
  const evidence = xml([`Did: ${probe.does}`, `Seen: ${probe.seen}. ${probe.detail}`, `Fix: ${probe.fix}`, 'Requests:', ...probe.steps.map(stepLine)].join('\n'))
  if (probe.seen === 'not_applicable') return `${open}\n      <skipped message="${xml(probe.detail)}"/>\n    </testcase>`
  if (probe.seen === 'error') return `${open}\n      <error message="${xml(probe.detail)}" type="error">${evidence}</error>\n    </testcase>`
  if (!probe.passed) return `${open}\n      <failure message="${xml(probe.detail)}" type="${probe.seen}">${evidence}</failure>\n    </testcase>`
  return `${open}\n      <system-out>${evidence}</system-out>\n    </testcase>`
}

/** The report as JUnit XML, one test case per probe (or one failing case when no probe could run), for CI test reporters. */
export function probeJunit (report: ProbeReport): string {
  const cases = report.problem === undefined
    ? report.probes.map(testcase)
    : [`    <testcase classname="freedom-id-sandbox.probes" name="honest sign-in">\n      <failure message="${xml(report.problem)}" type="setup">${xml(report.honest.map(stepLine).join('\n'))}</failure>\n    </testcase>`]
  const count = (seen: (probe: ProbeResult) => boolean) => report.probes.filter(seen).length
  const failures = report.problem === undefined ? count((probe) => !probe.passed && probe.seen !== 'error') : 1
  const errors = count((probe) => probe.seen === 'error')
  const skipped = count((probe) => probe.seen === 'not_applicable')
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="freedom-id-sandbox probes" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">
  <testsuite name="relying-party probes" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`
}
