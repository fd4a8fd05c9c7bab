import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The domain knows nothing of HTTP: no file under src/domain imports Fastify, its plugins, or the app's HTTP layers. */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')
const DOMAIN = join(SRC, 'domain')
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm
const HTTP_LAYERS = ['routes', 'plugins', 'http', 'views', 'app.ts', 'server.ts', 'context.ts', 'sandbox.ts']

/** Every module a source file names, static or dynamic. */
const specifiers = (source: string): string[] => [...source.matchAll(SPECIFIER)].map((match) => match[1]!)

/** Why an import is none of the domain's business, if it is not. */
function httpImport (file: string, specifier: string): string | undefined {
  if (specifier === 'fastify' || specifier.startsWith('fastify-') || specifier.startsWith('@fastify/')) return `${specifier} is Fastify`
  if (!specifier.startsWith('.')) return undefined
  const target = relative(SRC, resolve(dirname(file), specifier))
  const layer = HTTP_LAYERS.find((name) => target === name.replace(/\.ts$/, '.js') || target.startsWith(`${name}/`))
  return layer === undefined ? undefined : `${specifier} is the HTTP layer (src/${layer})`
}

t.test('the checks see what they look for', async (t) => {
  t.same(specifiers("import a from 'fastify'\nimport type { B } from '@fastify/formbody'\nexport { c } from './c.js'\nconst d = await import('jose')\nimport 'side-effect'\n"),
    ['fastify', '@fastify/formbody', './c.js', 'jose', 'side-effect'])
  const file = join(DOMAIN, 'x.ts')
  t.equal(httpImport(file, 'fastify'), 'fastify is Fastify')
  t.equal(httpImport(file, 'fastify-plugin'), 'fastify-plugin is Fastify')
  t.equal(httpImport(file, '@fastify/basic-auth'), '@fastify/basic-auth is Fastify')
  t.equal(httpImport(file, '../plugins/draining.js'), '../plugins/draining.js is the HTTP layer (src/plugins)')
  t.equal(httpImport(file, '../http/validation.js'), '../http/validation.js is the HTTP layer (src/http)')
  t.equal(httpImport(file, '../sandbox.js'), '../sandbox.js is the HTTP layer (src/sandbox.ts)')
  t.equal(httpImport(join(DOMAIN, 'report/x.ts'), '../../routes/oidc/issuer.js'), '../../routes/oidc/issuer.js is the HTTP layer (src/routes)')
  t.equal(httpImport(file, '../context.js'), '../context.js is the HTTP layer (src/context.ts)')
  t.equal(httpImport(file, '../errors.js'), undefined)
  t.equal(httpImport(file, './codes.js'), undefined)
  t.equal(httpImport(file, 'ioredis'), undefined)
})

t.test('no file under src/domain imports Fastify or the HTTP layer', async (t) => {
  const files = readdirSync(DOMAIN, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts')).map((name) => join(DOMAIN, name))
  t.ok(files.length > 30, `${files.length} files read`)
  const found = files.flatMap((file) => specifiers(readFileSync(file, 'utf8'))
    .map((specifier) => httpImport(file, specifier))
    .filter((why) => why !== undefined)
    .map((why) => `${relative(SRC, file)}: ${why}`))
  t.same(found, [])
})
