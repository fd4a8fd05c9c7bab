import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { allBlocks, ROOT, where } from './blocks.js'
import { consoleProblems, jsonProblems, shellProblems, yamlProblems } from './verdicts.js'
import { workflowErrors } from './workflow.js'

// Every example in README.md, docs/*.md and examples/merchant/README.md, run or parsed as printed.
// The conventions (markers, the rewritten address, announced errors) are at the top of harness.ts.

t.setTimeout(600_000)

const blocks = await allBlocks()

for (const block of blocks) {
  const name = `${where(block)} ${block.lang}${block.skip === undefined ? '' : ` (not run: ${block.skip})`}`
  if (block.kind === 'sh') t.test(name, async (t) => { t.same(await shellProblems(t, block), [], where(block)) })
  if (block.kind === 'console') t.test(name, async (t) => { t.same(await consoleProblems(t, block), [], where(block)) })
  if (block.kind === 'yaml') t.test(name, async (t) => { t.same(await yamlProblems(block), [], where(block)) })
  if (block.kind === 'json') t.test(name, async (t) => { t.same(jsonProblems(block), [], where(block)) })
}

t.test('the repository\'s own workflows pass GitHub\'s schema too', async (t) => {
  const folder = join(ROOT, '.github', 'workflows')
  const files = existsSync(folder) ? (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name)) : []
  for (const name of files) {
    const errors = await workflowErrors(await readFile(join(folder, name), 'utf8'))
    t.same(errors.map((error) => `.github/workflows/${name}:${error.line}: ${error.message}`), [], name)
  }
})
