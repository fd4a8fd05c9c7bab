import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { CliIo } from './cli.js'
import { probeJunit } from './probes/junit.js'
import type { ProbeReport, ProbeResult } from './probes/report.js'

export const PROBE_HELP = `Usage: freedom-id-sandbox probe --sandbox <url> --start <url> --signed-in <url> [options]

Plays a user's browser against your app through a running sandbox, delivers tampered sign-ins to
your callback, and tells which ones your app let in.

  --sandbox <url>     the sandbox (its control API: POST /__sandbox/probes)
  --start <url>       your URL that begins a sign-in (redirects to Freedom ID)
  --signed-in <url>   your URL that answers 2xx, without a redirect, only to a signed-in session
  --junit <file>      also write a JUnit XML report, one test case per probe
  --json              print the report as JSON instead of text
  --persona <user>    who signs in (id, phone or e-mail; default: the first persona that allows)
  --only <id>         run only this probe (repeatable)
  --timeout <ms>      per request to your app (default 5000)
SANDBOX_TOKEN in the environment is sent as the control API's bearer token.
Exit status: 0 every probe refused, 1 a probe got in (or failed), 2 the probes could not run.`

const OPTIONS = {
  sandbox: { type: 'string' },
  start: { type: 'string' },
  'signed-in': { type: 'string' },
  junit: { type: 'string' },
  json: { type: 'boolean' },
  persona: { type: 'string' },
  only: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

/** The whole run may take this long: every probe's requests at their timeout. */
const RUN_TIMEOUT_MS = 600_000

const MARK: Record<ProbeResult['seen'], string> = {
  refused: 'refused     ',
  let_in: 'LET IN      ',
  server_error: 'server error',
  not_applicable: 'n/a         ',
  error: 'ERROR       '
}

/** The report for people: one line per probe, and for each one that failed what happened and the fix. */
export function probeText (report: ProbeReport): string[] {
  if (report.problem !== undefined) return [`The probes could not run: ${report.problem}`]
  const lines = [`${report.flow === 'oidc' ? 'OIDC' : 'OAuth2'} sign-in of client ${report.client_id}:`]
  for (const probe of report.probes) {
    lines.push(`  ${probe.passed ? 'ok  ' : 'FAIL'} ${MARK[probe.seen]}  ${probe.id}: ${probe.title}`)
    if (!probe.passed) lines.push(`         ${probe.detail}`, `         Fix: ${probe.fix}`)
  }
  const count = (seen: ProbeResult['seen']) => report.probes.filter((probe) => probe.seen === seen).length
  lines.push(`${report.probes.length} probes: ${count('refused')} refused, ${count('let_in')} let in, ${count('server_error')} server errors, ${count('error')} errors, ${count('not_applicable')} not applicable. ${report.passed ? 'Passed.' : 'FAILED.'}`)
  return lines
}

/** `freedom-id-sandbox probe ...`: asks a running sandbox to probe a merchant and reports. */
export async function runProbeCommand (argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  let values
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (error) {
    io.err(`freedom-id-sandbox probe: ${(error as Error).message}\nRun freedom-id-sandbox probe --help for the options.`)
    return 2
  }
  if (values.help === true) {
    io.out(PROBE_HELP)
    return 0
  }
  const missing = (['sandbox', 'start', 'signed-in'] as const).filter((name) => values[name] === undefined)
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout)
  if (missing.length > 0 || (timeout !== undefined && !Number.isInteger(timeout))) {
    io.err(`freedom-id-sandbox probe: ${missing.length > 0 ? `missing ${missing.map((name) => `--${name}`).join(', ')}` : '--timeout must be a whole number of milliseconds'}\nRun freedom-id-sandbox probe --help for the options.`)
    return 2
  }
  const url = `${values.sandbox!.replace(/\/+$/, '')}/__sandbox/probes`
  let status: number
  let body: unknown
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(env.SANDBOX_TOKEN === undefined ? {} : { authorization: `Bearer ${env.SANDBOX_TOKEN}` }) },
      body: JSON.stringify({ start: values.start, signed_in: values['signed-in'], persona: values.persona, only: values.only, timeout_ms: timeout }),
      signal: AbortSignal.timeout(RUN_TIMEOUT_MS)
    })
    status = response.status
    body = await response.json()
  } catch (error) {
    const e = error as Error & { cause?: Error }
    io.err(`freedom-id-sandbox probe: no report from ${url}: ${(e.cause ?? e).message}`)
    return 2
  }
  if (status !== 200) {
    const envelope = (body as { error?: { message?: string, errors?: Record<string, string[]> } }).error
    const words = [envelope?.message, ...Object.values(envelope?.errors ?? {}).flat()].join(' ').trim()
    io.err(`freedom-id-sandbox probe: the sandbox answered ${status}${words === '' ? ' (not the sandbox\'s envelope: is --sandbox the sandbox?)' : `: ${words}`}`)
    return 2
  }
  const report = body as ProbeReport
  if (values.junit !== undefined) await writeFile(values.junit, probeJunit(report))
  if (values.json === true) io.out(JSON.stringify(report, null, 2))
  else for (const line of probeText(report)) io.out(line)
  if (report.problem !== undefined) return 2
  return report.passed ? 0 : 1
}
