import t from 'tap'
import * as client from 'openid-client'
import { startSandbox } from '../../../src/index.js'
import { DEMO, KITAP } from '../../helpers/app.js'
import { AIGERIM, DANIYAR } from '../../helpers/flow.js'

/**
 * A standard OIDC client library against a real listening sandbox, from discovery alone: what a
 * merchant's own integration test does. The login pages are driven over HTTP, as a browser would.
 */

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual'
})

/** A response the browser expects, or an error naming the step. */
async function expect (step: string, response: Promise<Response>, status: number): Promise<Response> {
  const res = await response
  if (res.status !== status) throw new Error(`${step} answered ${res.status}, not ${status}: ${await res.text()}`)
  return res
}

/** GET the authorization URL, sign in as a persona, allow or deny: the callback URL the browser lands on. */
async function browse (authorizationUrl: URL, persona: string, decision: 'allow' | 'deny'): Promise<URL> {
  const start = await expect('/openid', fetch(authorizationUrl, { redirect: 'manual' }), 303)
  const loginUrl = new URL(start.headers.get('location')!, authorizationUrl)
  const page = await expect('the login page', fetch(loginUrl), 200)
  const trackId = /name="track_id" value="([^"]+)"/.exec(await page.text())![1]!
  const signedIn = await expect('sign-in', fetch(new URL('/login/sign-in', loginUrl), form({ track_id: trackId, persona })), 303)
  const consentPage = await expect('the consent page', fetch(new URL(signedIn.headers.get('location')!, loginUrl)), 200)
  if (!(await consentPage.text()).includes('data-testid="allow"')) throw new Error('no Allow button on the consent page')
  const decided = await expect('consent', fetch(new URL('/login/consent', loginUrl), form({ track_id: trackId, decision })), 303)
  return new URL(decided.headers.get('location')!)
}

t.test('openid-client: discovery, PKCE + state + nonce, code grant, id_token, userinfo, refresh', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const config = await client.discovery(new URL(sandbox.publicUrl), DEMO.id, DEMO.secret, undefined, { execute: [client.allowInsecureRequests] })
  t.equal(config.serverMetadata().issuer, sandbox.publicUrl)

  const codeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: 'https://shop.example/oidc/callback',
    scope: 'openid read.email read.firstname',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce
  })
  t.equal(authorizationUrl.pathname, '/openid')
  const callback = await browse(authorizationUrl, AIGERIM, 'allow')
  t.equal(callback.searchParams.get('state'), state)

  // The library's default client authentication is client_secret_post; its body is a form.
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce })
  t.equal(tokens.token_type, 'bearer', 'the library lower-cases "Bearer"')
  t.equal(tokens.expires_in, 604800)
  const claims = tokens.claims()!
  t.match(claims, { iss: sandbox.publicUrl, sub: AIGERIM, aud: DEMO.id, nonce })
  t.equal(claims.exp - claims.iat, 604800)
  t.ok(Math.abs(claims.iat - Date.now() / 1000) < 60, 'iat is now')

  const userInfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
  t.same(userInfo, { sub: AIGERIM, id: AIGERIM, email: 'aigerim.sarsenbayeva@example.com', firstname: 'Aigerim' })

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!)
  t.not(refreshed.access_token, tokens.access_token)
  t.match(refreshed.claims(), { iss: sandbox.publicUrl, sub: AIGERIM, aud: DEMO.id })
  t.equal(refreshed.claims()!.nonce, undefined)
  await t.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), 'the old refresh token is dead')
})

t.test('openid-client with client_secret_basic and a client with registered redirect_uris', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const config = await client.discovery(new URL(sandbox.publicUrl), KITAP.id, KITAP.secret, client.ClientSecretBasic(KITAP.secret), { execute: [client.allowInsecureRequests] })
  const state = client.randomState()
  const nonce = client.randomNonce()
  const authorizationUrl = client.buildAuthorizationUrl(config, { redirect_uri: 'http://localhost:3000/callback', scope: 'openid read.email', state, nonce })
  const callback = await browse(authorizationUrl, AIGERIM, 'allow')
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce })
  t.match(tokens.claims(), { sub: AIGERIM, aud: KITAP.id, nonce })
})

t.test('openid-client sees a denial as the standard access_denied error', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const config = await client.discovery(new URL(sandbox.publicUrl), DEMO.id, DEMO.secret, undefined, { execute: [client.allowInsecureRequests] })
  const state = client.randomState()
  const authorizationUrl = client.buildAuthorizationUrl(config, { redirect_uri: 'https://shop.example/cb', scope: 'openid', state, nonce: client.randomNonce() })
  const callback = await browse(authorizationUrl, DANIYAR, 'deny')
  const error = await client.authorizationCodeGrant(config, callback, { expectedState: state }).catch((e: unknown) => e)
  t.ok(error instanceof client.AuthorizationResponseError)
  t.match(error, { error: 'access_denied', error_description: 'The user denied access.' })
})
