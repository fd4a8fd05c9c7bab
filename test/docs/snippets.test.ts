import t from 'tap'
import { allBlocks, where } from './blocks.js'
import { runProblems, snippetFolder, typeProblems } from './snippets.js'

// Every ```ts and ```js snippet in the docs type-checks under the project's strict settings and
// runs with node (a fresh sandbox each, the documented address rewritten), unless marked skip.

t.setTimeout(600_000)

const snippets = (await allBlocks()).filter((block) => block.kind === 'ts' || block.kind === 'js')
const dir = await snippetFolder(t)
const typed = await typeProblems(dir, snippets.filter((block) => block.skip === undefined))

for (const block of snippets) {
  if (block.skip !== undefined) {
    t.test(`${where(block)} ${block.lang}`, { skip: `not run: ${block.skip}` }, async () => {})
    continue
  }
  t.test(`${where(block)} ${block.lang}`, async (t) => {
    t.same(typed.get(block), [], `${where(block)} type-checks`)
    t.same(await runProblems(t, dir, block), [], `${where(block)} runs`)
  })
}
