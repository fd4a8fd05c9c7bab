import { Document, parseDocument } from 'yaml'
import type { Teardown } from '../helpers/app.js'
import { where, type Block } from './blocks.js'
import { answerProblems, run, stage, tail } from './harness.js'
import { workflowErrors } from './workflow.js'

/*
 * Each check answers the problems it found in one block, worded with the block's file and line;
 * none means the block is fine. The tests assert an empty list, and test/docs/harness.test.ts
 * feeds them broken blocks to prove each problem is caught.
 */

export const SHELL_TIMEOUT_MS = 60_000

/** A ```sh block: bash -n for a skipped one; otherwise it runs against its own sandbox and must exit 0. */
/** `<track_id>`-style words a reader would have to fill in; a block must run as printed. */
const PLACEHOLDER = /<[a-z][a-z_-]*>/i

export async function shellProblems (t: Teardown, block: Block, timeoutMs = SHELL_TIMEOUT_MS): Promise<string[]> {
  // Comments show output for people (`# {"error":…<SANDBOX_TOKEN>…}`): only commands count.
  const commands = block.code.split('\n').map((line) => line.replace(/(^|\s)#\s.*$/, '')).join('\n')
  const placeholder = PLACEHOLDER.exec(commands)
  if (placeholder !== null) return [`${where(block)}: ${placeholder[0]} is a placeholder: set it from an earlier answer, so the block runs as printed`]
  if (block.skip !== undefined) {
    const syntax = await run('bash', ['-n', '-c', block.code], { timeoutMs: 10_000 })
    return syntax.code === 0 ? [] : [`${where(block)}: not valid bash (even a skipped block must parse):\n${tail(syntax.output)}`]
  }
  const sandbox = await stage(t, block)
  const result = await run('bash', ['-c', `set -euo pipefail\n${sandbox.rewrite(block.code)}`], { timeoutMs })
  const problems = []
  if (result.timedOut) problems.push(`${where(block)}: still running after ${timeoutMs / 1000} s (stopped); it printed:\n${tail(result.output)}`)
  else if (result.code !== 0) problems.push(`${where(block)}: exited with ${result.code ?? result.signal}; it printed:\n${tail(result.output)}`)
  return [...problems, ...answerProblems(block, sandbox.answers)]
}

/** `$ command` lines, each followed by the output it prints (continuation lines end in a backslash). */
export function consoleSteps (code: string): Array<{ command: string, expected: string[] }> {
  const steps: Array<{ command: string, expected: string[], open: boolean }> = []
  for (const line of code.replace(/\n$/, '').split('\n')) {
    const last = steps.at(-1)
    if (last?.open === true) {
      last.command += `\n${line}`
      last.open = line.endsWith('\\')
    } else if (line.startsWith('$ ')) {
      steps.push({ command: line.slice(2), expected: [], open: line.endsWith('\\') })
    } else if (last === undefined) {
      return []
    } else {
      last.expected.push(line)
    }
  }
  return steps.map(({ command, expected }) => ({ command, expected }))
}

const normalize = (lines: string[]): string[] => {
  const out = lines.map((line) => line.trimEnd())
  while (out.length > 0 && out.at(-1) === '') out.pop()
  return out
}

/** Output lines as printed in the doc; `…` stands for any text within a line. */
export function outputMatches (expected: string[], actual: string): boolean {
  const want = normalize(expected)
  const got = normalize(actual.split('\n'))
  if (want.length !== got.length) return false
  return want.every((line, i) => new RegExp(`^${line.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(got[i]!))
}

/**
 * A ```console block: each command runs (bash, the repository's root, the sandbox's address
 * rewritten) and must print what the doc shows, in order, stdout and stderr together. Its exit
 * status is not checked (console examples often show a failure); a command still running once
 * its output matches (a server) is stopped there.
 */
export async function consoleProblems (t: Teardown, block: Block): Promise<string[]> {
  const steps = consoleSteps(block.code)
  if (steps.length === 0) return [`${where(block)}: a console block starts with a "$ command" line`]
  if (block.skip !== undefined) return []
  const sandbox = await stage(t, block)
  const problems = []
  for (const step of steps) {
    const expected = step.expected.map(sandbox.rewrite)
    const result = await run('bash', ['-c', `exec 2>&1\n${sandbox.rewrite(step.command)}`], { timeoutMs: SHELL_TIMEOUT_MS, done: (output) => outputMatches(expected, output) })
    if (!outputMatches(expected, result.output)) {
      problems.push(`${where(block)}: "$ ${step.command}" printed\n${result.output.trimEnd()}\ninstead of\n${expected.join('\n')}`)
    }
  }
  return [...problems, ...answerProblems(block, sandbox.answers)]
}

/** The doc line of a 1-based line inside a block's code. */
const docLine = (block: Block, line: number): string => `${block.file}:${block.line + line}`

/** A ```yaml block parses (YAML 1.2, no duplicate keys); a GitHub Actions workflow also passes GitHub's own schema. */
export async function yamlProblems (block: Block): Promise<string[]> {
  if (block.skip !== undefined) return []
  const doc: Document = parseDocument(block.code, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) return doc.errors.map((error) => `${docLine(block, error.linePos?.[0].line ?? 1)}: not valid YAML: ${error.message}`)
  const root = doc.toJS() as unknown
  if (typeof root === 'object' && root !== null && 'jobs' in root) {
    return (await workflowErrors(block.code)).map((error) => `${docLine(block, error.line)}: not a valid GitHub Actions workflow: ${error.message}`)
  }
  return []
}

/** A ```json block is JSON: an answer shown in the docs must be one a client could parse. */
export function jsonProblems (block: Block): string[] {
  if (block.skip !== undefined) return []
  try {
    JSON.parse(block.code)
    return []
  } catch (error) {
    return [`${where(block)}: not valid JSON: ${(error as Error).message}`]
  }
}
