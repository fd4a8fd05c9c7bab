import { buildMerchant } from './app.js'

const { SANDBOX_URL = 'http://127.0.0.1:8080', PORT = '3000', PUBLIC_URL, GRANTS } = process.env
// Demo Shop, a client of the sandbox's bundled fixtures that accepts any redirect URI and any grant.
const { CLIENT_ID = '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70', CLIENT_SECRET = 'demo-shop-secret' } = process.env

const merchant = buildMerchant({
  sandboxUrl: SANDBOX_URL,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  publicUrl: PUBLIC_URL,
  grants: GRANTS === undefined || GRANTS.trim() === '' ? undefined : GRANTS.trim().split(/\s+/)
})
await merchant.listen({ port: Number(PORT), host: '127.0.0.1' })
const port = (merchant.server.address() as { port: number }).port
console.log(`Demo Shop (example merchant) on ${PUBLIC_URL ?? `http://localhost:${port}`}, signing in with Freedom ID at ${SANDBOX_URL}`)
