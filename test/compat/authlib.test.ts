import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { AIGERIM, DEMO, MODES, PYTHON, start, type Target } from './harness.js'

/**
 * Python authlib 1.2, as Debian ships it (python3-authlib, run with /usr/bin/python3: the pyenv
 * python3 first on PATH has no authlib). authlib_client.py does what a Python merchant does and
 * prints what authlib answered at each step; every value is checked here.
 */

const SCRIPT = fileURLToPath(new URL('authlib_client.py', import.meta.url))

async function python (target: Target, part: 'flow' | 'errors' | 'clock'): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, JSON.stringify({ issuer: target.issuer, control: target.control, part })], { timeout: 60_000 })
  return JSON.parse(stdout)
}

const oauthError = (error: string, description?: string) => ({ class: 'OAuthError', error, ...(description === undefined ? {} : { description }) })

for (const mode of MODES) {
  t.test(`authlib, ${mode}: discovery, code + PKCE, id_token against the JWKS, userinfo, refresh, prompt=none`, async (t) => {
    const target = await start(t, mode)
    const out = await python(target, 'flow')
    t.match(out.authlib, /^1\.2\./)
    t.equal(out.issuer, target.issuer)
    t.equal(out.token_type, 'Bearer')
    t.equal(out.expires_in, 604800)
    t.match(out.claims, { iss: target.issuer, sub: AIGERIM.id, aud: DEMO.id, auth_time: Number })
    t.ok(Math.abs(out.claims.auth_time - out.now) < 60, 'auth_time is now')
    t.same(out.userinfo, { sub: AIGERIM.id, id: AIGERIM.id, email: AIGERIM.email, firstname: AIGERIM.firstname })
    t.ok(out.refreshed_differs)
    t.match(out.refreshed_claims, { sub: AIGERIM.id, auth_time: out.claims.auth_time })
    t.equal(out.silent_redirect, DEMO.redirectUri, 'prompt=none: straight back, no page')
    t.match(out.silent_claims, { sub: AIGERIM.id, auth_time: out.claims.auth_time, nonce: out.silent_nonce })
    t.match(out.post_claims, { sub: AIGERIM.id }, 'client_secret_post too')
  })

  t.test(`authlib, ${mode}: every error, as authlib reports it`, async (t) => {
    const target = await start(t, mode)
    const out = await python(target, 'errors')
    t.same(out.callback_params.deny, { error: ['access_denied'], error_description: ['The user denied access.'], state: [out.states.deny] })
    t.same(out.callback_params.prompt_none, { error: ['login_required'], error_description: ['Nobody is signed in to Freedom ID in this browser (prompt=none).'], state: [out.states.prompt_none] })
    // authlib's web integrations (Flask, Django, Starlette) raise OAuthError(error, error_description) from these parameters;
    // its bare requests client does not read them: given the error redirect, it guesses a client_credentials grant.
    t.same(out.callback_fetch, oauthError('unsupported_grant_type', 'The grant_type must be authorization_code or refresh_token.'))
    t.same(out.wrong_redirect_uri, oauthError('invalid_grant', 'The redirect_uri differs from the one of the authorization request.'))
    t.same(out.wrong_verifier, oauthError('invalid_grant', 'code_verifier does not match the code_challenge.'))
    t.same(out.wrong_secret, oauthError('invalid_client', 'Client authentication failed: unknown client_id or wrong client_secret.'))
    t.same(out.wrong_post_secret, oauthError('invalid_client', 'Client authentication failed: unknown client_id or wrong client_secret.'))
    t.same(out.used_code, oauthError('invalid_grant', 'The code is unknown, used, expired, or was issued to another client.'))
    t.same(out.password_grant, oauthError('unsupported_grant_type', 'The grant_type must be authorization_code or refresh_token.'))
    t.same(out.scope_beyond, oauthError('invalid_scope', 'The scope goes beyond what the refresh_token was granted (openid read.email read.firstname): read.cards.'))
    t.same(out.used_refresh_token, oauthError('invalid_grant', 'The refresh_token is unknown, used, expired, or was issued to another client.'))
    t.same(out.userinfo_bad_token, {
      status: 401,
      challenge: 'Bearer realm="Freedom ID sandbox", error="invalid_token", error_description="The access token is unknown, expired or revoked."',
      body: { error: { message: 'Unauthenticated.', code: 100401 } }
    })
    t.match(out.forged_signature, { class: 'BadSignatureError', error: 'bad_signature' })
    t.match(out.wrong_audience, { class: 'InvalidClaimError', error: 'invalid_claim', description: 'Invalid claim "aud"' })
    t.equal(out.good_sub, AIGERIM.id)
    t.same(out.expired_code, oauthError('invalid_grant', 'The code is unknown, used, expired, or was issued to another client.'))
  })
}

t.test('authlib and the sandbox clock: exp against this machine\'s clock (no leeway by default); iat and auth_time only by type', async (t) => {
  const target = await start(t, 'default settings', { accessTtl: 3600 })
  const out = await python(target, 'clock')
  t.equal(out.ahead, null, 'an hour ahead, even with max_age 60: accepted')
  t.same(out.behind, { class: 'ExpiredTokenError', error: 'expired_token', description: 'The token is expired' }, '3605 s behind with ACCESS_TTL=3600')
  t.equal(out.behind_with_leeway, null, 'validate(leeway=60) accepts it')
  t.equal(out.max_age_behind, null, 'ten minutes behind with max_age 300: accepted, authlib only asks that auth_time be there')
})
