import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import t from 'tap'
import { parse } from 'yaml'
import { workflowErrors } from '../docs/workflow.js'

/*
 * The release workflow, checked as far as can be without GitHub: it passes GitHub's own
 * parser and schema, it does what docs/development.md says, and its shell steps behave.
 */
const text = await readFile(new URL('../../.github/workflows/release.yml', import.meta.url), 'utf8')
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

interface Step { name?: string, uses?: string, run?: string, with?: Record<string, unknown>, env?: Record<string, string> }
interface Job { needs?: string, permissions?: Record<string, string>, container?: { image: string }, steps: Step[] }
/** `${{ expr }}`, as GitHub writes an expression (kept out of string literals, which lint reads as a template mistake). */
const expression = (expr: string) => ['$', '{{ ', expr, ' }}'].join('')
const workflow = parse(text) as { on: { push: { tags: string[] } }, permissions: Record<string, string>, jobs: Record<string, Job> }
const { test: testJob, npm, image } = workflow.jobs
const step = (job: Job | undefined, match: (s: Step) => boolean): Step => {
  const found = job?.steps.find(match)
  if (found === undefined) throw new Error('no such step')
  return found
}

t.test('GitHub\'s workflow parser and schema accept it; a broken copy is refused', async (t) => {
  t.same(await workflowErrors(text), [])
  t.match(await workflowErrors(text.replace('needs: test\n', 'needs: tests\n')), [{ message: "Job 'npm' depends on unknown job 'tests'." }])
  t.match(await workflowErrors(text.replace('    runs-on: ubuntu-24.04\n    permissions:\n      contents: read\n      packages: write', '    permissions:\n      contents: read\n      packages: write')),
    [{ message: 'Required property is missing: runs-on' }])
})

t.test('on a version tag: test first, then npm with provenance and a two-platform image on GHCR', async (t) => {
  t.same(workflow.on, { push: { tags: ['v*.*.*'] } })
  t.same(workflow.permissions, { contents: 'read' }, 'nothing more than reading by default')
  t.match(testJob?.container, { image: 'node:20-bookworm' }, 'tested on Debian, as .ci/run expects, on the Node the docs name')
  t.equal(step(testJob, (s) => s.run === 'bash .ci/run').env?.SKIP_CONTAINER_SMOKE, '1')

  t.equal(npm?.needs, 'test')
  t.same(npm?.permissions, { contents: 'read', 'id-token': 'write' })
  t.match(step(npm, (s) => /npm publish/.test(s.run ?? '')).run, /npm publish --provenance --access public/)
  t.equal(step(npm, (s) => /npm publish/.test(s.run ?? '')).env?.NODE_AUTH_TOKEN, expression('secrets.NPM_TOKEN'))

  t.equal(image?.needs, 'test')
  t.same(image?.permissions, { contents: 'read', packages: 'write' })
  t.match(step(image, (s) => s.uses?.startsWith('docker/login-action') === true).with, { registry: 'ghcr.io' })
  t.match(step(image, (s) => s.uses?.startsWith('docker/metadata-action') === true).with, {
    images: `ghcr.io/${expression('github.repository')}`,
    tags: /type=semver,pattern=\{\{version\}\}\ntype=semver,pattern=\{\{major\}\}\.\{\{minor\}\}\ntype=semver,pattern=\{\{major\}\}/
  })
  t.match(step(image, (s) => s.uses?.startsWith('docker/build-push-action') === true).with, { platforms: 'linux/amd64,linux/arm64', push: true })
  t.ok(image?.steps.some((s) => s.uses?.startsWith('docker/setup-qemu-action') === true), 'QEMU, to build arm64 on an amd64 runner')
})

const bash = promisify(execFile)
/** A step's script under bash, as the runner runs it, with `npm` replaced by an echo. */
const runStep = async (script: string, env: Record<string, string>) => {
  const { stdout } = await bash('bash', ['-e', '-c', `npm () { echo npm "$@"; }\n${script}`], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: new URL('../..', import.meta.url) })
  return stdout.trim()
}

t.test('its scripts: the tag must be the package\'s version; a pre-release goes out as next', async (t) => {
  const check = step(testJob, (s) => s.name === 'The tag is the package\'s version').run!
  t.equal(await runStep(check, { GITHUB_REF_NAME: `v${pkg.version}` }), '')
  await t.rejects(runStep(check, { GITHUB_REF_NAME: 'v99.0.0' }), 'another version stops the release')

  const publish = step(npm, (s) => /npm publish/.test(s.run ?? '')).run!
  t.equal(await runStep(publish, { GITHUB_REF_NAME: 'v1.2.3' }), 'npm publish --provenance --access public --tag latest')
  t.equal(await runStep(publish, { GITHUB_REF_NAME: 'v1.3.0-rc.1' }), 'npm publish --provenance --access public --tag next')
})
