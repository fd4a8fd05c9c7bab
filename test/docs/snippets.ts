import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CompilerOptions } from 'typescript'
import type { Teardown } from '../helpers/app.js'
import { ROOT, where, type Block } from './blocks.js'
import { answerProblems, run, stage, tail } from './harness.js'

export const SNIPPET_TIMEOUT_MS = 60_000

/**
 * A folder inside the repository for the snippets' files, so that they resolve packages as the
 * reader's code would: `freedom-id-sandbox` by the package's own name (its `exports`, the built
 * dist/), everything else from node_modules. Removed when the test ends.
 */
export async function snippetFolder (t: Teardown): Promise<string> {
  const dir = await mkdtemp(join(ROOT, '.doc-snippets-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const names = new WeakMap<Block, string>()
let count = 0
/** One file name per block, even for two blocks at the same place (the harness's own tests make such). */
function fileName (block: Block): string {
  let name = names.get(block)
  if (name === undefined) names.set(block, name = `${block.file.replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}-${++count}.${block.kind}`)
  return name
}

// Loaded on first use: TypeScript takes seconds to load, and a test file sets its timeout first.
const typescript = async () => (await import('typescript')).default

/** The project's compiler options (tsconfig.json: strict and the rest), with JavaScript checked too. */
function compilerOptions (ts: Awaited<ReturnType<typeof typescript>>): CompilerOptions {
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT)
  return { ...parsed.options, noEmit: true, allowJs: true, checkJs: true }
}

/**
 * Type-checks every ```ts and ```js snippet in one program under the project's settings, as
 * files of a merchant's project would be: the problems per block, at the doc's own lines.
 */
export async function typeProblems (dir: string, blocks: Block[]): Promise<Map<Block, string[]>> {
  if (!existsSync(join(ROOT, 'dist', 'index.d.ts'))) {
    return new Map(blocks.map((block) => [block, [`${where(block)}: dist/ is not built (npm run build): snippets import freedom-id-sandbox from it`]]))
  }
  const ts = await typescript()
  const files = new Map<string, Block>()
  for (const block of blocks) {
    const file = join(dir, fileName(block))
    await writeFile(file, block.code)
    files.set(file, block)
  }
  const program = ts.createProgram([...files.keys()], compilerOptions(ts))
  const problems = new Map(blocks.map((block): [Block, string[]] => [block, []]))
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const block = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName)
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    if (block === undefined || diagnostic.file === undefined) {
      for (const list of problems.values()) list.push(`the snippets' program: ${message}`)
      continue
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
    problems.get(block)!.push(`${block.file}:${block.line + line + 1}: ${message}`)
  }
  return problems
}

/** Runs one snippet with node against its own sandbox (the documented address rewritten); it must exit 0. */
export async function runProblems (t: Teardown, dir: string, block: Block): Promise<string[]> {
  const sandbox = await stage(t, block)
  const code = sandbox.rewrite(block.code)
  const ts = await typescript()
  const js = block.kind === 'ts'
    ? ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true } }).outputText
    : code
  const file = join(dir, fileName(block).replace(/\.(ts|js)$/, '.run.mjs'))
  await writeFile(file, js)
  const result = await run(process.execPath, [file], { timeoutMs: SNIPPET_TIMEOUT_MS, cwd: dir })
  const problems = []
  if (result.timedOut) problems.push(`${where(block)}: still running after ${SNIPPET_TIMEOUT_MS / 1000} s (stopped); it printed:\n${tail(result.output)}`)
  else if (result.code !== 0) problems.push(`${where(block)}: node exited with ${result.code ?? result.signal}; it printed:\n${tail(result.output)}`)
  return [...problems, ...answerProblems(block, sandbox.answers)]
}
