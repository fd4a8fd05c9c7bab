import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { CliIo } from './cli.js'
import { FINDINGS_HEADER } from './routes/sandbox/report.js'

export const REPORT_HELP = `Usage: freedom-id-sandbox report --sandbox <url> [--format json|junit|html] [--output <file>] [--expect <fields>]

Fetches the integration report of a running sandbox (GET <url>/__sandbox/report): rules
evaluated over what the sandbox saw, per client, each finding with its rule id, severity,
what was seen, why it matters against the real Freedom ID and how to fix it.

  --sandbox <url>     the sandbox, e.g. http://127.0.0.1:8080 (required)
  --format <format>   json (default), junit (JUnit XML for CI test reporters) or html
  --output <file>     write the report there instead of to stdout
  --expect <fields>   user fields the merchant reads, comma-separated (e.g. firstname,phone)
  --token <token>     the control API token, when the sandbox has SANDBOX_TOKEN set
                      (default: the SANDBOX_TOKEN environment variable)
  --help              prints this text

Exit status: 0 when no finding has severity error (warnings and notices do not fail);
1 when any finding has severity error; 2 when the report could not be fetched
(bad options, sandbox unreachable, or it refused the request).
`

const OPTIONS = {
  sandbox: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  expect: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

/** `freedom-id-sandbox report ...`: fetch the report, write it, exit 1 on any error finding. */
export async function runReportCommand (argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  let values
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true }).values
  } catch (error) {
    io.err(`freedom-id-sandbox report: ${(error as Error).message}\nRun freedom-id-sandbox report --help for the options.`)
    return 2
  }
  if (values.help === true) {
    io.out(REPORT_HELP)
    return 0
  }
  const format = values.format ?? 'json'
  const problems = [
    ...(values.sandbox === undefined ? ['--sandbox <url> is required'] : URL.canParse(values.sandbox) ? [] : [`--sandbox ${values.sandbox} is not a URL`]),
    ...(['json', 'junit', 'html'].includes(format) ? [] : [`--format must be json, junit or html, not ${format}`])
  ]
  if (problems.length > 0) {
    io.err(`freedom-id-sandbox report: ${problems.join('; ')}\nRun freedom-id-sandbox report --help for the options.`)
    return 2
  }
  const url = new URL('__sandbox/report', values.sandbox!.replace(/\/*$/, '/'))
  url.searchParams.set('format', format)
  if (values.expect !== undefined) url.searchParams.set('expect', values.expect)
  const token = values.token ?? env.SANDBOX_TOKEN
  let res: Response
  let body: string
  try {
    res = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) })
    body = await res.text()
  } catch (error) {
    const e = error as Error & { cause?: Error }
    /* c8 ignore next: fetch's network errors carry a cause; only the 30 s timeout does not */
    const why = (e.cause ?? e).message
    io.err(`freedom-id-sandbox report: cannot reach ${url.origin}: ${why}`)
    return 2
  }
  const counts = Object.fromEntries((res.headers.get(FINDINGS_HEADER) ?? '').split(/,\s*/).map((pair) => pair.split('=')).map(([k, v]) => [k, Number(v)]))
  if (!res.ok || counts.error === undefined) {
    io.err(`freedom-id-sandbox report: ${url.origin} answered ${res.status}: ${body.slice(0, 500)}`)
    return 2
  }
  const line = `freedom-id-sandbox report: ${counts.error} error(s), ${counts.warning} warning(s), ${counts.notice} notice(s)`
  if (values.output === undefined) {
    io.out(body.replace(/\n$/, ''))
    io.err(line)
  } else {
    try {
      await writeFile(values.output, body)
    } catch (error) {
      io.err(`freedom-id-sandbox report: cannot write ${values.output}: ${(error as Error).message}`)
      return 2
    }
    io.out(`${line}; written to ${values.output}`)
  }
  return counts.error > 0 ? 1 : 0
}
