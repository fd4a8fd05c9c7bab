import type { Client, User } from '../domain/fixtures.js'
import { GRANT_DESCRIPTIONS, type Grant } from '../domain/grants.js'
import { html, type SafeHtml } from './html.js'

const BEHAVIOUR_LABELS: Record<NonNullable<User['behaviour']>, string> = {
  deny_consent: 'always denies',
  locked: 'locked account',
  kyc_fails: 'KYC request fails'
}

/** A page of the sandbox; `width: 'wide'` for the start page's tables. */
export function layout (title: string, body: SafeHtml, width?: 'wide'): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · Freedom ID sandbox</title>
<link rel="stylesheet" href="/login/assets/sandbox.css">
<link rel="icon" href="/login/assets/favicon.svg" type="image/svg+xml">
</head>
<body>
<div class="banner" data-testid="sandbox-banner" role="note">SANDBOX
<small>A test stand-in for Freedom ID. No real accounts, no real data.</small></div>
${width === undefined ? html`<main>` : html`<main class="${width}">`}
${body}
</main>
<footer>freedom-id-sandbox</footer>
</body>
</html>
`.value
}

const grantList = (grants: Grant[]) => html`<ul class="grants" data-testid="grant-list">
${grants.map((grant) => html`<li data-testid="grant-${grant}">${GRANT_DESCRIPTIONS[grant]} <code>${grant}</code></li>
`)}</ul>`

const errorBox = (message: string | undefined) =>
  message === undefined ? '' : html`<p class="error" data-testid="error" role="alert">${message}</p>`

/** The password to type for the listed personas, when they share one (the bundled ones do). */
const passwordHint = (personas: User[]) => {
  const passwords = new Set(personas.map((user) => user.password))
  const [only] = passwords
  return passwords.size === 1
    ? html`To type instead, their password is <code data-testid="persona-password">${only}</code>.`
    : 'To type instead, use the password set for each of them (the start page, /, lists the bundled ones).'
}

export interface SignInModel {
  client: Client
  trackId: string
  grants: Grant[]
  personas: User[]
  /** True when older provisioned users were left off the list. */
  morePersonas?: boolean
  error?: string
  login?: string
}

export function signInPage (model: SignInModel): string {
  return layout('Sign in', html`<section class="card">
<p class="brand">Freedom ID</p>
<h1><span data-testid="client-name">${model.client.name}</span> asks you to sign in with Freedom ID</h1>
<p class="muted">If you continue, it will be able to see:</p>
${grantList(model.grants)}
${errorBox(model.error)}
<form method="post" action="/login/sign-in">
<input type="hidden" name="track_id" value="${model.trackId}">
<label for="login">Phone number or e-mail</label>
<input type="text" id="login" name="login" data-testid="login" autocomplete="username" value="${model.login ?? ''}" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" data-testid="password" autocomplete="current-password" required>
<button type="submit" class="primary full" data-testid="sign-in">Sign in</button>
</form>
</section>
<section class="card">
<h2>Test personas</h2>
<p class="muted">One click signs in as one of them. ${passwordHint(model.personas)}</p>
<form method="post" action="/login/sign-in">
<input type="hidden" name="track_id" value="${model.trackId}">
<ul class="personas">
${model.personas.map((user) => html`<li><button type="submit" class="persona" name="persona" value="${user.id}" data-testid="persona-${user.id}">
<span><span class="who">${user.firstname} ${user.lastname}</span><span class="how">${user.phone}${user.email === undefined ? '' : ` · ${user.email}`}</span></span>
${user.behaviour === undefined ? '' : html`<span class="tag ${user.behaviour}">${BEHAVIOUR_LABELS[user.behaviour]}</span>`}
</button></li>
`)}</ul>
</form>
${model.morePersonas === true ? html`<p class="muted" data-testid="more-personas">Only the newest provisioned users are listed: sign in as any other with their phone number or e-mail and password above.</p>` : ''}
</section>`)
}

export interface ConsentModel {
  client: Client
  trackId: string
  grants: Grant[]
  user: User
  signInHref: string
}

export function consentPage (model: ConsentModel): string {
  return layout('Allow access', html`<section class="card">
<p class="brand">Freedom ID</p>
<h1>Allow <span data-testid="client-name">${model.client.name}</span> to see your data?</h1>
<p>Signed in as <strong data-testid="signed-in-as">${model.user.firstname} ${model.user.lastname}</strong> (${model.user.phone}).
<a href="${model.signInHref}" data-testid="switch-account">Not you?</a></p>
<p class="muted">${model.client.name} will be able to see:</p>
${grantList(model.grants)}
<form method="post" action="/login/consent" class="actions">
<input type="hidden" name="track_id" value="${model.trackId}">
<button type="submit" class="primary" name="decision" value="allow" data-testid="allow">Allow</button>
<button type="submit" class="secondary" name="decision" value="deny" data-testid="deny">Deny</button>
</form>
</section>`)
}

/** The shop a failed login page leads back to: the origin of the track's own redirect_uri. */
export interface ShopLink { name: string, origin: string }

export function errorPage (title: string, message: string, shop?: ShopLink): string {
  return layout(title, html`<section class="card">
<p class="brand">Freedom ID</p>
<h1>${title}</h1>
${errorBox(message)}
${shop === undefined ? '' : html`<p><a href="${shop.origin}" data-testid="back-to-shop">Back to ${shop.name}</a> <span class="muted">(${new URL(shop.origin).host})</span></p>`}
</section>`)
}
