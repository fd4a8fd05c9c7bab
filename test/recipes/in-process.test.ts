// The README's "in-process with startSandbox in a tap test" recipe, run as it is written there.
import t from 'tap'
import { startSandbox } from '../../src/index.js'

t.test('a merchant test drives the sandbox in-process', async (t) => {
  const sandbox = await startSandbox({ seed: 'ci', clock: '2030-01-01T00:00:00Z' })
  t.teardown(() => sandbox.close())
  const basic = 'Basic ' + Buffer.from('0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret').toString('base64')

  // 1. What the merchant's server does: ask for a login link.
  const link = await fetch(`${sandbox.url}/api/v1/oauth/authorize`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants: ['read.firstname', 'read.email'] })
  }).then((res) => res.json() as Promise<{ redirect_uri: string }>)
  const trackId = new URL(link.redirect_uri).searchParams.get('track_id')!

  // 2. Instead of a browser: approve as a test persona.
  const { redirect_uri: callback } = await sandbox.approve(trackId, { user: '+77015550101' })
  const code = new URL(callback).searchParams.get('authorization_code')!

  // 3. A fault: the first code exchange fails with a 503; the merchant must retry.
  await sandbox.addFault({ route: 'POST /api/v1/oauth/token', status: 503 })
  const exchange = () => fetch(`${sandbox.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ authorization_code: code })
  })
  t.equal((await exchange()).status, 503)
  const tokens = await (await exchange()).json() as { access_token: string }

  const user = await fetch(`${sandbox.url}/api/v1/oauth/user`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
  t.same(await user.json(), { id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', firstname: 'Aigerim', email: 'aigerim.sarsenbayeva@example.com' })

  // 4. The journal: what the merchant actually sent.
  const exchanges = await sandbox.requests({ path: '/api/v1/oauth/token' })
  t.same(exchanges.map((entry) => entry.status), [200, 503])
  t.equal(exchanges[0]!.request.headers.authorization, 'Basic [redacted]')
})
