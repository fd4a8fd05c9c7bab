import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BUNDLED_FIXTURES } from '../../src/config.js'
import { startSandbox, type Sandbox } from '../../src/index.js'
import { createKit, ProbeSetupError } from '../../src/probes/kit.js'
import { injectTransport } from '../../src/probes/run.js'
import { DEFAULT_LIMITS } from '../../src/probes/browser.js'
import { startCarelessMerchant, type Intercept } from '../helpers/careless-merchant.js'
import type { Teardown } from '../helpers/app.js'
import { freePort } from '../helpers/redis.js'
import { AIGERIM, ASEL_DENIES, DEMO_SHOP, MARAT_LOCKED, startStack } from '../e2e/stack.js'

// POST /__sandbox/probes as a caller meets it: what it refuses to start, what it says when the
// merchant's URLs do not behave as the probes need, a merchant that hangs or breaks midway, and
// the browser's bounds (redirects, schemes, timeouts, bytes read).

async function sandboxAndShop (t: Teardown, intercept?: Intercept, settings = {}) {
  const sandbox = await startSandbox({ port: 0, logLevel: 'silent', ...settings })
  t.teardown(() => sandbox.close())
  const shop = await startCarelessMerchant(t, sandbox.url, DEMO_SHOP, intercept)
  return { sandbox, shop }
}

const post = (sandbox: Sandbox, body: unknown, headers: Record<string, string> = {}) => fetch(`${sandbox.url}/__sandbox/probes`, {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body)
})

const redirect = (res: ServerResponse, location: string, extra: Record<string, string> = {}) => { res.writeHead(302, { location, ...extra }).end(); return true }

t.test('what it refuses to start: bad URLs, unknown probes, a persona that cannot sign in and allow; the control API\'s token', async (t) => {
  const { sandbox } = await sandboxAndShop(t)
  const bad = await post(sandbox, { start: 'not a url', signed_in: 'ftp://shop.example/me', only: ['code-replay', 'nope'], persona: 'nobody' })
  t.equal(bad.status, 422)
  t.same(await bad.json(), {
    error: {
      message: 'Error validating transmitted data.',
      errors: {
        start: ['The start field must be an absolute http(s) URL.'],
        signed_in: ['The signed in field must be an absolute http(s) URL.'],
        only: ['Unknown probes: nope. Known: code-replay, other-client-code, oauth2.login-csrf, denied, expired-code, oidc.state-missing, oidc.state-altered, oidc.id-token.wrong-aud, oidc.id-token.wrong-iss, oidc.id-token.wrong-nonce, oidc.id-token.expired, oidc.id-token.not-yet-valid, oidc.id-token.bad-signature, oidc.id-token.alg-none, oidc.id-token.unknown-kid, oidc.id-token.hs256-public-key, oidc.pkce.'],
        persona: ['No such user: give the id, phone or e-mail of a persona or of a provisioned user.']
      }
    }
  })
  const urls = { start: 'http://shop.example/login', signed_in: 'http://shop.example/me' }
  for (const [persona, why] of [[MARAT_LOCKED.id, 'is locked'], [ASEL_DENIES.id, 'always denies']]) {
    const res = await post(sandbox, { ...urls, persona })
    t.equal(res.status, 422)
    t.same(await res.json(), { error: { message: 'Error validating transmitted data.', errors: { persona: [`The persona ${persona} ${why}: the probes need one that signs in and allows.`] } } })
  }
  const missing = await post(sandbox, {})
  t.equal(missing.status, 422)
  t.same(Object.keys((await missing.json() as { error: { errors: object } }).error.errors), ['start', 'signed_in'])

  const guarded = await startSandbox({ port: 0, logLevel: 'silent', sandboxToken: 'probe-secret' })
  t.teardown(() => guarded.close())
  const denied = await post(guarded, urls)
  t.equal(denied.status, 401)
  t.equal(denied.headers.get('www-authenticate'), 'Bearer realm="freedom-id-sandbox control API"')
})

t.test('the checks before the probes: --signed-in must answer 2xx to a signed-in browser only, --start must reach the login page', async (t) => {
  const stack = await startStack(t)
  const shop = stack.merchantUrl
  const port = await freePort()
  const cases: Array<[string, string, string]> = [
    [`${shop}/login`, `http://127.0.0.1:${port}/me`, `--signed-in http://127.0.0.1:${port}/me gave no answer: connect ECONNREFUSED 127.0.0.1:${port}`],
    [`${shop}/login`, `${shop}/`, '--signed-in answered 200 to a browser that never signed in: it must answer 2xx only to a signed-in session (a redirect or a 4xx otherwise).'],
    [`${shop}/profile`, `${shop}/profile`, `an honest sign-in could not be carried out: --start did not lead to the sandbox's login page: GET ${shop}/ answered 200`],
    [`${shop}/login`, `${shop}/nowhere`, 'an honest sign-in did not sign in: after its callback, --signed-in answered 404. The probes need --signed-in to answer 2xx to a signed-in browser.']
  ]
  for (const [start, signedIn, problem] of cases) {
    const report = await stack.sandbox.probe({ start, signedIn })
    t.same({ passed: report.passed, problem: report.problem, probes: report.probes }, { passed: false, problem, probes: [] }, problem)
  }
  let loginPage = ''
  const unknownTrack = await sandboxAndShop(t, (path, _n, res) => path === '/login' && redirect(res, loginPage))
  loginPage = `${unknownTrack.sandbox.publicUrl}/login?track_id=not-a-track`
  const report = await unknownTrack.sandbox.probe({ start: `${unknownTrack.shop.url}/login`, signedIn: unknownTrack.shop.signedIn })
  t.equal(report.problem, `an honest sign-in could not be carried out: the login page's track is unknown to this sandbox: ${loginPage}`)
  // An answer without a body, 2xx all the same.
  const empty = await sandboxAndShop(t, (path, _n, res) => path === '/me' && res.writeHead(204).end() !== undefined)
  t.equal((await empty.sandbox.probe({ start: `${empty.shop.url}/login`, signedIn: empty.shop.signedIn })).problem,
    '--signed-in answered 204 to a browser that never signed in: it must answer 2xx only to a signed-in session (a redirect or a 4xx otherwise).')
})

t.test('a merchant that hangs or breaks after the honest sign-in: the probe says it could not be carried out, and fails', async (t) => {
  const hang = (paths: Record<string, number>): Intercept => (path, n) => paths[path] !== undefined && n > paths[path]!
  const cases: Array<[Intercept, string]> = [
    // The honest sign-in's callback is the first; the probe's hangs.
    [hang({ '/callback': 1 }), 'The callback gave no answer: no answer within 1500 ms.'],
    // --signed-in: the fresh browser, the honest callback's redirect and check, then the probe's check.
    [hang({ '/me': 3 }), '--signed-in gave no answer: no answer within 1500 ms.'],
    [(path, n, res) => path === '/login' && n > 1 && (res.writeHead(200).end('no sign-in today') !== undefined),
      'The probe could not be carried out: --start did not lead to the sandbox\'s login page: GET {shop}/login answered 200.']
  ]
  for (const [intercept, detail] of cases) {
    const { sandbox, shop } = await sandboxAndShop(t, intercept)
    const report = await sandbox.probe({ start: `${shop.url}/login`, signedIn: shop.signedIn, only: ['expired-code'], timeoutMs: 1500 })
    t.same(report.probes.map((probe) => [probe.id, probe.seen, probe.passed, probe.detail]), [['expired-code', 'error', false, detail.replace('{shop}', shop.url)]], report.problem ?? 'probed')
    t.equal(report.passed, false)
  }
  const slow = await sandboxAndShop(t, hang({ '/me': 1 }))
  const report = await slow.sandbox.probe({ start: `${slow.shop.url}/login`, signedIn: slow.shop.signedIn, timeoutMs: 1500 })
  t.equal(report.problem, 'an honest sign-in did not sign in: after its callback, --signed-in answered nothing. The probes need --signed-in to answer 2xx to a signed-in browser.')
})

t.test('the browser\'s bounds: at most 10 redirects, http(s) only, a Location that is a URL, and no more than 256 KiB of an answer read', async (t) => {
  const cases: Array<[Intercept, string]> = [
    [(path, n, res) => path === '/login' && redirect(res, `/login?again=${n}`), 'GET {shop}/login?again=10 more than 10 redirects: not followed further'],
    [(path, _n, res) => path === '/login' && redirect(res, 'ftp://files.example/login'), 'GET {shop}/login redirect to a ftp: URL not followed'],
    // A cookie without a name is dropped.
    [(path, _n, res) => path === '/login' && redirect(res, 'http://[bad', { 'set-cookie': 'no-equals-sign' }), 'GET {shop}/login a Location that is not a URL: not followed']
  ]
  for (const [intercept, problem] of cases) {
    const { sandbox, shop } = await sandboxAndShop(t, intercept)
    const report = await sandbox.probe({ start: `${shop.url}/login`, signedIn: shop.signedIn })
    t.equal(report.problem, `an honest sign-in could not be carried out: --start did not lead to the sandbox's login page: ${problem.replace('{shop}', shop.url)}`)
  }
  // What docs/probes.md promises, and the route's description says.
  t.same(DEFAULT_LIMITS, { timeoutMs: 5_000, maxRedirects: 10, maxBytes: 256 * 1024 })
  // An endless answer: the browser reads 256 KiB of it and moves on.
  let written = 0
  const { sandbox, shop } = await sandboxAndShop(t, (path, _n, res) => {
    if (path !== '/me') return false
    res.writeHead(403, { 'content-type': 'text/plain' })
    const chunk = Buffer.alloc(64 * 1024, 'x')
    const more = () => { while (!res.destroyed && res.write(chunk)) written += chunk.length }
    res.on('drain', more)
    more()
    return true
  })
  const report = await sandbox.probe({ start: `${shop.url}/login`, signedIn: shop.signedIn })
  t.equal(report.problem, 'an honest sign-in did not sign in: after its callback, --signed-in answered 403. The probes need --signed-in to answer 2xx to a signed-in browser.')
  t.ok(written < 16 * 1024 * 1024, `the endless answer was left after ${written} bytes written`)
})

t.test('fixtures of one client and one persona that allows: the probe that needs a second client is not run, the attacker is that persona too', async (t) => {
  const fixtures = async (keepUser: (user: { id: string, behaviour?: string }) => boolean) => {
    const dir = await mkdtemp(join(tmpdir(), 'probe-fixtures-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const read = async (name: string) => JSON.parse(await readFile(join(BUNDLED_FIXTURES, name), 'utf8')) as Array<{ client_id: string, id: string, behaviour?: string }>
    await writeFile(join(dir, 'clients.json'), JSON.stringify((await read('clients.json')).filter((client) => client.client_id === DEMO_SHOP.clientId)))
    await writeFile(join(dir, 'users.json'), JSON.stringify((await read('users.json')).filter(keepUser)))
    return dir
  }
  const one = await fixtures((user) => user.id === AIGERIM.id || user.behaviour !== undefined)
  const { sandbox, shop } = await sandboxAndShop(t, undefined, { fixturesDir: one })
  const report = await sandbox.probe({ start: `${shop.url}/login`, signedIn: shop.signedIn, only: ['other-client-code', 'oauth2.login-csrf'] })
  t.same(report.probes.map((probe) => [probe.id, probe.seen, probe.passed, probe.detail]), [
    ['other-client-code', 'not_applicable', true, 'Not run: the sandbox\'s fixtures hold no second client.'],
    ['oauth2.login-csrf', 'let_in', false, 'The merchant let this browser in: after the callback (HTTP 200), --signed-in answered 200.']
  ])
  const attackerLink = report.probes[1]!.steps.find((step) => step.browser === 'attacker')!.location!
  t.equal((await sandbox.track(new URL(attackerLink).searchParams.get('track_id')!)).user_id, AIGERIM.id, 'the attacker signs in as the only persona there is')

  const none = await sandboxAndShop(t, undefined, { fixturesDir: await fixtures((user) => user.behaviour !== undefined) })
  const refused = await post(none.sandbox, { start: `${none.shop.url}/login`, signed_in: none.shop.signedIn })
  t.equal(refused.status, 422)
  t.same(await refused.json(), { error: { message: 'Error validating transmitted data.', errors: { persona: ['No persona that signs in and allows: name one.'] } } })
})

t.test('--start may be a login link itself: the honest sign-in uses it up, and each probe then says it could not be carried out', async (t) => {
  const { sandbox, shop } = await sandboxAndShop(t)
  const link = await fetch(`${sandbox.url}/api/v1/oauth/authorize`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${DEMO_SHOP.clientId}:${DEMO_SHOP.clientSecret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uri: `${shop.url}/callback`, grants: ['read.firstname'] })
  }).then(async (res) => (await res.json() as { redirect_uri: string }).redirect_uri)
  const report = await sandbox.probe({ start: link, signedIn: shop.signedIn, only: ['denied'] })
  t.equal(report.problem, undefined)
  t.same(report.honest.map((step) => [step.browser, step.method, step.status]), [['fresh', 'GET', 302], ['user', 'POST', 303], ['user', 'POST', 303], ['user', 'GET', 303], ['user', 'GET', 200], ['user', 'GET', 200]])
  t.same(report.probes.map((probe) => [probe.id, probe.seen, probe.detail]), [
    ['denied', 'error', `The probe could not be carried out: the sandbox's login page did not redirect: POST ${new URL(link).origin}/login/sign-in answered 409.`]
  ])
})

t.test('the kit refuses to go on when the sandbox does not behave as a sign-in does: a login page that does not redirect, a code already gone', async (t) => {
  const { sandbox, shop } = await sandboxAndShop(t)
  const origins = new Set([sandbox.publicUrl, sandbox.url])
  const users = await sandbox.context.users.personas(0)
  const kit = createKit({ sandbox: sandbox.context, local: injectTransport(sandbox.inject, origins), limits: DEFAULT_LIMITS, origins, start: `${shop.url}/login`, persona: users.users[0]!, attackerPersona: users.users[1]! }, [])
  const begun = await kit.begin('user')
  await kit.consent(begun, 'allow')
  await t.rejects(kit.consent(begun, 'allow'), new ProbeSetupError(`the sandbox's login page did not redirect: POST ${begun.loginOrigin}/login/sign-in answered 409`))
  await t.rejects(kit.alterCode('no-such-code', { expire: true }), new ProbeSetupError('the code was redeemed before the browser delivered it'))
})

t.test('the call\'s own Host, when it is not a plain host, is not taken for the sandbox\'s address; ISSUER is', async (t) => {
  const { sandbox, shop } = await sandboxAndShop(t, undefined, { issuer: 'https://passport.example' })
  const res = await sandbox.inject({
    method: 'POST',
    url: '/__sandbox/probes',
    headers: { host: 'not a host' },
    payload: { start: `${shop.url}/login`, signed_in: shop.signedIn, only: ['oauth2.login-csrf'] }
  })
  t.equal(res.statusCode, 200)
  t.same(res.json().probes.map((probe: { id: string, seen: string }) => [probe.id, probe.seen]), [['oauth2.login-csrf', 'let_in']])
})

t.test('one probe run at a time: another answers 409 meanwhile, and runs once the first has answered', async (t) => {
  let started!: () => void
  const first = new Promise<void>((resolve) => { started = resolve })
  const { sandbox, shop } = await sandboxAndShop(t, (path) => { if (path === '/login') started(); return false })
  const body = { start: `${shop.url}/login`, signed_in: shop.signedIn, only: ['code-replay'] }
  const running = post(sandbox, body)
  await first
  const refused = await post(sandbox, body)
  t.equal(refused.status, 409)
  t.same(await refused.json(), { error: { message: 'A probe run is under way on this sandbox: one runs at a time; send this again once it has answered.', code: 100409 } })
  t.equal((await running).status, 200)
  const again = await post(sandbox, body)
  t.equal(again.status, 200, 'the next run is taken')
  t.same((await again.json() as { probes: Array<{ id: string }> }).probes.map((probe) => probe.id), ['code-replay'])
})
