import type { FastifyInstance } from 'fastify'
import { buildMerchant } from '../../examples/merchant/app.js'
import { startSandbox, type Sandbox } from '../../src/index.js'
import type { Teardown } from '../helpers/app.js'

export const DEMO_SHOP = { clientId: '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70', clientSecret: 'demo-shop-secret' }
export const AIGERIM = {
  id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01',
  name: 'Aigerim Sarsenbayeva',
  phone: '+77015550101',
  email: 'aigerim.sarsenbayeva@example.com',
  password: 'Sandbox123!'
}

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
export async function startStack (t: Teardown): Promise<Stack> {
  const sandbox = await startSandbox({ port: 0, logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const merchant = buildMerchant({ sandboxUrl: sandbox.url, ...DEMO_SHOP })
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
