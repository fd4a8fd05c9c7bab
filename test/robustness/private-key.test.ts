import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { SANDBOX_KEY_FILE } from '../../src/domain/signing-key.js'
import { testApp } from '../helpers/app.js'
import { AIGERIM } from '../helpers/flow.js'
import { CHALLENGE, VERIFIER, codeGrant, oidcToken, openid, openidUrl } from '../helpers/oidc.js'

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const
type PrivateJwk = Record<(typeof PRIVATE_MEMBERS)[number], string>

/** Runs a whole OIDC flow, then GETs every GET route the OpenAPI document lists (and the flow's own answers): every body. */
async function everyBody (app: FastifyInstance): Promise<Map<string, string>> {
  const bodies = new Map<string, string>()
  const start = await openid(app, { code_challenge: CHALLENGE, code_challenge_method: 'S256' })
  const trackId = new URL(start.headers.location as string, 'http://x').searchParams.get('track_id')!
  bodies.set('GET /login (the OIDC track)', (await app.inject({ method: 'GET', url: start.headers.location as string })).body)
  const approved = await app.inject({ method: 'POST', url: `/__sandbox/tracks/${trackId}/approve`, payload: { user: AIGERIM } })
  bodies.set('POST approve', approved.body)
  const code = new URL(approved.json().redirect_uri).searchParams.get('code')!
  const tokens = await oidcToken(app, { body: codeGrant(code, { code_verifier: VERIFIER }) })
  if (tokens.statusCode !== 200) throw new Error(`the OIDC token endpoint answered ${tokens.statusCode}: ${tokens.body}`)
  bodies.set('POST /api/v1/oidc/token', tokens.body)
  const refreshed = await oidcToken(app, { body: { grant_type: 'refresh_token', refresh_token: tokens.json().refresh_token } })
  bodies.set('POST /api/v1/oidc/token (refresh)', refreshed.body)
  const bearer = { authorization: `Bearer ${refreshed.json().access_token as string}` }

  const paths = (await app.inject({ method: 'GET', url: '/openapi.json' })).json().paths as Record<string, Record<string, unknown>>
  const urls: Record<string, string> = {
    '/openid': openidUrl(),
    '/login': `/login?track_id=${trackId}`,
    '/login/consent': `/login/consent?track_id=${trackId}`,
    '/api/v1/oauth/get-profile/status': '/api/v1/oauth/get-profile/status?request_id=3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f'
  }
  for (const [path, methods] of Object.entries(paths)) {
    if (methods.get === undefined) continue
    const url = urls[path] ?? path.replace('{track_id}', trackId)
    for (const [who, headers] of [['anonymous', {}], ['with a token', bearer]] as const) {
      const res = await app.inject({ method: 'GET', url, headers })
      bodies.set(`GET ${url} ${who} (${res.statusCode})`, res.body)
    }
  }
  bodies.set('GET /openapi.json', (await app.inject({ method: 'GET', url: '/openapi.json' })).body)
  return bodies
}

function noPrivatePart (t: Test, bodies: Map<string, string>, jwk: PrivateJwk, extra: string[] = []) {
  t.ok(bodies.size > 25, `${bodies.size} bodies checked`)
  for (const [what, body] of bodies) {
    const found = [
      ...PRIVATE_MEMBERS.filter((member) => body.includes(`"${member}":`)).map((member) => `"${member}":`),
      ...(body.includes('PRIVATE KEY') ? ['PRIVATE KEY'] : []),
      ...PRIVATE_MEMBERS.filter((member) => body.includes(jwk[member].slice(0, 40))).map((member) => `the value of ${member}`),
      ...extra.filter((line) => body.includes(line)).map((line) => `PEM line ${line.slice(0, 12)}…`)
    ]
    t.same(found, [], what)
  }
}

async function jwksIsPublic (t: Test, app: FastifyInstance, n: string) {
  const { keys } = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  t.equal(keys.length, 1)
  t.same(Object.keys(keys[0]).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use'], 'the JWKS holds the public members only')
  t.equal(keys[0].n, n, 'and it is the configured key')
}

t.test('the sandbox key (SEED): its private members appear in no answer', async (t) => {
  const jwk = JSON.parse(await readFile(SANDBOX_KEY_FILE, 'utf8'))
  const { app } = await testApp(t)
  noPrivatePart(t, await everyBody(app), jwk)
  await jwksIsPublic(t, app, jwk.n)
})

t.test('a SIGNING_KEY given as a PEM file or a private JWK: no answer holds its private part', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fid-key-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' }) as PrivateJwk & { n: string }
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
  const rsaPem = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string
  // The base64 lines of a PEM, less any that lie wholly within the public modulus (the JWKS rightly shows those).
  const secretLines = (text: string) => text.split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----') && !jwk.n.includes(line.replaceAll('+', '-').replaceAll('/', '_')))
  await writeFile(join(dir, 'key.pem'), pem)
  await writeFile(join(dir, 'key-rsa.pem'), rsaPem)
  await writeFile(join(dir, 'key.json'), JSON.stringify({ ...jwk, kid: 'robustness-key' }))

  for (const [file, lines] of [['key.pem', secretLines(pem)], ['key-rsa.pem', secretLines(rsaPem)], ['key.json', []]] as const) {
    t.test(file, async (t) => {
      const { app } = await testApp(t, { signingKey: join(dir, file) })
      noPrivatePart(t, await everyBody(app), jwk, [...lines])
      await jwksIsPublic(t, app, jwk.n)
    })
  }
})
