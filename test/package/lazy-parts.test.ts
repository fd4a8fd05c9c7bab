import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { childEnv } from '../helpers/process.js'

/*
 * The library as `import` gets it (dist/index.js, an esbuild bundle split in chunks): what only
 * some requests need is in chunks of its own, read when first needed. A child process records
 * every module it loads; esbuild heads the code of each package inside a chunk with a
 * `// node_modules/<package>/...` line, which tells what a loaded chunk holds (a package loaded
 * from node_modules, not bundled, counts too).
 */
const LIBRARY = new URL('../../dist/index.js', import.meta.url).href
const HOOK = fileURLToPath(new URL('../helpers/loaded-modules.mjs', import.meta.url))
const LAZY = ['jose', 'ioredis', 'pino-pretty', '@fastify/swagger', 'yaml', 'undici']

/** Runs `code` (an ES module with the library imported as `lib`) and returns, for each step it marks with `mark(name)`, the lazy packages loaded by then. */
async function loadedBy (t: Test, code: string): Promise<Record<string, string[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'fid-lazy-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const log = join(dir, 'loaded')
  const script = `const { appendFileSync } = await import('node:fs')
const mark = (name) => appendFileSync(${JSON.stringify(log)}, 'step ' + name + '\\n')
const lib = await import(${JSON.stringify(LIBRARY)})
mark('import')
${code}`
  await promisify(execFile)(process.execPath, ['--import', HOOK, '--input-type=module', '-e', script], { env: childEnv({ LOADED_MODULES: log }) })
  const steps: Record<string, string[]> = {}
  const seen = new Set<string>()
  for (const line of (await readFile(log, 'utf8')).trim().split('\n')) {
    if (line.startsWith('step ')) { steps[line.slice(5)] = LAZY.filter((name) => seen.has(name)); continue }
    if (!line.startsWith('file:')) continue
    const text = await readFile(new URL(line), 'utf8')
    for (const name of LAZY) if (line.includes(`/node_modules/${name}/`) || text.includes(`\n// node_modules/${name}/`)) seen.add(name)
  }
  return steps
}

t.test('importing the library and running an OAuth2 flow loads neither jose, ioredis, pino-pretty nor swagger; OIDC loads jose, the OpenAPI document swagger', async (t) => {
  const steps = await loadedBy(t, `const sandbox = await lib.startSandbox({ logLevel: 'silent' })
mark('start')
const basic = { authorization: 'Basic ' + Buffer.from('0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret').toString('base64'), 'content-type': 'application/json' }
const json = async (path, init) => (await fetch(sandbox.url + path, init)).json()
const { redirect_uri: link } = await json('/api/v1/oauth/authorize', { method: 'POST', headers: basic, body: JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants: ['read.email'] }) })
const { redirect_uri: back } = await sandbox.approve(new URL(link).searchParams.get('track_id'), { user: '+77015550101' })
const { access_token: access } = await json('/api/v1/oauth/token', { method: 'POST', headers: basic, body: JSON.stringify({ authorization_code: new URL(back).searchParams.get('authorization_code') }) })
const user = await json('/api/v1/oauth/user', { headers: { authorization: 'Bearer ' + access } })
if (typeof user.email !== 'string') throw new Error('no user data')
mark('oauth2 flow')
if ((await json('/.well-known/jwks.json')).keys.length !== 1) throw new Error('no key')
mark('jwks')
if ((await json('/openapi.json')).openapi !== '3.1.0') throw new Error('no OpenAPI document')
mark('openapi')
await sandbox.close()`)
  t.same(steps, { import: [], start: [], 'oauth2 flow': [], jwks: ['jose'], openapi: ['jose', '@fastify/swagger', 'yaml'] })
})

t.test('pino-pretty loads when a log is pretty-printed, and ioredis for a Redis store only', async (t) => {
  const steps = await loadedBy(t, `const sandbox = await lib.startSandbox({ logFormat: 'pretty', logLevel: 'info' })
mark('pretty')
await sandbox.close()
await lib.startSandbox({ store: 'redis://127.0.0.1:1/0' }).catch(() => {})
mark('redis')`)
  t.same(steps, { import: [], pretty: ['pino-pretty'], redis: ['ioredis', 'pino-pretty'] })
})

// undici (CommonJS) sits in a chunk that exports only its module.exports as default: read for named
// exports, it gave none, and no revoke_uri call ever went out from the ES build (close() then threw).
t.test('a revoke_uri delivery loads undici, goes out and lets close() resolve, in the ES build', async (t) => {
  const steps = await loadedBy(t, `const sandbox = await lib.startSandbox({ logLevel: 'silent' })
const basic = { authorization: 'Basic ' + Buffer.from('c4d1f2a3-8e7b-4c6d-9a5f-3b2e1d0c9f48:demo-shop-revoke-secret').toString('base64'), 'content-type': 'application/json' }
const json = async (path, init) => (await fetch(sandbox.url + path, init)).json()
const { redirect_uri: link } = await json('/api/v1/oauth/authorize', { method: 'POST', headers: basic, body: JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants: ['read.email'] }) })
const { redirect_uri: back } = await sandbox.approve(new URL(link).searchParams.get('track_id'), { user: '+77015550101' })
const { id } = await json('/api/v1/oauth/token', { method: 'POST', headers: basic, body: JSON.stringify({ authorization_code: new URL(back).searchParams.get('authorization_code') }) })
mark('oauth2 flow')
await sandbox.logout('+77015550101')
await sandbox.context.deliveries.settled()
const deliveries = await sandbox.deliveries()
if (deliveries.length !== 1 || deliveries[0].outcome !== 'delivered' || deliveries[0].body.id !== id) throw new Error('not delivered: ' + JSON.stringify(deliveries))
if ((await sandbox.requests({ path: '/demo/revoke' })).length !== 1) throw new Error('the sandbox did not receive its own revoke call')
mark('logout')
await sandbox.close()
mark('closed')`)
  t.same(steps, { import: [], 'oauth2 flow': [], logout: ['undici'], closed: ['undici'] })
})
