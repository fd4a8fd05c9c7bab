import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from '../../src/app.js'
import { BUNDLED_FIXTURES, loadConfig, type SandboxOptions } from '../../src/config.js'
import { loadFixtures, type Fixtures } from '../../src/domain/fixtures.js'

export const DEMO = {
  id: '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70',
  secret: 'demo-shop-secret'
}
export const KITAP = {
  id: 'b7d3e1f9-2a4c-4b6e-8d0f-1c3e5a7b9d21',
  secret: 'kitap-secret'
}

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
export const DEMO_AUTH = basic(DEMO.id, DEMO.secret)

/** The Bearer challenges (RFC 6750 section 3.1): no token sent; a token sent that is no good. */
export const NO_TOKEN = 'Bearer realm="Freedom ID sandbox"'
export const INVALID_TOKEN = 'Bearer realm="Freedom ID sandbox", error="invalid_token", error_description="The access token is unknown, expired or revoked."'
export const KITAP_AUTH = basic(KITAP.id, KITAP.secret)

/** 2030-01-01T00:00:00Z, in unix seconds. */
export const CLOCK_START_S = 1893456000
export const CLOCK = '2030-01-01T00:00:00Z'

let bundled: Promise<Fixtures> | undefined
export const bundledFixtures = (): Promise<Fixtures> => (bundled ??= loadFixtures(BUNDLED_FIXTURES))

/** What a tap test offers to clean up after it (any object with teardown). */
export interface Teardown { teardown(fn: () => unknown): void }

export interface TestApp {
  app: FastifyInstance
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>
}

/**
 * A sandbox built for one test (seeded ids, a frozen clock at 2030-01-01, silent unless asked),
 * closed when the test ends. Settings as `startSandbox` takes them override those defaults.
 */
export async function testApp (t: Teardown, settings: SandboxOptions = {}, fixtures?: Fixtures, extra: Partial<AppOptions> = {}): Promise<TestApp> {
  const logs: Array<Record<string, unknown>> = []
  const logStream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') logs.push(JSON.parse(line))
      done()
    }
  })
  const config = loadConfig({ seed: 'test', clock: CLOCK, logLevel: 'info', publicUrl: 'http://sandbox.test' }, settings)
  const app = await buildApp({ ...extra, config, fixtures: fixtures ?? await bundledFixtures(), logStream })
  t.teardown(() => app.close())
  return { app, logs }
}

export const AUTHORIZE = '/api/v1/oauth/authorize'

export const authorizeBody = { redirect_uri: 'https://shop.example/callback', grants: ['read.email', 'read.phone'] }
