import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { SANDBOX_KEY_FILE, loadSigningKeyFile, signingKeySource } from '../../src/domain/signing-key.js'
import { createMemoryStore, type Store } from '../../src/domain/store.js'
import { startSandbox } from '../../src/index.js'
import { bundledFixtures, testApp } from '../helpers/app.js'
import { AIGERIM, authorize, exchange, userData } from '../helpers/flow.js'
import { codeGrant, oidcApprove, oidcToken, verifyIdToken } from '../helpers/oidc.js'

const rsa = (modulusLength = 2048) => generateKeyPairSync('rsa', { modulusLength })
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi']

async function tempDir (t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fid-signing-key-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const problem = async (path: string): Promise<string[]> => {
  const error = await loadSigningKeyFile(path).catch((e: unknown) => e)
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`)
  return error.problems
}

t.test('SIGNING_KEY as PEM (PKCS#8 and PKCS#1) or as a private JWK', async (t) => {
  const dir = await tempDir(t)
  const { privateKey, publicKey } = rsa()
  const n = publicKey.export({ format: 'jwk' }).n
  const files = {
    'pkcs8.pem': privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    'pkcs1.pem': `\n${privateKey.export({ format: 'pem', type: 'pkcs1' }) as string}\n`,
    'key.jwk': JSON.stringify(privateKey.export({ format: 'jwk' })),
    'kid.jwk': JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'merchant-test-key', use: 'sig' })
  }
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text)
    const key = await loadSigningKeyFile(join(dir, name))
    t.equal(key.publicJwk.n, n, name)
    t.same(Object.keys(key.publicJwk), ['kty', 'n', 'e', 'kid', 'alg', 'use'], name)
    t.equal(key.kid, name === 'kid.jwk' ? 'merchant-test-key' : key.publicJwk.kid, name)
  }
  t.equal((await loadSigningKeyFile(join(dir, 'pkcs8.pem'))).kid, (await loadSigningKeyFile(join(dir, 'key.jwk'))).kid, 'the kid is the thumbprint, whatever the file format')

  const { app } = await testApp(t, { signingKey: join(dir, 'kid.jwk') })
  const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  t.same(jwks, { keys: [{ kty: 'RSA', n, e: 'AQAB', kid: 'merchant-test-key', alg: 'RS256', use: 'sig' }] })
  for (const member of PRIVATE_MEMBERS) t.notOk(member in jwks.keys[0], `no ${member}`)
  const { id_token: idToken } = (await oidcToken(app, { body: codeGrant((await oidcApprove(app)).code) })).json()
  const { header } = await verifyIdToken(app, idToken)
  t.equal(header.kid, 'merchant-test-key')
  const seeded = (await testApp(t, { signingKey: join(dir, 'pkcs8.pem'), seed: 'x' })).app
  t.equal((await seeded.sandbox.idTokens.jwks()).keys[0]!.n, n, 'SIGNING_KEY wins over SEED')
})

t.test('a bad SIGNING_KEY stops the start with one clear line', async (t) => {
  const dir = await tempDir(t)
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const { privateKey, publicKey } = rsa()
  const files: Record<string, string> = {
    'empty.pem': '',
    'garbage.txt': 'hello',
    'broken.json': '{"kty": "RSA",',
    'public.jwk': JSON.stringify(publicKey.export({ format: 'jwk' })),
    'broken.jwk': JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'AQAB' }),
    'public.pem': publicKey.export({ format: 'pem', type: 'spki' }) as string,
    'encrypted.pem': privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string,
    'broken.pem': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    'ec.pem': ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    'ec.jwk': JSON.stringify(ec.privateKey.export({ format: 'jwk' })),
    'small.pem': rsa(1024).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
  }
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  const at = (name: string) => `signingKey: ${JSON.stringify(join(dir, name))}`
  const expected: Record<string, string | RegExp> = {
    'empty.pem': 'is neither a PEM private key nor a JWK',
    'garbage.txt': 'is neither a PEM private key nor a JWK',
    'broken.json': 'is neither a PEM private key nor valid JSON for a JWK',
    'public.jwk': 'holds no private key (a JWK without "d"): the sandbox signs, so it needs the private key',
    'broken.jwk': /^is not a usable private JWK \(.+\)$/,
    'public.pem': 'holds no unencrypted private key: expected "-----BEGIN PRIVATE KEY-----" (PKCS#8) or "-----BEGIN RSA PRIVATE KEY-----"',
    'encrypted.pem': 'holds no unencrypted private key: expected "-----BEGIN PRIVATE KEY-----" (PKCS#8) or "-----BEGIN RSA PRIVATE KEY-----"',
    'broken.pem': /^is not a usable PEM private key \(.+\)$/,
    'ec.pem': 'holds an EC key: id_tokens are signed with RS256, which needs an RSA key',
    'ec.jwk': 'holds an EC key: id_tokens are signed with RS256, which needs an RSA key',
    'small.pem': 'holds a 1024-bit RSA key: RS256 needs at least 2048 bits'
  }
  for (const [name, reason] of Object.entries(expected)) {
    const problems = await problem(join(dir, name))
    t.equal(problems.length, 1, name)
    if (typeof reason === 'string') t.equal(problems[0], `${at(name)} ${reason}`, name)
    else t.match(problems[0]!.slice(at(name).length + 1), reason, name)
  }
  t.same(await problem(join(dir, 'missing.pem')), [`${at('missing.pem')} cannot be read (ENOENT)`])
  t.same(await problem(dir), [`signingKey: ${JSON.stringify(dir)} cannot be read (EISDIR)`])

  const config = loadConfig({ seed: 'x', logLevel: 'silent', signingKey: join(dir, 'public.pem') })
  const error = await buildApp({ config, fixtures: await bundledFixtures() }).catch((e: unknown) => e)
  t.ok(error instanceof ConfigError, 'buildApp refuses to build')
  t.match((error as Error).message, /^invalid options, nothing was started:\n {2}signingKey: /)
  t.match((error as ConfigError).inCliTerms(), /^invalid settings, nothing was started:\n {2}SIGNING_KEY \(--signing-key\): /)
  const started = await startSandbox({ signingKey: join(dir, 'missing.pem') }).catch((e: unknown) => e)
  t.ok(started instanceof ConfigError, 'startSandbox rejects, so the CLI prints it and exits 1')
})

t.test('the sources: file now, bundled key under SEED, else generated once on first use', async (t) => {
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  const bundled = await loadSigningKeyFile(SANDBOX_KEY_FILE)
  const seeded = await signingKeySource({ seed: 'one' }, () => store)
  t.equal((await seeded()).kid, bundled.kid)
  t.equal(await seeded(), await seeded(), 'loaded once')
  t.equal(await seeded.keepAcross(async () => 'reset'), 'reset')
  const generated = await signingKeySource({}, () => store)
  const key = await generated()
  t.equal(await generated(), key, 'generated once')
  t.not(key.kid, bundled.kid)
  t.equal(key.privateKey.asymmetricKeyDetails?.modulusLength, 2048)
  const unreadable = await signingKeySource({ signingKey: '/nonexistent/key.pem' }, () => store).catch((e: unknown) => e)
  t.ok(unreadable instanceof ConfigError, 'a file is read at once, not on first use')
})

t.test('a generated key lives in the store: replicas on one store sign with one key, and a reset keeps it', async (t) => {
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  // What a replica sees: a store other processes share, so it looks again on each use.
  const shared: Store = { ...store, local: false }
  const a = await signingKeySource({}, () => shared)
  const b = await signingKeySource({}, () => shared)
  const [first, second] = await Promise.all([a(), b()])
  t.equal(first!.kid, second!.kid, 'two racing replicas agree on the first key stored')
  t.equal(await a.keepAcross(() => store.clear()), undefined)
  t.equal((await b()).kid, first!.kid, 'the reset kept the key')
  await store.clear()
  const after = await b()
  t.not(after.kid, first!.kid, 'a store emptied from outside gets a new key...')
  t.equal((await a()).kid, after.kid, '...which every replica then uses')
  t.equal(await a.keepAcross(async () => 1), 1)
  const fresh = await signingKeySource({}, () => createMemoryStore({ now: () => 0, sweepIntervalMs: 0 }))
  t.equal(await fresh.keepAcross(async () => 2), 2, 'nothing to keep before the first use')
})

t.test('asked for at once by many, a generated key is made once', async (t) => {
  const store = createMemoryStore({ now: () => 0, sweepIntervalMs: 0 })
  let adds = 0
  const counting: Store = {
    ...store,
    collection<T>(name: string) {
      const collection = store.collection<T>(name)
      return { ...collection, add: async (key: string, value: T, expiresAt: number) => { adds++; return collection.add(key, value, expiresAt) } }
    }
  }
  const source = await signingKeySource({}, () => counting)
  const keys = await Promise.all([source(), source(), source()])
  t.equal(adds, 1, 'one key made and stored')
  t.equal(keys[1], keys[0])
  t.equal(keys[2], keys[0])
})

t.test('the key is made in the background from the first OIDC request on: never for a sandbox that serves only OAuth2', async (t) => {
  const sandbox = await startSandbox({ logLevel: 'silent' })
  t.teardown(() => sandbox.close())
  const keys = sandbox.context.store.collection<string>('signing-key')
  const { trackId } = await authorize(sandbox)
  const { redirect_uri: back } = await sandbox.approve(trackId, { user: AIGERIM })
  const token = await exchange(sandbox, new URL(back).searchParams.get('authorization_code')!)
  t.equal((await userData(sandbox, token.json().access_token)).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(await keys.get('pem'), undefined, 'a whole OAuth2 flow made no key')

  const discovery = await fetch(`${sandbox.url}/.well-known/openid-configuration`)
  t.equal(discovery.status, 200)
  const deadline = Date.now() + 20_000
  while (await keys.get('pem') === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  t.match(await keys.get('pem'), /^-----BEGIN PRIVATE KEY-----/, 'the key is there with no request that needs it')
  const jwks = (await fetch(`${sandbox.url}/.well-known/jwks.json`).then(async (res) => res.json())) as { keys: Array<{ kid: string }> }
  t.equal(jwks.keys.length, 1, 'and it is the one the JWKS publishes')
})
