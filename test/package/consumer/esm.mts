// A merchant's test in an ES module, compiled by tsc (strict, NodeNext) against the installed
// package: the whole OAuth2 flow through the library, then the two refusals it must word well.
import { ConfigError, GRANTS, SandboxControlError, startSandbox, type Grant, type Sandbox, type SandboxOptions } from 'freedom-id-sandbox'

const DEMO = 'Basic ' + Buffer.from('0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret').toString('base64')

const options: SandboxOptions = { seed: 'consumer', clock: new Date('2030-01-01T00:00:00Z') }
// @ts-expect-error: the types are real, a port is a number
const wrong: SandboxOptions = { port: '8080' }
const sandbox: Sandbox = await startSandbox(options)
try {
  const grants: Grant[] = ['read.email']
  const authorized = await fetch(`${sandbox.url}/api/v1/oauth/authorize`, {
    method: 'POST',
    headers: { authorization: DEMO, 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants })
  })
  const trackId = new URL((await authorized.json() as { redirect_uri: string }).redirect_uri).searchParams.get('track_id') ?? ''
  const approved = await sandbox.approve(trackId, { user: '+77015550101' })
  const code = new URL(approved.redirect_uri).searchParams.get('authorization_code') ?? ''
  const pair = await (await fetch(`${sandbox.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: DEMO, 'content-type': 'application/json' },
    body: JSON.stringify({ authorization_code: code })
  })).json() as { access_token: string }
  const user = await (await fetch(`${sandbox.url}/api/v1/oauth/user`, { headers: { authorization: `Bearer ${pair.access_token}` } })).json() as unknown
  const nope = await sandbox.approve('nope', { user: '+77015550101' }).catch((error: unknown) => error)
  const badPort = await startSandbox({ port: -1 }).catch((error: unknown) => error)
  console.log(JSON.stringify({
    format: 'esm',
    grants: GRANTS.length,
    user,
    nope: nope instanceof SandboxControlError ? { status: nope.status, message: nope.message } : String(nope),
    badPort: badPort instanceof ConfigError ? badPort.problems : String(badPort),
    wrong: wrong.port
  }))
} finally {
  await sandbox.close()
}
