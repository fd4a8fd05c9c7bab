// What both modules do with the library they imported (each in its own format): the whole
// OAuth2 flow, then the two refusals it must word in the library's terms.
import type * as Library from 'freedom-id-sandbox'

const DEMO = 'Basic ' + Buffer.from('0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret').toString('base64')

export async function signInThrough (library: typeof Library, options: Library.SandboxOptions): Promise<Record<string, unknown>> {
  const { ConfigError, GRANTS, SandboxControlError, startSandbox } = library
  const sandbox: Library.Sandbox = await startSandbox(options)
  try {
    const grants: Library.Grant[] = ['read.email']
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
    return {
      grants: GRANTS.length,
      user,
      nope: nope instanceof SandboxControlError ? { status: nope.status, message: nope.message } : String(nope),
      badPort: badPort instanceof ConfigError ? badPort.problems : String(badPort)
    }
  } finally {
    await sandbox.close()
  }
}
