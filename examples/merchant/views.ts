import type { FreedomUser, ProfileRequest } from './freedom-id.js'

export const SHOP = 'Demo Shop'

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
/** Every value from outside (Freedom ID's answers, the query string) goes through this before it is shown. */
export const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => ENTITIES[c]!)

/** Callers pass markup they wrote; every value from outside goes through escape() first. */
export const page = (title: string, body: string): string => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · ${SHOP}</title>
<link rel="icon" href="data:,"></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem">
<p><a href="/">${SHOP}</a> <small>(example merchant)</small></p>
${body}
</body>
</html>
`

const BUTTON = 'style="display: inline-block; background: #0a7d3c; color: #fff; padding: .6rem 1.1rem; border: 0; border-radius: 8px; text-decoration: none; font: inherit; cursor: pointer"'

export const homePage = (signedIn: boolean) => page('Home', `<h1>${SHOP} (example merchant)</h1>
<p>Books and gadgets delivered across Kazakhstan. Sign in to see what Freedom ID tells the shop about you.</p>
${signedIn
  ? '<p><a href="/profile" data-testid="to-profile">Your profile</a></p>'
  : `<p><a href="/login" data-testid="sign-in-with-freedom-id" role="button" ${BUTTON}>Sign in with Freedom ID</a></p>`}`)

/** A field as Freedom ID sent it: absent (not asked for) shows no row; null "not given"; an empty list "none". */
type Shown = string | string[] | null | undefined

const ROWS: Array<[label: string, field: string, value: (user: FreedomUser) => Shown]> = [
  ['Patronymic', 'patronymic', (u) => u.patronymic],
  ['Date of birth', 'date_of_birth', (u) => u.date_of_birth],
  ['Gender', 'gender', (u) => u.gender],
  ['Citizenship', 'country', (u) => u.country],
  ['Nationality', 'nationality', (u) => u.nationality],
  ['IIN', 'identifier', (u) => u.identifier],
  ['Phone', 'phone', (u) => u.phone],
  ['Other phones', 'phones', (u) => u.phones],
  ['E-mail', 'email', (u) => u.email],
  ['Other e-mails', 'emails', (u) => u.emails],
  ['Cards', 'cards', (u) => u.cards?.map((card) => `${card.brand} ${card.mask} (${card.expire})`)],
  ['Freedom ID', 'id', (u) => u.id]
]

function shown (value: Exclude<Shown, undefined>): string {
  if (value === null) return '<em>not given</em>'
  if (typeof value === 'string') return escape(value)
  return value.length === 0 ? '<em>none</em>' : value.map(escape).join(', ')
}

/** The name to greet with, from whatever name fields came back. */
export function displayName (user: FreedomUser): string {
  const parts = [user.firstname, user.lastname].filter((part) => typeof part === 'string')
  return parts.length === 0 ? 'A Freedom ID user' : parts.join(' ')
}

const KYC_WORDS: Record<string, string> = {
  accepted: 'Freedom ID is checking your profile',
  pending: 'Freedom ID is checking your profile',
  completed: 'Verified by Freedom ID',
  failed: 'Freedom ID could not verify your profile',
  rejected: 'Freedom ID refused the request',
  not_found: 'The request has expired'
}

function kycSection (kyc: ProfileRequest | undefined): string {
  if (kyc === undefined) {
    return `<form method="post" action="/kyc"><button type="submit" data-testid="kyc-start" ${BUTTON}>Verify my identity</button></form>`
  }
  const words = KYC_WORDS[kyc.status] ?? `Freedom ID says: ${kyc.status}`
  const message = kyc.status_message === undefined ? '' : ` (${escape(kyc.status_message)})`
  const waiting = kyc.status === 'accepted' || kyc.status === 'pending'
  return `<p data-testid="kyc-status" data-status="${escape(kyc.status)}">${escape(words)}${message}</p>
${waiting ? '<p><a href="/profile" data-testid="kyc-refresh">Check again</a></p>' : ''}`
}

export function profilePage (user: FreedomUser, kyc: ProfileRequest | undefined): string {
  const rows = ROWS.flatMap(([label, field, value]) => {
    const sent = value(user)
    return sent === undefined ? [] : [[label, field, sent] as const]
  })
  return page('Profile', `<h1 data-testid="profile-name">${escape(displayName(user))}</h1>
<p>Signed in with Freedom ID. This is what it sent the shop:</p>
<dl>
${rows.map(([label, field, value]) => `<dt>${label}</dt><dd data-testid="profile-${field}">${shown(value)}</dd>`).join('\n')}
</dl>
<h2>Identity check (KYC)</h2>
${kycSection(kyc)}
<form method="post" action="/logout"><button type="submit" data-testid="sign-out">Sign out</button></form>`)
}

/** Something went wrong; the message says on which side, so a developer knows where to look. */
export const problemPage = (title: string, message: string) => page(title, `<h1>${escape(title)}</h1>
<p data-testid="sign-in-error">${escape(message)}</p>
<p><a href="/">Back to the shop</a></p>`)
