import type { FastifyInstance } from 'fastify'
import { buildMerchant, type MerchantOptions } from '../../examples/merchant/app.js'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/index.js'
import type { Teardown } from '../helpers/app.js'

export const DEMO_SHOP = { clientId: '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70', clientSecret: 'demo-shop-secret' }
export const PASSWORD = 'Sandbox123!'

export const AIGERIM = { id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', name: 'Aigerim Sarsenbayeva', phone: '+77015550101', email: 'aigerim.sarsenbayeva@example.com', password: PASSWORD }
export const DANIYAR = { id: '8c2f1e3d-6a7b-4d9e-8f10-3a2b1c0d9e02', name: 'Daniyar Bekov', phone: '+77025550202' }
export const YERLAN = { id: '1d4e6f8a-2b3c-4e5f-a6b7-c8d9e0f1a203', name: 'Yerlan Zhaksylykov', phone: '+77055550303' }
export const ASEL_DENIES = { id: '9a8b7c6d-5e4f-4a3b-b2c1-d0e9f8a7b604', name: 'Asel Temirova' }
export const MARAT_LOCKED = { id: '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a05', name: 'Marat Abenov' }
export const DANA_KYC_FAILS = { id: '6f1a2b3c-4d5e-4f6a-9b7c-8d9e0f1a2b06', name: 'Dana Mukhametova', phone: '+77085550606' }

export interface Stack {
  sandbox: Sandbox
  merchant: FastifyInstance
  /** The merchant as browsers reach it: http://localhost:<port>, the host of its redirect_uri. */
  merchantUrl: string
  /** Moves the sandbox clock, as a test script would: through its control API. */
  advanceClock(seconds: number): Promise<void>
}

/**
 * A listening sandbox (login links on http://localhost:<port>, its default) and the example
 * merchant beside it, both closed when the test ends. Both are reached as localhost so that
 * every cookie the browser keeps belongs to one host.
 */
export async function startStack (t: Teardown, settings: SandboxOptions = {}, merchantOptions: Partial<MerchantOptions> = {}): Promise<Stack> {
  const sandbox = await startSandbox({ port: 0, logLevel: 'silent', ...settings })
  t.teardown(() => sandbox.close())
  const merchant = buildMerchant({ sandboxUrl: sandbox.url, ...DEMO_SHOP, onBug: () => {}, ...merchantOptions })
  t.teardown(() => merchant.close())
  await merchant.listen({ port: 0, host: '127.0.0.1' })
  const { port } = merchant.server.address() as { port: number }
  return {
    sandbox,
    merchant,
    merchantUrl: `http://localhost:${port}`,
    async advanceClock (seconds) {
      const res = await fetch(`${sandbox.url}/__sandbox/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advance: seconds })
      })
      if (!res.ok) throw new Error(`POST /__sandbox/clock answered ${res.status}: ${await res.text()}`)
    }
  }
}
