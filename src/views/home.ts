import type { Client, User } from '../domain/fixtures.js'
import type { Grant } from '../domain/grants.js'
import { html, type SafeHtml } from './html.js'
import { layout } from './login.js'

/** The bundled client the "try a sign-in" button signs in to, and what it asks for. */
export interface DemoClient { client: Client, grants: Grant[] }

export interface HomeModel {
  publicUrl: string
  demo?: DemoClient
  clients: Client[]
  personas: User[]
  /** Whether the control API needs SANDBOX_TOKEN (its value is never shown). */
  controlToken: boolean
}

const BEHAVIOURS: Record<NonNullable<User['behaviour']>, string> = {
  deny_consent: 'always denies consent: the merchant gets error_code=100102',
  locked: 'locked: signing in fails with "This Freedom ID account is locked."',
  kyc_fails: 'signs in normally; a KYC profile request (read.profile) ends failed'
}

const list = (values: string[]) => html`${values.map((value, i) => html`${i === 0 ? '' : ', '}<code>${value}</code>`)}`

function restrictions (client: Client): SafeHtml {
  const rules = [
    client.redirect_uris === undefined ? html`any http(s) redirect_uri` : html`redirect_uri one of ${list(client.redirect_uris)}`,
    client.grants === undefined ? html`any grant` : html`grants ${list(client.grants)}`,
    client.revoke_uri === undefined ? '' : html`revoke_uri <code>${client.revoke_uri}</code>`
  ].filter((rule) => rule !== '')
  return html`${rules.map((rule, i) => html`${i === 0 ? '' : '; '}${rule}`)}`
}

const trySignIn = (demo: DemoClient | undefined) => demo === undefined
  ? html`<p class="muted" data-testid="no-demo-client">These fixtures have no client that accepts the built-in callback, so there is nothing to try here.</p>`
  : html`<p>A real sign-in as the client <strong>${demo.client.name}</strong>: the button asks for a login link (<code>POST /api/v1/oauth/authorize</code>),
you sign in on the login page and allow, and the built-in callback page exchanges the code and shows the token pair and the user data.</p>
<form method="post" action="/demo/sign-in"><button type="submit" class="primary" data-testid="try-sign-in">Try a sign-in</button></form>`

const SURFACES: Array<[string, string]> = [
  ['/openapi.json', 'OpenAPI 3.1 document of every route'],
  ['/.well-known/openid-configuration', 'OpenID Connect discovery'],
  ['/.well-known/jwks.json', 'the id_token signing key (public part)'],
  ['/health', 'liveness'],
  ['/ready', 'readiness'],
  ['/__sandbox/requests', 'control API: the request journal'],
  ['/__sandbox/clock', 'control API: the sandbox clock'],
  ['/__sandbox/faults', 'control API: queued faults'],
  ['/__sandbox/deliveries', 'control API: revoke_uri deliveries']
]

/** `GET /`: what this is, the clients, the personas, every surface, and the "try a sign-in" button. */
export function homePage (model: HomeModel): string {
  return layout('Freedom ID sandbox', html`<section class="card">
<p class="brand">Freedom ID sandbox</p>
<h1>An offline stand-in for Freedom ID</h1>
<p>It answers as Freedom ID (<code>passport.freedompay.kz</code>) does: the OAuth2 and OpenID Connect sign-in, user data, KYC
profile requests, user provisioning and the revoke_uri back-channel, with fake clients and personas and no real data.
Point your integration at <code data-testid="public-url">${model.publicUrl}</code>.</p>
</section>
<section class="card" id="try">
<h2>Try a sign-in</h2>
${trySignIn(model.demo)}
</section>
<section class="card" id="clients">
<h2>Clients</h2>
<table data-testid="clients"><thead><tr><th>name</th><th>client_id</th><th>client_secret</th><th>restrictions</th></tr></thead><tbody>
${model.clients.map((client) => html`<tr data-testid="client-${client.client_id}"><td>${client.name}</td><td><code>${client.client_id}</code></td><td><code>${client.client_secret}</code></td><td>${restrictions(client)}</td></tr>
`)}</tbody></table>
</section>
<section class="card" id="personas">
<h2>Personas</h2>
<p class="muted">Sign in with the phone (any common spelling) or the e-mail and the password, or with one click on the login page.</p>
<table data-testid="personas"><thead><tr><th>name</th><th>phone</th><th>e-mail</th><th>password</th><th>behaviour</th></tr></thead><tbody>
${model.personas.map((user) => html`<tr data-testid="persona-${user.id}"><td>${user.firstname} ${user.lastname}</td><td><code>${user.phone}</code></td><td>${user.email === undefined ? html`<span class="muted">none</span>` : html`<code>${user.email}</code>`}</td><td><code>${user.password}</code></td><td>${user.behaviour === undefined ? 'signs in and allows' : BEHAVIOURS[user.behaviour]}</td></tr>
`)}</tbody></table>
</section>
<section class="card" id="surfaces">
<h2>Everything else</h2>
<ul data-testid="surfaces">
${SURFACES.map(([path, what]) => html`<li><a href="${path}">${path}</a>: ${what}</li>
`)}</ul>
<p class="muted">${model.controlToken ? 'The control API (/__sandbox) needs "Authorization: Bearer <SANDBOX_TOKEN>" here.' : 'The control API (/__sandbox) is open: no SANDBOX_TOKEN is set.'}
The README and the docs/ pages of the freedom-id-sandbox package say the rest.</p>
</section>`, 'wide')
}

export interface CallbackModel {
  client: Client
  code: string
  tokens: unknown
  user: unknown
  /** The same flow without a browser, as a bash script. */
  script: string
}

const json = (value: unknown) => JSON.stringify(value, null, 2)

/** The built-in callback: what the merchant's server would now hold. */
export function callbackPage (model: CallbackModel): string {
  return layout('Signed in', html`<section class="card">
<p class="brand">Freedom ID sandbox</p>
<h1>Signed in to ${model.client.name}</h1>
<p>The login page sent the browser here with <code>authorization_code</code>; this page, acting as the merchant's server, exchanged it
(<code>POST /api/v1/oauth/token</code>) and read the user (<code>GET /api/v1/oauth/user</code>). The code is now used up.</p>
<h2>The authorization code</h2>
<pre data-testid="code">${model.code}</pre>
<h2>The token pair</h2>
<pre data-testid="tokens">${json(model.tokens)}</pre>
<h2>The user data</h2>
<pre data-testid="user">${json(model.user)}</pre>
<h2>The same without a browser</h2>
<pre data-testid="curl">${model.script}</pre>
<p><a href="/" data-testid="home">Back to the sandbox's start page</a></p>
</section>`, 'wide')
}

/** Where the demo flow stopped: a denial, a used code, an error the sandbox answered. */
export function demoProblemPage (title: string, message: string): string {
  return layout(title, html`<section class="card">
<p class="brand">Freedom ID sandbox</p>
<h1>${title}</h1>
<p class="error" data-testid="error" role="alert">${message}</p>
<form method="post" action="/demo/sign-in"><button type="submit" class="primary" data-testid="try-sign-in">Try again</button></form>
<p><a href="/" data-testid="home">Back to the sandbox's start page</a></p>
</section>`)
}
