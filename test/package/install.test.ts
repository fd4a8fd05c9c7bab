import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'

/*
 * The package as a merchant gets it: `npm pack`, the tarball installed into a throwaway project
 * outside this repository, imported from ESM and CommonJS code compiled by strict TypeScript
 * (NodeNext), and its bin run. Uses dist/ as `npm test` built it (pack with --ignore-scripts: a
 * rebuild would pull dist/ from under the tests running beside this one).
 */
t.setTimeout(600_000)

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CONSUMER = fileURLToPath(new URL('fixtures/consumer', import.meta.url))
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const run = promisify(execFile)
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string, version: string, devDependencies: Record<string, string> }

/** npm and node as a fresh project's would run: no coverage hooks, no tap settings, this repository nowhere on their paths. */
const env: Record<string, string> = Object.fromEntries(Object.entries(process.env)
  .filter((entry): entry is [string, string] => entry[1] !== undefined && /^(PATH|HOME|TMPDIR|npm_config_(cache|registry|userconfig))$/.test(entry[0])))

const sh = async (file: string, args: string[], cwd: string) => {
  const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })
  return { stdout, stderr }
}

/** npm's own warnings in an install's output (npm prints them on stderr as `npm warn ...`). */
const warnings = (output: string) => output.split('\n').filter((line) => line.startsWith('npm warn'))

if (!existsSync(join(ROOT, 'dist/index.cjs')) || !existsSync(join(ROOT, 'dist/cli.mjs'))) {
  t.fail('dist/ is not built: run npm run build (npm test does it first)')
} else {
  const dir = await mkdtemp(join(tmpdir(), 'fid-package-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const [packed] = JSON.parse((await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)).stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
  const tarball = join(dir, packed!.filename)

  t.test('the tarball: the library (ESM, CommonJS, types), the bin and the fixtures; no sources, tests or maps', async (t) => {
    const files = packed!.files.map((file) => file.path)
    for (const file of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/cli.mjs', 'fixtures/clients.json', 'fixtures/users.json']) {
      t.ok(files.includes(file), file)
    }
    t.same(files.filter((file) => /^(src|test|bench|examples|docs|\.ci|\.github)\/|\.map$|\.ts$/.test(file) && !file.endsWith('.d.ts')), [])
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
    t.equal(manifest.private, undefined, 'publishable')
  })

  t.test('npm publish --dry-run accepts it', async (t) => {
    const { stdout, stderr } = await sh('npm', ['publish', '--dry-run', '--ignore-scripts'], ROOT)
    t.match(stdout, `+ ${pkg.name}@${pkg.version}`)
    t.same(warnings(stderr).filter((line) => !/requires you to be logged in/.test(line)), [], 'no warning but the one about logging in')
  })

  const project = join(dir, 'merchant')
  t.test('installed into a fresh project on this Node, with the documented override: not one npm warning', async (t) => {
    await cp(CONSUMER, project, { recursive: true })
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'merchant-tests', private: true, overrides: { cookie: '~1.1.1' } }, null, 2))
    const { stderr } = await sh('npm', ['install', tarball, `@types/node@${pkg.devDependencies['@types/node']}`, '--prefer-offline', '--no-audit', '--no-fund'], project)
    t.same(warnings(stderr), [], stderr)
  })

  t.test('strict TypeScript (NodeNext, no skipLibCheck) compiles an ES module and a CommonJS module using it', async (t) => {
    const { stdout } = await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], project).catch((error: { stdout: string }) => error)
    t.equal(stdout, '', 'no type error (and each @ts-expect-error met its error)')
  })

  const ESM_ENTRY = /^file:\/\/.*\/node_modules\/freedom-id-sandbox\/dist\/index\.js$/
  const CJS_ENTRY = /^\/.*\/node_modules\/freedom-id-sandbox\/dist\/index\.cjs$/
  const expected = (format: string, wrong: string) => ({
    format,
    grants: 15,
    user: { id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', email: 'aigerim.sarsenbayeva@example.com' },
    nope: { status: 404, message: 'No track nope (unknown, or expired more than an hour ago).' },
    badPort: ['port: expected an integer from 0 to 65535, got -1'],
    wrong
  })
  /** Runs a compiled module; it must load the package's entry for its format and print the expected outcome. */
  const consumer = async (t: Test, cwd: string, file: string, entry: RegExp, format: string, wrong: string) => {
    const { entry: loaded, ...result } = JSON.parse((await sh(process.execPath, [file], cwd)).stdout) as { entry: string }
    t.match(loaded, entry, `${format} loads ${String(entry)}`)
    t.same(result, expected(format, wrong), format)
  }

  t.test('imported from ESM and from CommonJS: a whole sign-in, and errors in the library\'s words', async (t) => {
    await consumer(t, project, 'out/esm.mjs', ESM_ENTRY, 'esm', '8080')
    await consumer(t, project, 'out/cjs.cjs', CJS_ENTRY, 'cjs', '10m')
  })

  t.test('its bin: npx freedom-id-sandbox --help, then a sandbox on the fixtures inside the package', async (t) => {
    const help = await sh('npx', ['--no-install', 'freedom-id-sandbox', '--help'], project)
    t.match(help.stdout, /^Usage: freedom-id-sandbox \[options\]\n/)
    t.same(help.stdout.split('\n').filter((line) => line.length > 100), [], 'at most 100 columns')

    const child = spawn(join(project, 'node_modules/.bin/freedom-id-sandbox'), ['--port', '0'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] })
    t.teardown(() => { child.kill('SIGKILL') })
    let out = ''
    child.stdout.on('data', (chunk) => { out += String(chunk) })
    for (let i = 0; i < 300 && !/store: /.test(out); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    t.match(out, `fixtures: ${join(project, 'node_modules', pkg.name, 'fixtures')} (${(JSON.parse(await readFile(new URL('../../fixtures/clients.json', import.meta.url), 'utf8')) as unknown[]).length} clients,`)
    const url = /listening on (\S+)/.exec(out)![1]!
    t.equal((await fetch(`${url}/health`)).status, 200)
    child.kill('SIGTERM')
    t.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, 'SIGTERM stops it cleanly')
  })

  t.test('installed as is, without the override: on Node 20 npm warns only that cookie 2 asks for Node 22, and it all runs', async (t) => {
    const naive = join(dir, 'naive')
    await cp(join(project, 'out'), join(naive, 'out'), { recursive: true })
    await writeFile(join(naive, 'package.json'), JSON.stringify({ name: 'naive', private: true }))
    const { stderr } = await sh('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], naive)
    const beforeNode22 = Number(process.versions.node.split('.')[0]) < 22
    t.same(warnings(stderr).filter((line) => !/EBADENGINE/.test(line) || !beforeNode22), [], 'no other warning')
    if (beforeNode22) t.match(stderr, /EBADENGINE Unsupported engine \{\s*npm warn EBADENGINE\s+package: 'cookie@2\./)
    await consumer(t, naive, 'out/esm.mjs', ESM_ENTRY, 'esm', '8080')
    await consumer(t, naive, 'out/cjs.cjs', CJS_ENTRY, 'cjs', '10m')
  })
}
