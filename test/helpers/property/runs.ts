/*
 * How many runs the property tests (test/property/) make, and in which modes of the sandbox.
 *
 * PROPERTY_RUNS=n   generated runs per endpoint over all its modes (default 10,000)
 * PROPERTY_SEED=n   replays the seed a failure printed
 * PROPERTY_EXPLORE=1  no stop at the first failure: the shortest example of every distinct one
 */

function envInt (name: string): number | undefined {
  const value = process.env[name]
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${value}`)
  return n
}

/** Generated requests per endpoint, over all its run modes; `PROPERTY_RUNS=300` for a quick local run. */
export const RUNS_PER_ENDPOINT = envInt('PROPERTY_RUNS') ?? 10_000
/** Replays a failure fast-check reported (it prints the seed). */
export const SEED = envInt('PROPERTY_SEED')
export const EXPLORE = process.env.PROPERTY_EXPLORE === '1'

export interface Mode { name: string, errorStatus: 'http' | '200', journal: 'on' | 'off', sandboxToken?: string }

export const SANDBOX_TOKEN = 'property-control-token'
export const PROVIDER_MODES: Mode[] = [
  { name: 'ERROR_STATUS=http', errorStatus: 'http', journal: 'on' },
  { name: 'ERROR_STATUS=200', errorStatus: '200', journal: 'off' }
]
export const CONTROL_MODES: Mode[] = [
  ...PROVIDER_MODES,
  { name: 'ERROR_STATUS=http, SANDBOX_TOKEN', errorStatus: 'http', journal: 'on', sandboxToken: SANDBOX_TOKEN },
  { name: 'ERROR_STATUS=200, SANDBOX_TOKEN', errorStatus: '200', journal: 'off', sandboxToken: SANDBOX_TOKEN }
]
