import { readFile, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import MarkdownIt from 'markdown-it'
import { SETTINGS } from '../../src/config.js'

/** The repository's root: where the docs live, and where shell blocks and snippets run. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** What the harness does with a fence, by its info string; anything else is an error, so nothing escapes unnoticed. */
const KINDS = {
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
  console: 'console',
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  yaml: 'yaml',
  yml: 'yaml',
  json: 'json',
  // Shown, never run: diagrams, sample output, other people's formats.
  '': 'text',
  text: 'text',
  http: 'text',
  nginx: 'text',
  dockerfile: 'text'
} as const

export type BlockKind = typeof KINDS[keyof typeof KINDS]

export interface Block {
  /** The page, relative to the repository, e.g. docs/endpoints.md. */
  file: string
  /** 1-based line of the opening fence. */
  line: number
  kind: BlockKind
  /** The info string as written (`sh`, `yaml` ...). */
  lang: string
  code: string
  /** `<!-- doc-test: skip: <reason> -->`: not run, with the reason shown in the test output. */
  skip?: string
  /** `<!-- doc-test: env NAME=value ... -->`: settings of the sandbox the block runs against (not the block's shell). */
  env: Record<string, string>
  /** `<!-- doc-test: expect-errors 401 422 -->`: HTTP error statuses the block means to provoke; any other 4xx/5xx fails it. */
  expectErrors: number[]
}

/** A page whose markers the harness cannot follow: the test fails on it, naming the line. */
export class MarkerError extends Error {
  override name = 'MarkerError'
}

const MARKER = /^<!--\s*doc-test:\s*(.*?)\s*-->$/
const SETTING_ENVS = new Set(Object.values(SETTINGS).map((setting) => setting.env))

function applyMarker (block: Block, directive: string, where: string): void {
  const skip = /^skip:\s*(.*)$/.exec(directive)
  if (skip !== null) {
    if (skip[1] === '') throw new MarkerError(`${where}: "skip:" needs a reason`)
    block.skip = skip[1]
    return
  }
  const [verb, ...args] = directive.split(/\s+/)
  if (verb === 'env' && args.length > 0) {
    for (const arg of args) {
      const match = /^([A-Z][A-Z0-9_]*)=(\S+)$/.exec(arg)
      if (match === null) throw new MarkerError(`${where}: "${arg}" is not NAME=value`)
      if (!SETTING_ENVS.has(match[1]!)) throw new MarkerError(`${where}: ${match[1]} is not a setting of the sandbox (see SETTINGS in src/config.ts)`)
      block.env[match[1]!] = match[2]!
    }
    return
  }
  if (verb === 'expect-errors' && args.length > 0) {
    for (const arg of args) {
      if (!/^[45]\d\d$/.test(arg)) throw new MarkerError(`${where}: "${arg}" is not an HTTP error status (400-599)`)
      block.expectErrors.push(Number(arg))
    }
    return
  }
  throw new MarkerError(`${where}: unknown doc-test marker "${directive}" (known: skip: <reason>, env NAME=value ..., expect-errors NNN ...)`)
}

const md = new MarkdownIt('commonmark')

/** Every fenced block of one page, with the markers on the lines directly above it. */
export function parseBlocks (file: string, text: string): Block[] {
  const tokens = md.parse(text, {})
  const blocks: Block[] = []
  // Markers seen so far, by the line their comment ends on; each must end right above a fence.
  const pending = new Map<number, Array<{ directive: string, line: number }>>()
  for (const token of tokens) {
    if (token.type === 'html_block' && token.map !== null) {
      const lines = token.content.trimEnd().split('\n')
      const directives = lines.map((line, i) => ({ match: MARKER.exec(line.trim()), line: token.map![0] + i + 1 }))
      if (directives.every((d) => d.match === null)) continue
      const bad = directives.find((d) => d.match === null)
      if (bad !== undefined) throw new MarkerError(`${file}:${bad.line}: a doc-test marker must be alone on its line`)
      pending.set(token.map[1], directives.map((d) => ({ directive: d.match![1]!, line: d.line })))
      continue
    }
    if (token.type !== 'fence' || token.map === null) continue
    const lang = token.info.trim().split(/\s+/)[0]!
    const kind = (KINDS as Record<string, BlockKind>)[lang]
    const line = token.map[0] + 1
    if (kind === undefined) throw new MarkerError(`${file}:${line}: a \`\`\`${lang} block: the doc tests know no such language (test/docs/blocks.ts)`)
    const block: Block = { file, line, kind, lang, code: token.content, env: {}, expectErrors: [] }
    // Markers on consecutive lines form a chain of comments ending directly above the fence.
    let end = token.map[0]
    for (let markers = pending.get(end); markers !== undefined; markers = pending.get(end)) {
      pending.delete(end)
      for (const { directive, line } of markers) applyMarker(block, directive, `${file}:${line}`)
      end = markers[0]!.line - 1
    }
    blocks.push(block)
  }
  const stray = [...pending.values()][0]?.[0]
  if (stray !== undefined) throw new MarkerError(`${file}:${stray.line}: a doc-test marker must sit directly above a fence`)
  return blocks
}

/** README.md, docs/*.md and the example merchant's README: every page a user is sent to. */
export async function docPages (): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs'))).filter((name) => name.endsWith('.md')).sort().map((name) => join('docs', name))
  return ['README.md', ...docs, join('examples', 'merchant', 'README.md')]
}

export async function allBlocks (): Promise<Block[]> {
  const pages = await docPages()
  const parsed = await Promise.all(pages.map(async (page) => parseBlocks(page, await readFile(join(ROOT, page), 'utf8'))))
  return parsed.flat()
}

export const where = (block: Pick<Block, 'file' | 'line'>): string => `${block.file}:${block.line}`

/** For messages: a path as the reader would type it from the repository's root. */
export const fromRoot = (path: string): string => relative(ROOT, path)
