import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// Each surface (src/routes/<surface>/) is a folder of its own: a route never imports another
// surface's modules; what two surfaces share lives in src/http/. And src/plugins/ holds plugins only.

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')
const ROUTES = join(SRC, 'routes')
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.[^']+)'/gm

const sources = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts')).map((name) => join(dir, name))

/** The surface a file of src/routes belongs to, or undefined outside src/routes. */
const surfaceOf = (file: string): string | undefined => {
  const path = relative(ROUTES, file)
  return path.startsWith('..') ? undefined : path.split(sep)[0]
}

t.test('no route imports the modules of another surface', async (t) => {
  const crossings = sources(ROUTES).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(SPECIFIER)]
    .map((match) => resolve(dirname(file), match[1]!))
    .filter((target) => surfaceOf(target) !== undefined && surfaceOf(target) !== surfaceOf(file))
    .map((target) => `${relative(SRC, file)} imports ${relative(SRC, target)}`))
  t.same(crossings, [])
  t.equal(surfaceOf(join(ROUTES, 'oidc', 'token.ts')), 'oidc', 'the check sees a surface')
  t.equal(surfaceOf(join(SRC, 'http', 'pages.ts')), undefined)
})

t.test('the shared HTTP helpers and the plugins import no route', async (t) => {
  const inward = [join(SRC, 'http'), join(SRC, 'plugins')].flatMap(sources).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(SPECIFIER)]
    .map((match) => resolve(dirname(file), match[1]!))
    .filter((target) => surfaceOf(target) !== undefined)
    .map((target) => `${relative(SRC, file)} imports ${relative(SRC, target)}`))
  t.same(inward, [])
})

t.test('src/plugins holds Fastify plugins only', async (t) => {
  const notPlugins = sources(join(SRC, 'plugins')).filter((file) => !/^export default fp\(/m.test(readFileSync(file, 'utf8'))).map((file) => relative(SRC, file))
  t.same(notPlugins, [])
})
