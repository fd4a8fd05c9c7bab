import { loadConfig, type SandboxOptions } from './config.js'
import { createControl, type SandboxControl } from './control.js'
import { createFixturesCache } from './domain/fixtures.js'
import { createCompiledSchemas } from './http/lazy-schemas.js'
import { startInProcess, type InProcessSandbox, type SharedParts } from './server.js'

export { buildApp, type AppOptions } from './app.js'
export { ConfigError, loadConfig, type Config, type SandboxOptions } from './config.js'
export { FixtureError, loadFixtures, type Client, type Fixtures, type User } from './domain/fixtures.js'
export { GRANTS, type Grant } from './domain/grants.js'
export { SandboxControlError, type ClockState, type JournalFilter, type ProbeTargetOptions, type SandboxControl } from './control.js'
export type { ProbeReport, ProbeResult } from './probes/report.js'
export { probeJunit } from './probes/junit.js'
export type { Delivery } from './domain/deliveries.js'
export type { Fault, FaultInput } from './domain/faults.js'
export type { JournalEntry } from './domain/journal.js'
export type { Finding, Report } from './domain/report/types.js'
export type { Track } from './domain/tracks.js'

/**
 * What the sandboxes one process starts share, so a test file that starts one per test pays for
 * validating the fixtures, compiling each schema and registering the routes once: each sandbox
 * still has its own services, store, log and server (see createFixturesCache, CompiledSchemas and
 * startInProcess).
 */
const PROCESS_PARTS: SharedParts = { fixtures: createFixturesCache(), compiledSchemas: createCompiledSchemas(), apps: new Map() }

/** A running sandbox: where it is, how to stop it, and every control route as a typed method. */
export type Sandbox = InProcessSandbox & SandboxControl

/**
 * Starts a sandbox in this process, for a merchant's own tests. Takes every setting of the CLI by
 * its option name (`trackTtl`, `seed`, `clock`, ...); `port` defaults to 0 (a free port) and
 * `logLevel` to `warn`. Throws a ConfigError naming every bad option. The handle also carries
 * every `/__sandbox` control route as a typed method (approve, requests, addFault, advanceClock, reset...).
 */
export async function startSandbox (options: SandboxOptions = {}): Promise<Sandbox> {
  const config = loadConfig({ port: 0, logLevel: 'warn' }, options)
  const sandbox = await startInProcess(config, PROCESS_PARTS)
  return { ...sandbox, ...createControl(sandbox.inject, config.sandboxToken) }
}
