import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { ROOT } from './blocks.js'

type Parser = typeof import('@actions/workflow-parser')

let parser: Promise<Parser> | undefined

/**
 * GitHub's own workflow parser and schema (@actions/workflow-parser, from actions/languageservices,
 * the one behind the Actions editor support). It imports its schema JSON the way bundlers allow and
 * Node does not (no `with { type: 'json' }`), so esbuild bundles it once per run into a temporary file.
 */
function loadParser (): Promise<Parser> {
  parser ??= (async () => {
    const bundle = await build({
      stdin: { contents: "export * from '@actions/workflow-parser'", resolveDir: ROOT },
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'warning',
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }
    })
    const dir = await mkdtemp(join(tmpdir(), 'workflow-parser-'))
    const file = join(dir, 'workflow-parser.mjs')
    await writeFile(file, bundle.outputFiles[0]!.text)
    try {
      return await import(pathToFileURL(file).href) as Parser
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })()
  return parser
}

/** What GitHub would reject in this workflow file, with 1-based lines; empty when it is valid. */
export async function workflowErrors (content: string): Promise<Array<{ line: number, message: string }>> {
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await loadParser()
  const parsed = parseWorkflow({ name: 'workflow.yml', content }, new NoOperationTraceWriter())
  // The conversion checks what the schema alone does not (job needs, matrix, expressions' contexts).
  if (parsed.value !== undefined) await convertWorkflowTemplate(parsed.context, parsed.value)
  return parsed.context.errors.getErrors().map((error) => ({
    line: error.range?.start.line ?? 1,
    message: error.message.replace(/^workflow\.yml(?: \(Line: \d+, Col: \d+\))?: /, '')
  }))
}
