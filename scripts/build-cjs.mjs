// The library for require(): dist/index.cjs, bundled by esbuild from src/index.ts with every
// package left external (the consumer's own fastify, typebox... are used), and its types in
// dist/cjs/, tsc's declarations under a package.json that says "commonjs", so TypeScript reads
// them as what require() returns. Runs after tsc (npm run build).
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  // config.ts finds the bundled fixtures from its own URL; dist/index.cjs sits where dist/config.js does.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" }
})

rmSync('dist/cjs', { recursive: true, force: true })
for (const file of readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.d.ts'))) {
  mkdirSync(dirname(join('dist/cjs', file)), { recursive: true })
  copyFileSync(join('dist', file), join('dist/cjs', file))
}
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n')
