import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/*
 * `npm test` and `npm run test:quick` as scripts, run on a throwaway suite of two files (one
 * passes, one fails) with this repository's tap: what a newcomer and CI read at the end.
 */
t.setTimeout(300_000)

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }

const dir = await mkdtemp(join(tmpdir(), 'fid-test-scripts-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
await mkdir(join(dir, 'suite'))
await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', tap: { include: ['suite/*.test.mjs'] } }))
await writeFile(join(dir, 'suite/passes.test.mjs'), 'import t from \'tap\'\nfor (let i = 0; i < 300; i++) t.equal(i, i, \'step \' + i)\n')
await writeFile(join(dir, 'suite/fails.test.mjs'), "import t from 'tap'\nt.test('the exchange', async (t) => { t.equal(1, 2, 'one is two') })\n")
await writeFile(join(dir, 'suite/settings.test.mjs'),
  'import t from \'tap\'\nt.comment(\'PROPERTY_RUNS=\' + process.env.PROPERTY_RUNS + \' coverage=\' + (process.env.TAP_DISABLE_COVERAGE === \'1\' ? \'off\' : \'on\'))\nt.pass(\'ran\')\n')

/** A package.json script as npm runs it: sh, node_modules/.bin on PATH, stdout a pipe. */
function script (name: string, env: Record<string, string>, ...files: string[]): Promise<{ code: number, output: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', `${scripts[name]!} "$@"`, name, ...files], {
      cwd: dir,
      env: { PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? dir, ...env }
    }, (error, stdout, stderr) => { resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: stdout + stderr }) })
  })
}

t.test('npm test in CI: no raw TAP, the failures named at the end, then the counts; exit 1', async (t) => {
  const { code, output } = await script('test', { CI: 'true' }, '--disable-coverage', 'suite/passes.test.mjs', 'suite/fails.test.mjs')
  t.equal(code, 1)
  const lines = output.split('\n')
  t.ok(lines.length < 60, `${lines.length} lines for 301 assertions`)
  t.notMatch(output, /^ok \d+ - /m, 'no line per passing assertion')
  t.match(output, /FAIL {2}suite\/fails\.test\.mjs 1 failed of 1/)
  t.match(output, /✖ the exchange > one is two/)
  const summary = lines.findIndex((line) => /^Asserts: +300 pass +1 fail/.test(line))
  t.ok(summary > lines.findIndex((line) => /✖ the exchange > one is two/.test(line)), 'the counts come after the failures')
  t.match(lines[summary + 1], /^Suites: +1 pass +1 fail/)
})

t.test('npm test piped outside CI: raw TAP, for TAP tools', async (t) => {
  const { code, output } = await script('test', {}, '--disable-coverage', 'suite/passes.test.mjs')
  t.equal(code, 0)
  t.match(output, /^ok 1 - suite\/passes\.test\.mjs/m)
})

t.test('npm run test:quick: PROPERTY_RUNS=300 and no coverage; the same files', async (t) => {
  const { code, output } = await script('test:quick', {}, 'suite/settings.test.mjs')
  t.equal(code, 0, 'it passes')
  t.match(output, /# PROPERTY_RUNS=300 coverage=off/)
  const full = await script('test', {}, 'suite/settings.test.mjs')
  t.match(full.output, /# PROPERTY_RUNS=undefined coverage=on/, 'npm test: every property run, with coverage')
})
