import t from 'tap'
import { PROBES } from '../../src/probes/catalogue.js'
import type { ProbeReport } from '../../src/probes/report.js'
import { startCarelessMerchant } from '../helpers/careless-merchant.js'
import { DEMO_SHOP, startStack } from '../e2e/stack.js'

// The proof of the relying-party probes: against real listening servers, the example merchant
// refuses every one of them in both flows, and a deliberately careless merchant is let in by
// exactly the probes it should fail, no more, no fewer.

const OIDC_ONLY = PROBES.filter((probe) => probe.id.startsWith('oidc.')).map((probe) => probe.id)
const ID_TOKEN = OIDC_ONLY.filter((id) => id.startsWith('oidc.id-token.'))
const every = (ids: string[], seen: string) => Object.fromEntries(ids.map((id) => [id, seen]))
const seenById = (report: ProbeReport) => Object.fromEntries(report.probes.map((probe) => [probe.id, probe.seen]))
const failed = (report: ProbeReport) => report.probes.filter((probe) => !probe.passed).map((probe) => probe.id)

// A refused code makes the example merchant answer 502 ("Freedom ID answered: Invalid
// authorization_code"): a 5xx, allowed except on the error callbacks.
const SANDBOX_REFUSES = { 'code-replay': 'server_error', 'other-client-code': 'server_error', 'expired-code': 'server_error' }

t.test('the example merchant refuses every probe of the OAuth2 flow: login CSRF by its own nonce in the redirect_uri, bound to a cookie', async (t) => {
  const stack = await startStack(t)
  const report = await stack.sandbox.probe({ start: `${stack.merchantUrl}/login`, signedIn: `${stack.merchantUrl}/profile` })
  t.same(seenById(report), { ...SANDBOX_REFUSES, 'oauth2.login-csrf': 'refused', denied: 'refused', ...every(OIDC_ONLY, 'not_applicable') })
  t.same(failed(report), [])
  t.equal(report.passed, true)
  t.equal(report.flow, 'oauth2')
  t.equal(report.client_id, DEMO_SHOP.clientId)
  const csrf = report.probes.find((probe) => probe.id === 'oauth2.login-csrf')!
  t.equal(csrf.detail, 'Refused: the callback answered 403, then --signed-in 303.')
  // The evidence: the attacker's sign-in, the user's own start, then the attacker's callback in the user's browser.
  t.match(csrf.steps.map((step) => [step.browser, step.method, step.url, step.status]), [
    ['attacker', 'GET', `${stack.merchantUrl}/login`, 303],
    ['attacker', 'POST', `${stack.sandbox.publicUrl}/login/sign-in`, 303],
    ['attacker', 'POST', `${stack.sandbox.publicUrl}/login/consent`, 303],
    ['user', 'GET', `${stack.merchantUrl}/login`, 303],
    ['user', 'GET', new RegExp(`^${stack.merchantUrl}/callback\\?sign_in=[\\w-]{43}&authorization_code=\\w+$`), 403],
    ['user', 'GET', `${stack.merchantUrl}/profile`, 303]
  ])
  t.equal(csrf.steps.length, 6)
})

t.test('the example merchant refuses every probe of the OIDC flow: state, PKCE, and an id_token verified in full', async (t) => {
  const stack = await startStack(t)
  const report = await stack.sandbox.probe({ start: `${stack.merchantUrl}/oidc/login`, signedIn: `${stack.merchantUrl}/profile` })
  t.same(seenById(report), {
    ...SANDBOX_REFUSES,
    'oauth2.login-csrf': 'not_applicable',
    denied: 'refused',
    'oidc.state-missing': 'refused',
    'oidc.state-altered': 'refused',
    ...every(ID_TOKEN, 'refused'),
    // Its verifier for a code bound to none: the sandbox's token endpoint refuses (invalid_grant), the shop answers 502.
    'oidc.pkce': 'server_error'
  })
  t.same(failed(report), [])
  t.equal(report.flow, 'oidc')
  t.same(report.probes.filter((probe) => probe.id.startsWith('oidc.id-token.')).map((probe) => probe.detail), ID_TOKEN.map(() => 'Refused: the callback answered 401, then --signed-in 303.'))
})

t.test('a careless merchant is let in by exactly the probes it should fail', async (t) => {
  const stack = await startStack(t)
  const shop = await startCarelessMerchant(t, stack.sandbox.url, DEMO_SHOP)

  const oauth2 = await stack.sandbox.probe({ start: `${shop.url}/login`, signedIn: shop.signedIn })
  t.same(seenById(oauth2), {
    // It redeems whatever code comes: the sandbox refuses these, and the shop crashes on the refusal.
    'code-replay': 'server_error',
    'other-client-code': 'server_error',
    'oauth2.login-csrf': 'let_in',
    denied: 'server_error',
    'expired-code': 'server_error',
    ...every(OIDC_ONLY, 'not_applicable')
  })
  t.same(failed(oauth2), ['oauth2.login-csrf', 'denied'], 'binds nothing to the browser; a 5xx on error_code=100102')
  t.equal(oauth2.passed, false)
  const csrf = oauth2.probes.find((probe) => probe.id === 'oauth2.login-csrf')!
  t.equal(csrf.detail, 'The merchant let this browser in: after the callback (HTTP 200), --signed-in answered 200.')
  t.equal(csrf.fix, 'Freedom ID\'s callback carries no state: put a nonce of your own in the redirect_uri\'s query, keep it in a cookie when the sign-in starts, and refuse a callback whose nonce is not that cookie\'s.')
  const denied = oauth2.probes.find((probe) => probe.id === 'denied')!
  t.equal(denied.detail, 'Not signed in, but with a server error: the callback answered 500, then --signed-in 302. Answer this callback with a page of your own.')
  t.match(denied.steps.at(-2), { browser: 'user', method: 'GET', url: `${shop.url}/callback?error_code=100102`, status: 500 })

  const oidc = await stack.sandbox.probe({ start: `${shop.url}/oidc/login`, signedIn: shop.signedIn })
  t.same(seenById(oidc), {
    'code-replay': 'server_error',
    'other-client-code': 'server_error',
    'oauth2.login-csrf': 'not_applicable',
    denied: 'server_error',
    'expired-code': 'server_error',
    ...every(OIDC_ONLY, 'let_in')
  })
  t.same(failed(oidc), ['denied', ...OIDC_ONLY], 'state ignored, no PKCE, the id_token decoded without verification')
})
