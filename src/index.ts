import { loadConfig, type SandboxOptions } from './config.js'
import { startServer, type RunningSandbox } from './server.js'

export { buildApp, type AppOptions } from './app.js'
export { ConfigError, loadConfig, type Config, type SandboxOptions } from './config.js'
export { FixtureError, loadFixtures, type Client, type Fixtures, type User } from './domain/fixtures.js'
export { GRANTS, type Grant } from './domain/grants.js'
export type { RunningSandbox as Sandbox } from './server.js'

/**
 * Starts a sandbox in this process, for a merchant's own tests. Takes every setting of the CLI by
 * its option name (`trackTtl`, `seed`, `clock`, ...); `port` defaults to 0 (a free port) and
 * `logLevel` to `warn`. Throws a ConfigError naming every bad option.
 */
export async function startSandbox (options: SandboxOptions = {}): Promise<RunningSandbox> {
  return startServer(loadConfig({ port: 0, logLevel: 'warn' }, options))
}
