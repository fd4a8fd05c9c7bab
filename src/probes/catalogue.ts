import { ID_TOKEN_TAMPERS, type IdTokenTamper } from '../domain/id-token-tamper.js'
import type { Browser } from './browser.js'
import type { ProbeFlow } from './report.js'
import type { ProbeKit } from './kit.js'

/** What a probe hands the runner: the user's browser, and the tampered callback to deliver to it. */
export interface Delivery {
  browser: Browser
  callback: URL
}

export interface ProbeDefinition {
  id: string
  title: string
  flows: ProbeFlow[]
  does: string
  fix: string
  /** A 5xx fails it too: the probe is about answering an error callback gracefully. */
  noServerError?: true
  /** Why it cannot run here, when it cannot (fixtures it needs). */
  unavailable?(kit: ProbeKit): string | undefined
  run(kit: ProbeKit): Promise<Delivery>
}

const ID_TOKEN_PROBES: Record<IdTokenTamper, { title: string, does: string, fix: string }> = {
  wrong_aud: {
    title: 'an id_token for another client (aud)',
    does: 'the token endpoint hands out an id_token whose aud is another client\'s id',
    fix: 'Verify that aud is your client_id (jose: jwtVerify(token, jwks, { audience: CLIENT_ID })).'
  },
  wrong_iss: {
    title: 'an id_token from another issuer (iss)',
    does: 'the id_token\'s iss is https://issuer.invalid',
    fix: 'Verify that iss is Freedom ID\'s issuer exactly (jose: { issuer }; the issuer from discovery).'
  },
  wrong_nonce: {
    title: 'an id_token with another nonce',
    does: 'the id_token\'s nonce is not the one this browser\'s sign-in sent',
    fix: 'Keep the nonce you sent to /openid with the browser\'s session and compare it with the id_token\'s nonce.'
  },
  expired: {
    title: 'an expired id_token',
    does: 'the id_token\'s exp is an hour in the past',
    fix: 'Verify exp (a JWT library does, unless told not to); do not turn clock checks off.'
  },
  not_yet_valid: {
    title: 'an id_token not yet valid',
    does: 'the id_token\'s iat and nbf are an hour in the future',
    fix: 'Verify nbf and iat (a JWT library does, unless told not to); allow a small clock tolerance only.'
  },
  bad_signature: {
    title: 'an id_token with a bad signature',
    does: 'one bit of the id_token\'s RS256 signature is flipped',
    fix: 'Verify the signature against Freedom ID\'s JWKS (jose: createRemoteJWKSet + jwtVerify); never only decode the token.'
  },
  alg_none: {
    title: 'an unsigned id_token (alg: none)',
    does: 'the id_token says alg none and has no signature',
    fix: 'Accept only the algorithm Freedom ID signs with: jwtVerify(token, jwks, { algorithms: [\'RS256\'] }).'
  },
  unknown_kid: {
    title: 'an id_token signed with a key not in the JWKS',
    does: 'the id_token is signed by an RSA key of its own, under a kid the JWKS does not list',
    fix: 'Take the verification key from the JWKS by kid and refuse a token whose kid is not there; never fall back to any key.'
  },
  hs256_public_key: {
    title: 'an id_token HMAC-signed with the public key (HS256)',
    does: 'the id_token says alg HS256 and is signed with the JWKS\'s public key as the HMAC secret',
    fix: 'Fix the algorithm to RS256 (algorithms: [\'RS256\']); never let the token\'s header choose how it is verified.'
  }
}

const STATE_FIX = 'Keep the state you sent to /openid with the browser\'s session (a cookie), compare it with the callback\'s state before redeeming the code, and refuse a missing or different one.'

export const PROBES: ProbeDefinition[] = [
  {
    id: 'code-replay',
    title: 'a replayed authorization code',
    flows: ['oauth2', 'oidc'],
    does: 'a code another browser\'s sign-in already redeemed is delivered to this browser\'s own callback',
    fix: 'Redeem every code at the token endpoint and refuse the sign-in when it is refused (400, code 100101); never cache a session by code.',
    async run (kit) {
      const first = await kit.signedInBrowser('user')
      await kit.deliver(first.browser, first.callback)
      const user = await kit.begin('user')
      return { browser: user.browser, callback: kit.callbackFor(user.track, first.code) }
    }
  },
  {
    id: 'other-client-code',
    title: 'a code issued to another client',
    flows: ['oauth2', 'oidc'],
    does: 'a code Freedom ID issued to another client, for the same user, is delivered to this browser\'s own callback',
    fix: 'Redeem the code with your own client credentials (HTTP Basic) and refuse the sign-in when the token endpoint refuses it.',
    unavailable: (kit) => kit.otherClient === undefined ? 'the sandbox\'s fixtures hold no second client' : undefined,
    async run (kit) {
      const user = await kit.begin('user')
      return { browser: user.browser, callback: kit.callbackFor(user.track, await kit.codeForOtherClient(user.track)) }
    }
  },
  {
    id: 'oauth2.login-csrf',
    title: 'login CSRF: a code from a sign-in started in another browser',
    flows: ['oauth2'],
    does: 'an attacker signs in in their own browser and has this browser (itself in the middle of its own sign-in) load the attacker\'s callback',
    fix: 'Freedom ID\'s callback carries no state: put a nonce of your own in the redirect_uri\'s query, keep it in a cookie when the sign-in starts, and refuse a callback whose nonce is not that cookie\'s.',
    async run (kit) {
      const attacker = await kit.signedInBrowser('attacker', kit.attackerPersona)
      const user = await kit.begin('user')
      return { browser: user.browser, callback: attacker.callback }
    }
  },
  {
    id: 'denied',
    title: 'a denied sign-in (error_code=100102)',
    flows: ['oauth2', 'oidc'],
    does: 'the user presses Deny on the consent page: the callback carries error_code=100102 (OIDC: error=access_denied), no code',
    fix: 'Treat a callback without a code as "not signed in": answer a page of your own (2xx or 4xx), not a 5xx.',
    noServerError: true,
    async run (kit) {
      const user = await kit.begin('user')
      return { browser: user.browser, callback: await kit.consent(user, 'deny') }
    }
  },
  {
    id: 'expired-code',
    title: 'an expired authorization code',
    flows: ['oauth2', 'oidc'],
    does: 'the code of this browser\'s own sign-in expires before the merchant redeems it',
    fix: 'Refuse the sign-in when the token endpoint refuses the code (400, code 100101); start a new sign-in rather than retrying the code.',
    async run (kit) {
      const user = await kit.signedInBrowser('user')
      await kit.alterCode(user.code, { expire: true })
      return { browser: user.browser, callback: user.callback }
    }
  },
  {
    id: 'oidc.state-missing',
    title: 'a callback without state',
    flows: ['oidc'],
    does: 'this browser\'s own code is delivered with the state left out',
    fix: STATE_FIX,
    async run (kit) {
      const user = await kit.signedInBrowser('user')
      user.callback.searchParams.delete('state')
      return { browser: user.browser, callback: user.callback }
    }
  },
  {
    id: 'oidc.state-altered',
    title: 'a callback with another state',
    flows: ['oidc'],
    does: 'this browser\'s own code is delivered with the last character of its state changed',
    fix: STATE_FIX,
    async run (kit) {
      const user = await kit.signedInBrowser('user')
      const state = user.callback.searchParams.get('state')!
      // One bit of the last character: always another character, of the same length.
      user.callback.searchParams.set('state', `${state.slice(0, -1)}${String.fromCharCode(state.charCodeAt(state.length - 1) ^ 1)}`)
      return { browser: user.browser, callback: user.callback }
    }
  },
  ...ID_TOKEN_TAMPERS.map((tamper): ProbeDefinition => ({
    id: `oidc.id-token.${tamper.replaceAll('_', '-')}`,
    ...ID_TOKEN_PROBES[tamper],
    flows: ['oidc'],
    does: `this browser's own sign-in, but ${ID_TOKEN_PROBES[tamper].does}`,
    async run (kit) {
      const user = await kit.signedInBrowser('user')
      await kit.alterCode(user.code, { tamper })
      return { browser: user.browser, callback: user.callback }
    }
  })),
  {
    id: 'oidc.pkce',
    title: 'a code not bound to this browser\'s PKCE verifier',
    flows: ['oidc'],
    does: 'this browser\'s own code, with its state and nonce, but no longer bound to its code_challenge (as a code injected from another sign-in would be): only PKCE tells it apart',
    fix: 'Send code_challenge (S256) to /openid, keep the code_verifier with the browser\'s session and send it to the token endpoint.',
    async run (kit) {
      const user = await kit.signedInBrowser('user')
      await kit.alterCode(user.code, { unbindPkce: true })
      return { browser: user.browser, callback: user.callback }
    }
  }
]
