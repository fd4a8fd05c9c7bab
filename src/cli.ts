import { parseArgs } from 'node:util'
import closeWithGrace from 'close-with-grace'
import { ConfigError, SETTINGS, helpText, loadConfig, settingsFromEnv } from './config.js'
import { FixtureError } from './domain/fixtures.js'
import { StoreUnavailableError } from './domain/store.js'
import { runProbeCommand } from './probe-cli.js'
import { runReportCommand } from './report-command.js'
import { ListenError, startServer, type RunningSandbox } from './server.js'
import { KEEP_ALIVE_GRACE_MS } from './plugins/draining.js'

export interface CliIo {
  out(line: string): void
  err(line: string): void
}

export interface CliResult {
  /** The exit code when the CLI is done; 0 while the sandbox runs. */
  code: number
  sandbox?: RunningSandbox
  /** Stops the sandbox and removes the signal handlers. */
  close?(): Promise<void>
}

/**
 * Signals the CPU raises for a faulting instruction: a JavaScript handler returns to the same
 * instruction, which faults again, forever (seen as a CLI spinning at full CPU after its terminal
 * hung up, deaf to SIGTERM). Left to their default action, they end the process.
 */
const FAULT_SIGNALS: closeWithGrace.AllEvents[] = ['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP', 'SIGABRT']

/** How long SIGTERM/SIGINT waits for in-flight requests before exiting anyway; a second signal exits at once. */
export const SHUTDOWN_GRACE_MS = 10_000

const FLAG_OPTIONS = Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' as const }]))
const NAME_OF_FLAG = new Map(Object.entries(SETTINGS).map(([name, s]) => [s.flag, name]))

/** What SIGTERM, SIGINT or an uncaught error runs before the process exits: log why, drain, close. */
export const shutdown = (sandbox: RunningSandbox) => async ({ signal, err }: { signal?: string, err?: unknown }): Promise<void> => {
  if (err !== undefined) sandbox.app.log.error({ err }, 'shutting down after an uncaught error')
  else sandbox.app.log.info({ signal }, 'shutting down')
  await sandbox.close({ keepAliveGraceMs: KEEP_ALIVE_GRACE_MS })
}

/** 10000 -> "10,000", by hand: toLocaleString would load ICU's locale data and keep it in RSS for good. */
const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+$)/g, ',')

/** `memory` and its cap, or the Redis URL without its password, and the key prefix. */
function storeLine ({ store, storePrefix, maxRecords }: { store: string, storePrefix: string, maxRecords: number }): string {
  if (store === 'memory') return `memory (this process only), at most ${thousands(maxRecords)} records per kind`
  const { protocol, host, pathname } = new URL(store)
  return `${protocol}//${host}${pathname}, keys under {${storePrefix}}: (shared with every replica using them)`
}

/** The command line: flags and environment -> validated settings -> a listening sandbox. */
export async function runCli (argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<CliResult> {
  if (argv[0] === 'probe') return { code: await runProbeCommand(argv.slice(1), env, io) }
  if (argv[0] === 'report') return { code: await runReportCommand(argv.slice(1), env, io) }
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { ...FLAG_OPTIONS, help: { type: 'boolean', short: 'h' } }, strict: true })
  } catch (error) {
    io.err(`freedom-id-sandbox: ${(error as Error).message}\nRun freedom-id-sandbox --help for the options.`)
    return { code: 1 }
  }
  if (parsed.values.help === true) {
    io.out(helpText())
    return { code: 0 }
  }
  const flags = Object.fromEntries(Object.entries(parsed.values).map(([flag, value]) => [NAME_OF_FLAG.get(flag), value]))

  let sandbox: RunningSandbox
  try {
    sandbox = await startServer(loadConfig(settingsFromEnv(env), flags))
  } catch (error) {
    /* c8 ignore start: anything else is a bug, not a user's mistake; it crashes with its stack */
    if (!(error instanceof ConfigError || error instanceof FixtureError || error instanceof ListenError || error instanceof StoreUnavailableError)) throw error
    /* c8 ignore stop */
    io.err(`freedom-id-sandbox: ${error instanceof ConfigError ? error.inCliTerms() : error.message}`)
    return { code: 1 }
  }

  const graceful = closeWithGrace({ delay: SHUTDOWN_GRACE_MS, skip: FAULT_SIGNALS }, shutdown(sandbox))
  const close = async (): Promise<void> => {
    graceful.uninstall()
    await sandbox.close()
  }

  io.out(`Freedom ID sandbox listening on ${sandbox.url}`)
  if (sandbox.publicUrl !== sandbox.url) io.out(`  login links point at ${sandbox.publicUrl}`)
  io.out(`  fixtures: ${sandbox.config.fixturesDir} (${sandbox.app.sandbox.clients.all().length} clients, ${sandbox.app.sandbox.users.fixtureCount} users)`)
  io.out(`  store: ${storeLine(sandbox.config)}`)
  return { code: 0, sandbox, close }
}
