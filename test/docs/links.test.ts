import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import MarkdownIt from 'markdown-it'
import t from 'tap'
import { ROOT, docPages } from './blocks.js'

// Every relative link in the pages a user is sent to leads somewhere: the file exists and, for a
// #fragment, so does the heading (as GitHub names its anchors).

const md = new MarkdownIt('commonmark')
type Token = ReturnType<typeof md.parse>[number]

/** GitHub's anchor for a heading: lower case, punctuation dropped but - and _, spaces as hyphens. */
export const anchorOf = (heading: string): string => heading.toLowerCase().trim().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')

const textOf = (inline: Token): string => (inline.children ?? []).filter((c) => c.type === 'text' || c.type === 'code_inline').map((c) => c.content).join('')

async function page (file: string) {
  const tokens = md.parse(await readFile(join(ROOT, file), 'utf8'), {})
  const anchors = new Set<string>()
  const links: Array<{ href: string, line: number }> = []
  tokens.forEach((token, i) => {
    if (token.type === 'heading_open') anchors.add(anchorOf(textOf(tokens[i + 1]!)))
    if (token.type !== 'inline') return
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') links.push({ href: String(child.attrGet('href') ?? ''), line: (token.map?.[0] ?? 0) + 1 })
    }
  })
  return { anchors, links }
}

t.test('GitHub-style anchors', async (t) => {
  t.equal(anchorOf('The revoke_uri back-channel'), 'the-revoke_uri-back-channel')
  t.equal(anchorOf('Robustness and speed: what, why?'), 'robustness-and-speed-what-why')
})

for (const file of await docPages()) {
  t.test(`${file}: every relative link leads somewhere`, async (t) => {
    const problems = []
    for (const { href, line } of (await page(file)).links) {
      if (/^[a-z]+:/i.test(href)) continue
      const hash = href.indexOf('#')
      const path = hash === -1 ? href : href.slice(0, hash)
      const fragment = hash === -1 ? undefined : href.slice(hash + 1)
      const target = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), decodeURIComponent(path)))
      if (!existsSync(join(ROOT, target))) {
        problems.push(`${file}:${line}: ${href}: ${target} does not exist`)
        continue
      }
      if (fragment !== undefined && target.endsWith('.md') && !(await page(target)).anchors.has(fragment)) {
        problems.push(`${file}:${line}: ${href}: ${target} has no heading #${fragment}`)
      }
    }
    t.same(problems, [])
  })
}
