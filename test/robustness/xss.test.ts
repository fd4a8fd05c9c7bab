import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { escapeHtml } from '../../src/views/html.js'
import { AUTHORIZE, DEMO, bundledFixtures, basic, testApp } from '../helpers/app.js'
import { AIGERIM, MARAT_LOCKED, approve, exchange } from '../helpers/flow.js'
import { openidUrl } from '../helpers/oidc.js'

/** Each payload tries another way out: tags, attribute quotes of both kinds, template backticks, comments, entities. */
const PAYLOADS = [
  '"><script>alert(1)</script>',
  "' autofocus onfocus='alert(2)",
  '</span><img src=x onerror=alert(3)>',
  // A template literal's interpolation, had the text been pasted into a script.
  '`$' + '{alert(4)}`',
  '<!--<svg/onload=alert(5)>-->',
  '&lt;script&gt;alert(6)&lt;/script&gt;',
  '<style>*{background:url(//evil.example)}</style>'
]
const EVIL_NAME = PAYLOADS.join(' ')
const EVIL_EMAIL = '"><script>alert(7)</script>@x.example'
const PROVISIONED_EMAIL = "o'neil+`{x}`@evil-mail.example"
const RESTRICTED_ID = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'

const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })

/** Markup an attacker's text would become if it were not escaped. */
const RAW = /<(?:script|img|svg|style|iframe|object|embed)\b/i
/** The tags and attributes the templates themselves write; anything else came from data. */
const OWN_TAGS = new Set(['html', 'head', 'meta', 'title', 'link', 'body', 'div', 'small', 'main', 'footer', 'section', 'p', 'h1', 'h2',
  'span', 'ul', 'li', 'code', 'form', 'input', 'label', 'button', 'strong', 'a'])
const OWN_ATTRIBUTES = new Set(['lang', 'charset', 'name', 'content', 'rel', 'href', 'type', 'class', 'data-testid', 'role', 'method',
  'action', 'value', 'id', 'for', 'autocomplete', 'required'])

/** Tags or attributes in `body` that the templates do not write: what an escape that failed would leave. */
function foreignMarkup (body: string): string[] {
  const found: string[] = []
  for (const [tag, name, rest] of body.matchAll(/<([a-z][a-z0-9]*)\b([^>]*)>/gi)) {
    if (!OWN_TAGS.has(name!.toLowerCase())) found.push(tag)
    const quoted = [...rest!.matchAll(/\s([^\s=]+)="[^"]*"/g)].map((m) => m[1]!)
    const bare = rest!.replace(/\s[^\s=]+="[^"]*"/g, '').trim().split(/\s+/).filter((word) => word !== '')
    for (const attribute of [...quoted, ...bare]) if (!OWN_ATTRIBUTES.has(attribute.toLowerCase())) found.push(`${attribute} in ${tag}`)
  }
  return found
}

/** Every HTML answer: escaped, no markup from the payloads, and the page's security headers. */
function safePage (t: Test, res: LightMyRequestResponse, what: string) {
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8', `${what}: HTML`)
  const csp = String(res.headers['content-security-policy'])
  t.match(csp, /^default-src 'none';/, `${what}: a CSP that allows nothing by default`)
  t.notMatch(csp, /script-src|unsafe-inline|unsafe-eval/, `${what}: no script source at all`)
  t.match(csp, "frame-ancestors 'none'", what)
  t.equal(res.headers['x-frame-options'], 'DENY', what)
  t.equal(res.headers['cache-control'], 'no-store', what)
  t.notMatch(res.body, RAW, `${what}: no raw markup from the payloads`)
  t.same(foreignMarkup(res.body), [], `${what}: every tag and attribute is one of the page's own`)
}

async function hostileApp (t: Test) {
  const fixtures = await bundledFixtures()
  const demo = fixtures.clients[0]!
  const { app } = await testApp(t, {}, {
    clients: [
      { ...demo, name: EVIL_NAME },
      { client_id: RESTRICTED_ID, client_secret: 'restricted-secret', name: EVIL_NAME, redirect_uris: ['https://shop.example/only'] }
    ],
    users: fixtures.users.map((u) => u.id === AIGERIM ? { ...u, firstname: EVIL_NAME, lastname: PAYLOADS[1]!, email: EVIL_EMAIL } : u)
  })
  return app
}

async function track (app: FastifyInstance, redirectUri = 'https://shop.example/callback') {
  const res = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: basic(DEMO.id, 'demo-shop-secret') }, payload: { redirect_uri: redirectUri, grants: ['read.email', 'read.firstname'] } })
  return new URL(res.json().redirect_uri).searchParams.get('track_id')!
}

t.test('client names and persona data from the fixtures come out escaped on every page', async (t) => {
  const app = await hostileApp(t)
  const trackId = await track(app)
  const page = await app.inject({ method: 'GET', url: `/login?track_id=${trackId}` })
  t.equal(page.statusCode, 200)
  safePage(t, page, 'sign-in page')
  t.match(page.body, `<span data-testid="client-name">${escapeHtml(EVIL_NAME)}</span>`)
  t.match(page.body, `<span class="who">${escapeHtml(EVIL_NAME)} ${escapeHtml(PAYLOADS[1]!)}</span>`)
  t.match(page.body, escapeHtml(EVIL_EMAIL))
  t.match(page.body, '&amp;lt;script&amp;gt;alert(6)', 'text that looks escaped is escaped again, never decoded')

  await app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: trackId, persona: AIGERIM }) })
  const consent = await app.inject({ method: 'GET', url: `/login/consent?track_id=${trackId}` })
  t.equal(consent.statusCode, 200)
  safePage(t, consent, 'consent page')
  t.match(consent.body, `<strong data-testid="signed-in-as">${escapeHtml(EVIL_NAME)} ${escapeHtml(PAYLOADS[1]!)}</strong>`)

  const locked = await app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: await track(app), persona: MARAT_LOCKED }) })
  t.equal(locked.statusCode, 403)
  safePage(t, locked, 'locked persona page')

  const unregistered = await app.inject({ method: 'GET', url: openidUrl({ client_id: RESTRICTED_ID, redirect_uri: 'https://evil.example/cb', scope: 'openid' }) })
  t.equal(unregistered.statusCode, 400)
  safePage(t, unregistered, 'OIDC error page naming the client')
  t.match(unregistered.body, `The redirect_uri is not registered for ${escapeHtml(EVIL_NAME)}.`)
})

t.test('what the user types and what the URL carries come out escaped', async (t) => {
  const app = await hostileApp(t)
  for (const payload of PAYLOADS) {
    const trackId = await track(app)
    const wrong = await app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: trackId, login: payload, password: payload }) })
    t.equal(wrong.statusCode, 401)
    safePage(t, wrong, `typed login ${payload}`)
    t.match(wrong.body, `value="${escapeHtml(payload)}"`, 'the typed login is kept, escaped')
    t.notOk(wrong.body.includes(payload), 'never raw')
    const empty = await app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: trackId, login: payload, password: '' }) })
    t.equal(empty.statusCode, 422)
    safePage(t, empty, `typed login without password ${payload}`)

    const encoded = encodeURIComponent(payload)
    for (const url of [`/login?track_id=${encoded}`, `/login?track_id=${trackId}&expire_at=${encoded}&${encoded}=${encoded}`, `/login/consent?track_id=${encoded}`]) {
      const res = await app.inject({ method: 'GET', url })
      safePage(t, res, url)
    }
    const signIn = await app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: payload, persona: payload }) })
    safePage(t, signIn, `sign-in with track_id ${payload}`)
    const persona = await app.inject({ method: 'POST', url: '/login/sign-in', ...form({ track_id: trackId, persona: payload }) })
    t.equal(persona.statusCode, 404)
    safePage(t, persona, `unknown persona ${payload}`)
    const decision = await app.inject({ method: 'POST', url: '/login/consent', ...form({ track_id: trackId, decision: payload }) })
    safePage(t, decision, `decision ${payload}`)
  }
})

t.test('OIDC parameters on the error pages come out escaped', async (t) => {
  const app = await hostileApp(t)
  for (const payload of PAYLOADS) {
    for (const changes of [
      { client_id: payload },
      { redirect_uri: payload },
      { redirect_uri: `https://shop.example/${payload}`, client_id: RESTRICTED_ID },
      { client_id: undefined, state: payload, nonce: payload, scope: payload, response_type: payload, code_challenge: payload }
    ]) {
      const res = await app.inject({ method: 'GET', url: openidUrl(changes) })
      t.equal(res.statusCode, 400, JSON.stringify(changes))
      safePage(t, res, `/openid ${JSON.stringify(changes)}`)
    }
  }
})

t.test('users provisioned through the API come out escaped on the login page', async (t) => {
  const app = await hostileApp(t)
  const { code } = await approve(app)
  const { access_token: accessToken } = (await exchange(app, code)).json()
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/oauth/user',
    headers: { authorization: `Bearer ${accessToken}` },
    payload: { phone: '+77015550999', email: PROVISIONED_EMAIL, firstname: PAYLOADS[0], lastname: PAYLOADS[2], nationality: PAYLOADS[3] }
  })
  t.equal(created.statusCode, 200, created.body)
  const page = await app.inject({ method: 'GET', url: `/login?track_id=${await track(app)}` })
  safePage(t, page, 'sign-in page with a provisioned user')
  t.match(page.body, `<span class="who">${escapeHtml(PAYLOADS[0]!)} ${escapeHtml(PAYLOADS[2]!)}</span>`)
  t.match(page.body, escapeHtml(PROVISIONED_EMAIL))
})

t.test('every redirect_uri authorize accepts gets a working login page with a well-formed CSP', async (t) => {
  const app = await hostileApp(t)
  // WHATWG URLs allow these characters in a host name; a CSP source expression does not.
  for (const uri of ['https://shop.example/cb', "https://a'b.example/cb", 'https://a"b.example/cb', 'https://shop.example;sandbox/cb', 'https://a,b.example/cb']) {
    const oauth2 = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: basic(DEMO.id, 'demo-shop-secret') }, payload: { redirect_uri: uri, grants: ['read.email'] } })
    const oidc = await app.inject({ method: 'GET', url: openidUrl({ redirect_uri: uri }) })
    const links = [
      ...(oauth2.statusCode === 200 ? [['OAuth2', new URL(oauth2.json().redirect_uri)]] as const : []),
      ...(oidc.statusCode === 303 ? [['OIDC', new URL(oidc.headers.location as string, 'http://sandbox.test')]] as const : [])
    ]
    for (const [flow, link] of links) {
      const page = await app.inject({ method: 'GET', url: link.pathname + link.search })
      // Known defect (see the report): ';' and ',' in the host make helmet throw, and the page answers 500.
      t.equal(page.statusCode, 200, `${flow}: the login page for ${uri}`)
      safePage(t, page, `${flow}: login page for ${uri}`)
      const formAction = /form-action ([^;]*)/.exec(String(page.headers['content-security-policy']))?.[1] ?? ''
      t.match(formAction, /^'self' https?:\/\/[a-z0-9.-]+(:\d+)?$/i, `${flow}: form-action for ${uri} is a well-formed host source: ${formAction}`)
    }
  }
})

t.test('the markup check itself finds injected tags and attributes', async (t) => {
  t.same(foreignMarkup('<p class="x"><span data-testid="y">ok</span></p>'), [])
  t.same(foreignMarkup('<p><img src=x onerror=alert(1)></p>'), ['<img src=x onerror=alert(1)>', 'src=x in <img src=x onerror=alert(1)>', 'onerror=alert(1) in <img src=x onerror=alert(1)>'])
  t.same(foreignMarkup('<input value="" autofocus onfocus="alert(1)">'), ['onfocus in <input value="" autofocus onfocus="alert(1)">', 'autofocus in <input value="" autofocus onfocus="alert(1)">'])
  t.match(RAW.exec('<p>&lt;script&gt;</p><svg/onload=x>')?.[0], '<svg')
})
