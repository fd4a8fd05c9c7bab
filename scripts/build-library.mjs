// The library, as `import` and `require()` get it, each bundled by esbuild with its packages
// inside (as the CLI is): one file to read instead of some 300 modules to find and compile, which
// was most of what a merchant's test file paid to import it.
// - dist/index.js, ES module, split: what a sandbox needs on every start is in index.js and its
//   shared chunks; what only some requests need (jose for OIDC, ioredis for STORE=redis://,
//   pino-pretty) sits in chunks of its own, read when first imported. The chunks sit beside
//   index.js, so a module's `new URL('../fixtures', import.meta.url)` resolves the same from each.
// - dist/index.cjs, CommonJS (esbuild cannot split it): the lazy parts are inside, run when first
//   needed; and its types in dist/cjs/, tsc's declarations under a package.json that says
//   "commonjs", so TypeScript reads them as what require() returns.
// Runs after tsc, which writes only the declarations (npm run build).
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

const common = { entryPoints: ['src/index.ts'], bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' }

await build({
  ...common,
  outdir: 'dist',
  format: 'esm',
  splitting: true,
  chunkNames: 'lib-[hash]',
  // The packages bundled inside are CommonJS too, and call require() for Node's own modules.
  banner: { js: "import { createRequire as __sandboxRequire } from 'node:module'; const require = __sandboxRequire(import.meta.url);" }
})

await build({
  ...common,
  outfile: 'dist/index.cjs',
  format: 'cjs',
  // config.ts finds the bundled fixtures from its own URL; dist/index.cjs sits where dist/index.js does.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" }
})

rmSync('dist/cjs', { recursive: true, force: true })
for (const file of readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.d.ts'))) {
  mkdirSync(dirname(join('dist/cjs', file)), { recursive: true })
  copyFileSync(join('dist', file), join('dist/cjs', file))
}
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n')
