import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { createMemoryStore, StoreUnavailableError, type CollectionOptions, type Store } from '../../../src/domain/store.js'
import { CLOCK, DEMO, DEMO_AUTH, KITAP, KITAP_AUTH, basic, testApp } from '../../helpers/app.js'
import { approve } from '../../helpers/flow.js'
import { CALLBACK, CHALLENGE, TOKEN_PATH, VERIFIER, codeGrant, oidcApprove, oidcToken, type TokenRequest } from '../../helpers/oidc.js'

/**
 * Every way a token request is refused, in both readings: RFC 6749 section 5.2 (the default) and
 * Freedom ID's envelope (OIDC_ERRORS=envelope). Each refusal burns nothing: the grants it named
 * still work afterwards.
 */

const BASIC_CHALLENGE = 'Basic realm="Freedom ID sandbox", charset="UTF-8"'
const KITAP_CALLBACK = 'http://localhost:3000/callback'
const PKCE = { code_challenge: CHALLENGE, code_challenge_method: 'S256' }

interface Grants { code: string, pkceCode: string, kitapCode: string, oauth2Code: string, refreshToken: string, kitapRefreshToken: string }

interface Expected { status: number, body: unknown, challenge?: string }

interface Refusal {
  name: string
  request: (g: Grants) => TokenRequest | { raw: { headers: Record<string, string>, payload: string } }
  oauth: Expected
  envelope: Expected
}

const oauth = (error: string, description: string, status = 400, challenge?: string): Expected =>
  ({ status, body: { error, error_description: description }, challenge })
const envelope = (message: string, code: number, status: number, challenge?: string): Expected =>
  ({ status, body: { error: { message, code } }, challenge })
const laravel = (errors: Record<string, string[]>): Expected =>
  ({ status: 422, body: { error: { message: 'Error validating transmitted data.', errors } } })

const FAILED = 'Client authentication failed: unknown client_id or wrong client_secret.'
const UNAUTHENTICATED = envelope('Unauthenticated.', 100401, 401, BASIC_CHALLENGE)
const INVALID_CODE = 'The code is unknown, used, expired, or was issued to another client.'
const INVALID_REFRESH = 'The refresh_token is unknown, used, expired, or was issued to another client.'
const refresh = (token: string, extra: Record<string, string> = {}) => ({ grant_type: 'refresh_token', refresh_token: token, ...extra })
const raw = (contentType: string, payload: string, authorization = DEMO_AUTH) => ({ raw: { headers: { authorization, 'content-type': contentType }, payload } })

const REFUSALS: Refusal[] = [
  // Client authentication comes first, before the body is even read.
  { name: 'no credentials at all', request: (g) => ({ authorization: null, body: codeGrant(g.code) }), oauth: oauth('invalid_client', 'Client authentication is required: HTTP Basic (client_secret_basic), or client_id and client_secret in the body (client_secret_post).', 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  { name: 'wrong Basic secret', request: (g) => ({ authorization: basic(DEMO.id, 'nope'), body: codeGrant(g.code) }), oauth: oauth('invalid_client', FAILED, 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  { name: 'unknown Basic client', request: (g) => ({ authorization: basic('11111111-1111-4111-8111-111111111111', 'x'), form: true, body: codeGrant(g.code) }), oauth: oauth('invalid_client', FAILED, 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  { name: 'Basic without a colon', request: (g) => ({ authorization: `Basic ${Buffer.from('just-an-id').toString('base64')}`, body: codeGrant(g.code) }), oauth: oauth('invalid_client', 'The Basic credentials have no colon: send base64(client_id:client_secret).', 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  { name: 'not Basic', request: (g) => ({ authorization: 'Bearer abc', body: codeGrant(g.code) }), oauth: oauth('invalid_client', 'The Authorization header is not HTTP Basic: send Basic base64(client_id:client_secret).', 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  { name: 'broken form-encoding in Basic', request: (g) => ({ authorization: basic('%zz', DEMO.secret), body: codeGrant(g.code) }), oauth: oauth('invalid_client', FAILED, 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  // RFC 6749 section 5.2: the challenge answers an Authorization header; a client_secret_post failure gets the 401 alone.
  { name: 'wrong client_secret_post', request: (g) => ({ authorization: null, form: true, body: codeGrant(g.code, { client_id: DEMO.id, client_secret: 'nope' }) }), oauth: oauth('invalid_client', FAILED, 401), envelope: UNAUTHENTICATED },
  { name: 'client_id without a secret', request: (g) => ({ authorization: null, body: codeGrant(g.code, { client_id: DEMO.id }) }), oauth: oauth('invalid_client', FAILED, 401), envelope: UNAUTHENTICATED },
  { name: 'a wrong Basic is not rescued by a right body', request: (g) => ({ authorization: basic(DEMO.id, 'nope'), body: codeGrant(g.code, { client_id: DEMO.id, client_secret: DEMO.secret }) }), oauth: oauth('invalid_client', FAILED, 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  { name: 'a bad Basic before a broken body', request: () => raw('application/json', '{', 'Basic x'), oauth: oauth('invalid_client', 'The Basic credentials have no colon: send base64(client_id:client_secret).', 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },

  // The request itself.
  { name: 'no grant_type', request: (g) => ({ body: { code: g.code, redirect_uri: CALLBACK } }), oauth: oauth('invalid_request', 'The grant_type parameter is missing.'), envelope: laravel({ grant_type: ['The Grant type field is required.'] }) },
  { name: 'empty grant_type', request: (g) => ({ form: true, body: { grant_type: '', code: g.code, redirect_uri: CALLBACK } }), oauth: oauth('invalid_request', 'The grant_type parameter is missing.'), envelope: laravel({ grant_type: ['The Grant type field is required.'] }) },
  { name: 'unknown grant_type', request: () => ({ form: true, body: { grant_type: 'password', username: 'x', password: 'y' } }), oauth: oauth('unsupported_grant_type', 'The grant_type must be authorization_code or refresh_token.'), envelope: laravel({ grant_type: ['The selected Grant type is invalid.'] }) },
  { name: 'client_credentials', request: () => ({ body: { grant_type: 'client_credentials' } }), oauth: oauth('unsupported_grant_type', 'The grant_type must be authorization_code or refresh_token.'), envelope: laravel({ grant_type: ['The selected Grant type is invalid.'] }) },
  { name: 'repeated grant_type', request: (g) => raw('application/x-www-form-urlencoded', `grant_type=authorization_code&grant_type=authorization_code&code=${g.code}&redirect_uri=${CALLBACK}`), oauth: oauth('invalid_request', 'The grant_type parameter is repeated.'), envelope: laravel({ grant_type: ['The selected Grant type is invalid.'] }) },
  { name: 'code grant without code and redirect_uri', request: () => ({ body: { grant_type: 'authorization_code' } }), oauth: oauth('invalid_request', 'The code and redirect_uri parameters are missing.'), envelope: laravel({ code: ['The Code field is required.'], redirect_uri: ['The Redirect uri field is required.'] }) },
  { name: 'empty code', request: () => ({ form: true, body: { grant_type: 'authorization_code', code: '', redirect_uri: CALLBACK } }), oauth: oauth('invalid_request', 'The code parameter is missing.'), envelope: laravel({ code: ['The Code field is required.'] }) },
  { name: 'refresh grant without a token', request: (g) => ({ body: { grant_type: 'refresh_token', code: g.code } }), oauth: oauth('invalid_request', 'The refresh_token parameter is missing.'), envelope: laravel({ refresh_token: ['The Refresh token field is required.'] }) },
  { name: 'repeated code', request: (g) => raw('application/x-www-form-urlencoded', `grant_type=authorization_code&code=${g.code}&code=${g.code}&redirect_uri=${CALLBACK}`), oauth: oauth('invalid_request', 'The code parameter is repeated.'), envelope: laravel({ code: ['The Code field must be a string.'] }) },
  { name: 'a number for a code (JSON)', request: () => raw('application/json', JSON.stringify({ grant_type: 'authorization_code', code: 5, redirect_uri: CALLBACK })), oauth: oauth('invalid_request', 'The code parameter must be a string.'), envelope: laravel({ code: ['The Code field must be a string.'] }) },
  { name: 'a JSON array for a body', request: () => raw('application/json', '["grant_type"]'), oauth: oauth('invalid_request', 'The body must be a form or a JSON object.'), envelope: laravel({ grant_type: ['The Grant type field is required.'] }) },
  { name: 'broken JSON', request: () => raw('application/json', '{"grant_type":'), oauth: oauth('invalid_request', 'The request body is not valid JSON.'), envelope: envelope('The request body is not valid JSON.', 100400, 400) },
  { name: 'text/plain', request: () => raw('text/plain', 'grant_type=authorization_code'), oauth: oauth('invalid_request', 'Send the parameters as application/x-www-form-urlencoded (or JSON).'), envelope: envelope('Unsupported content type "text/plain": send application/json.', 100415, 415) },
  { name: 'JSON nested 70 deep', request: () => raw('application/json', `${'['.repeat(70)}${']'.repeat(70)}`), oauth: oauth('invalid_request', 'The request body is nested more than 64 levels deep.'), envelope: envelope('The request body is nested more than 64 levels deep.', 100400, 400) },
  { name: 'a poisoned __proto__', request: () => raw('application/json', '{"__proto__":{"x":1},"grant_type":"refresh_token"}'), oauth: oauth('invalid_request', 'The request body is not valid JSON.'), envelope: envelope('The request body is not valid JSON.', 100400, 400) },
  { name: 'a Content-Length that lies', request: () => ({ raw: { headers: { authorization: DEMO_AUTH, 'content-type': 'application/json', 'content-length': '5' }, payload: '{}' } }), oauth: oauth('invalid_request', 'The request body cannot be read: Request body size did not match Content-Length'), envelope: envelope('Request body size did not match Content-Length', 100400, 400) },
  { name: 'an empty body, no credentials', request: () => ({ raw: { headers: { 'content-type': 'application/json' }, payload: '' } }), oauth: oauth('invalid_client', 'Client authentication is required: HTTP Basic (client_secret_basic), or client_id and client_secret in the body (client_secret_post).', 401, BASIC_CHALLENGE), envelope: UNAUTHENTICATED },
  { name: 'a body over 64 KiB', request: (g) => raw('application/x-www-form-urlencoded', `grant_type=authorization_code&code=${g.code}&redirect_uri=${CALLBACK}&pad=${'x'.repeat(70_000)}`), oauth: oauth('invalid_request', 'The request body is larger than 64 KiB.'), envelope: envelope('The request body is larger than 64 KiB.', 100413, 413) },

  // The grant: invalid_grant, whatever is wrong with it, and it says what.
  { name: 'an unknown code', request: () => ({ body: codeGrant('x'.repeat(64)) }), oauth: oauth('invalid_grant', INVALID_CODE), envelope: envelope('Invalid authorization_code.', 100101, 400) },
  { name: "another client's code", request: (g) => ({ authorization: KITAP_AUTH, body: codeGrant(g.code) }), oauth: oauth('invalid_grant', INVALID_CODE), envelope: envelope('Invalid authorization_code.', 100101, 400) },
  { name: 'an OAuth2 code at the OIDC endpoint', request: (g) => ({ body: codeGrant(g.oauth2Code) }), oauth: oauth('invalid_grant', INVALID_CODE), envelope: envelope('Invalid authorization_code.', 100101, 400) },
  ...[CALLBACK, `${KITAP_CALLBACK}/`, `${KITAP_CALLBACK}?x=1`].map((other): Refusal => ({
    name: `redirect_uri ${other}`,
    request: (g) => ({ authorization: KITAP_AUTH, body: { grant_type: 'authorization_code', code: g.kitapCode, redirect_uri: other } }),
    oauth: oauth('invalid_grant', 'The redirect_uri differs from the one of the authorization request.'),
    envelope: envelope('The redirect_uri differs from the one of the authorization request.', 100400, 400)
  })),
  ...([
    ['no code_verifier', {}, 'code_verifier is required: the authorization request carried a code_challenge.'],
    ['an empty code_verifier', { code_verifier: '' }, 'code_verifier is required: the authorization request carried a code_challenge.'],
    ['a wrong code_verifier', { code_verifier: VERIFIER.replace('d', 'e') }, 'code_verifier does not match the code_challenge.'],
    ['the challenge as the verifier (plain)', { code_verifier: CHALLENGE }, 'code_verifier does not match the code_challenge.'],
    ['a short code_verifier', { code_verifier: 'abc' }, 'code_verifier does not match the code_challenge.'],
    ['a code_verifier with bad characters', { code_verifier: `${VERIFIER}+` }, 'code_verifier does not match the code_challenge.']
  ] as const).map(([name, extra, message]): Refusal => ({
    name,
    request: (g) => ({ form: true, body: codeGrant(g.pkceCode, extra) }),
    oauth: oauth('invalid_grant', message),
    envelope: envelope(message, 100400, 400)
  })),
  { name: 'a code_verifier for a code without PKCE', request: (g) => ({ body: codeGrant(g.code, { code_verifier: VERIFIER }) }), oauth: oauth('invalid_grant', 'code_verifier was sent, but the authorization request had no code_challenge.'), envelope: envelope('code_verifier was sent, but the authorization request had no code_challenge.', 100400, 400) },
  { name: 'an unknown refresh_token', request: () => ({ body: refresh('x'.repeat(128)) }), oauth: oauth('invalid_grant', INVALID_REFRESH), envelope: envelope('Invalid refresh_token.', 100400, 400) },
  { name: "another client's refresh_token", request: (g) => ({ body: refresh(g.kitapRefreshToken) }), oauth: oauth('invalid_grant', INVALID_REFRESH), envelope: envelope('Invalid refresh_token.', 100400, 400) },
  { name: 'a code as the refresh_token', request: (g) => ({ body: refresh(g.code) }), oauth: oauth('invalid_grant', INVALID_REFRESH), envelope: envelope('Invalid refresh_token.', 100400, 400) },
  {
    name: 'a scope beyond the grants',
    request: (g) => ({ form: true, body: refresh(g.refreshToken, { scope: 'openid read.email read.phone profile' }) }),
    oauth: oauth('invalid_scope', 'The scope goes beyond what the refresh_token was granted (openid read.email read.firstname): read.phone, profile.'),
    envelope: envelope('The scope goes beyond what the refresh_token was granted (openid read.email read.firstname): read.phone, profile.', 100400, 400)
  },
  { name: 'a scope without openid', request: (g) => ({ body: refresh(g.refreshToken, { scope: 'read.email' }) }), oauth: oauth('invalid_scope', 'The scope must include openid.'), envelope: envelope('The scope must include openid.', 100400, 400) }
]

async function grants (app: FastifyInstance): Promise<Grants> {
  const tokensOf = async (authorization: string, changes = {}) => {
    const { code } = await oidcApprove(app, changes)
    return (await oidcToken(app, { authorization, body: codeGrant(code, { redirect_uri: String((changes as { redirect_uri?: string }).redirect_uri ?? CALLBACK) }) })).json()
  }
  const kitap = { client_id: KITAP.id, redirect_uri: KITAP_CALLBACK, scope: 'openid read.email' }
  return {
    code: (await oidcApprove(app)).code,
    pkceCode: (await oidcApprove(app, PKCE)).code,
    kitapCode: (await oidcApprove(app, kitap)).code,
    oauth2Code: (await approve(app)).code,
    refreshToken: (await tokensOf(DEMO_AUTH)).refresh_token,
    kitapRefreshToken: (await tokensOf(KITAP_AUTH, kitap)).refresh_token
  }
}

const send = (app: FastifyInstance, request: ReturnType<Refusal['request']>) => 'raw' in request
  ? app.inject({ method: 'POST', url: TOKEN_PATH, headers: request.raw.headers, payload: request.raw.payload })
  : oidcToken(app, request)

/** The refused grants all still work for their own client: nothing was burnt. */
async function stillAlive (t: Test, app: FastifyInstance, g: Grants) {
  const ok = async (name: string, request: TokenRequest) => t.equal((await oidcToken(app, request)).statusCode, 200, `${name} survived`)
  await ok('the code', { body: codeGrant(g.code) })
  await ok('the PKCE code', { form: true, body: codeGrant(g.pkceCode, { code_verifier: VERIFIER }) })
  await ok("Kitap's code", { authorization: KITAP_AUTH, body: { grant_type: 'authorization_code', code: g.kitapCode, redirect_uri: KITAP_CALLBACK } })
  await ok('the refresh token', { body: refresh(g.refreshToken) })
  await ok("Kitap's refresh token", { authorization: KITAP_AUTH, body: refresh(g.kitapRefreshToken) })
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/oauth/token', headers: { authorization: DEMO_AUTH }, payload: { authorization_code: g.oauth2Code } })).statusCode, 200, 'the OAuth2 code survived')
}

for (const reading of ['oauth', 'envelope'] as const) {
  t.test(`OIDC_ERRORS=${reading}${reading === 'oauth' ? ' (the default)' : ''}: every refusal, and nothing burnt`, async (t) => {
    const { app } = await testApp(t, reading === 'oauth' ? {} : { oidcErrors: 'envelope' })
    const g = await grants(app)
    for (const refusal of REFUSALS) {
      const res = await send(app, refusal.request(g))
      const expected = refusal[reading]
      t.same({ status: res.statusCode, body: res.json(), challenge: res.headers['www-authenticate'] },
        { status: expected.status, body: expected.body, challenge: expected.challenge }, refusal.name)
      t.equal(res.headers['content-type'], 'application/json; charset=utf-8', refusal.name)
      t.equal(res.headers['cache-control'], 'no-store', refusal.name)
    }
    await stillAlive(t, app, g)
  })
}

t.test('error_description is printable ASCII without quotes or backslashes (RFC 6749 section 5.2)', async (t) => {
  const { app } = await testApp(t)
  const { refresh_token: refreshToken } = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  const res = await oidcToken(app, { body: refresh(refreshToken, { scope: 'openid "quoted" back\\slash ünïcode' }) })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'invalid_scope', error_description: "The scope goes beyond what the refresh_token was granted (openid read.email read.firstname): 'quoted', back'slash, ?n?code." })
  t.match(res.json().error_description, /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/)
})

t.test('ERROR_STATUS=200 changes the envelope reading only', async (t) => {
  const standard = (await testApp(t, { errorStatus: '200' })).app
  const res = await oidcToken(standard, { body: codeGrant('nope') })
  t.equal(res.statusCode, 400, 'a standard error keeps its status: a 200 would read as tokens')
  t.same(res.json(), { error: 'invalid_grant', error_description: INVALID_CODE })
  const legacy = (await testApp(t, { errorStatus: '200', oidcErrors: 'envelope' })).app
  const old = await oidcToken(legacy, { body: codeGrant('nope') })
  t.equal(old.statusCode, 200)
  t.same(old.json(), { error: { message: 'Invalid authorization_code.', code: 100101 } })
})

t.test('a store that fails is not the client\'s fault: 503 in the envelope, as everywhere', async (t) => {
  let unplugged = false
  const memory = createMemoryStore({ now: () => Date.parse(CLOCK), sweepIntervalMs: 0 })
  const store: Store = {
    ...memory,
    collection<T>(name: string, options?: CollectionOptions) {
      const collection = memory.collection<T>(name, options)
      return { ...collection, get: async (key: string) => { if (unplugged) throw new StoreUnavailableError('the test pulled the plug'); return collection.get(key) } }
    },
    atomically: (step) => memory.atomically((tx) => step({
      ...tx,
      get: async (name, key) => { if (unplugged) throw new StoreUnavailableError('the test pulled the plug'); return tx.get(name, key) }
    }))
  }
  const { app } = await testApp(t, {}, undefined, { store })
  const { code } = await oidcApprove(app)
  unplugged = true
  const res = await oidcToken(app, { body: codeGrant(code) })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '1')
  t.same(res.json(), { error: { message: 'Service unavailable: the sandbox cannot reach its store (Redis). Try again in a moment.', code: 100503 } })
})

t.test('a refresh may repeat its scope or narrow it, never widen it', async (t) => {
  const { app } = await testApp(t)
  const first = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  const same = await oidcToken(app, { form: true, body: refresh(first.refresh_token, { scope: 'read.firstname openid read.email openid' }) })
  t.equal(same.statusCode, 200, 'the same grants in any order')
  const narrow = await oidcToken(app, { form: true, body: refresh(same.json().refresh_token, { scope: 'openid read.firstname' }) })
  t.equal(narrow.statusCode, 200)
  const userInfo = await app.inject({ method: 'GET', url: '/api/v1/oidc/userinfo', headers: { authorization: `Bearer ${narrow.json().access_token}` } })
  t.same(userInfo.json(), { sub: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', firstname: 'Aigerim' }, 'the narrowed token sees less')
  const widen = await oidcToken(app, { body: refresh(narrow.json().refresh_token, { scope: 'openid read.email' }) })
  t.same(widen.json(), { error: 'invalid_scope', error_description: 'The scope goes beyond what the refresh_token was granted (openid read.firstname): read.email.' }, 'what was narrowed away is gone')
  const blank = await oidcToken(app, { form: true, body: refresh(narrow.json().refresh_token, { scope: ' ' }) })
  t.equal(blank.statusCode, 200, 'a blank scope is no scope (RFC 6749 section 3.1)')
})
