import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import t from 'tap'
import { PYTHON } from './harness.js'

/**
 * The "Works with" table of docs/openid-connect.md names exactly the libraries this folder tests,
 * at exactly the versions installed: a library upgraded (or a row edited) without the other
 * fails here.
 */

const ROOT = new URL('../../', import.meta.url)

const installed = async (packageName: string): Promise<string> =>
  (JSON.parse(await readFile(new URL(`node_modules/${packageName}/package.json`, ROOT), 'utf8')) as { version: string }).version

/** Each row's library (its link text and link) and version. */
async function rows (): Promise<Array<{ name: string, link: string, version: string }>> {
  const page = await readFile(new URL('docs/openid-connect.md', ROOT), 'utf8')
  const section = page.split('\n## Works with\n')[1]!.split('\n## ')[0]!
  return [...section.matchAll(/^\| \[([^\]]+)\]\(([^)]+)\)[^|]* \| ([0-9.]+) \|/gm)].map((m) => ({ name: m[1]!, link: m[2]!, version: m[3]! }))
}

t.test('the Works with table: every library tested here, at its installed version', async (t) => {
  const python = promisify(execFile)(PYTHON, ['-c', 'import authlib; print(authlib.__version__)'])
  const expected = [
    { name: 'oauth4webapi', link: 'https://github.com/panva/oauth4webapi', version: await installed('oauth4webapi'), test: 'oauth4webapi.test.ts' },
    { name: 'openid-client', link: 'https://github.com/panva/openid-client', version: await installed('openid-client'), test: 'openid-client-v6.test.ts' },
    { name: 'openid-client', link: 'https://github.com/panva/openid-client/tree/v5.x', version: await installed('openid-client-v5'), test: 'openid-client-v5.test.ts' },
    { name: 'jose', link: 'https://github.com/panva/jose', version: await installed('jose'), test: 'jose.test.ts' },
    { name: 'Authlib', link: 'https://authlib.org', version: (await python).stdout.trim(), test: 'authlib.test.ts' }
  ]
  t.same(await rows(), expected.map(({ name, link, version }) => ({ name, link, version })))
  for (const { test } of expected) t.ok(existsSync(new URL(`test/compat/${test}`, ROOT)), test)
  t.match(expected[1]!.version, /^6\./)
  t.match(expected[2]!.version, /^5\./)
})
