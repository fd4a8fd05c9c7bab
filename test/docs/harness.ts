import { spawn } from 'node:child_process'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { settingsFromEnv } from '../../src/config.js'
import type { Sandbox } from '../../src/index.js'
import type { Teardown } from '../helpers/app.js'
import { ROOT, where, type Block } from './blocks.js'

/*
 * The doc tests' conventions, for whoever writes an example in README.md, docs/*.md or
 * examples/merchant/README.md (test/docs/*.test.ts check them in npm test):
 *
 * - ```sh (bash, shell) runs as printed: bash with `set -euo pipefail`, in the repository's root,
 *   with nothing of the caller's environment but PATH, HOME and the locale, curl and jq at hand.
 *   Each block gets a fresh sandbox (bundled fixtures) on port 0 behind a recording proxy:
 *   http://127.0.0.1:8080 and http://localhost:8080 in the block become the proxy, and PUBLIC_URL
 *   points there too, so the login links the sandbox hands out lead through it. A block sets its
 *   own variables from earlier answers (`jq -r`, `sed`, `node -e`); a `<placeholder>` outside a
 *   comment fails it. It fails on a non-zero exit, after 60 s, and on any 4xx/5xx answer it did
 *   not announce: plain `curl -s` is the house style (readers see the envelope), and the proxy,
 *   not curl, notices an error.
 * - Markers, each alone on a line directly above the fence (several may stack):
 *   `<!-- doc-test: skip: <reason> -->` not run (Docker, a second terminal); a skipped sh block
 *     must still pass `bash -n` and have no placeholder;
 *   `<!-- doc-test: env NAME=value ... -->` settings of that block's sandbox (setting names of
 *     SETTINGS only; the block's shell does not get them, as a reader's would not);
 *   `<!-- doc-test: expect-errors 401 422 -->` the error statuses the block means to provoke;
 *     each must actually occur.
 * - ```console: `$ command` lines (a trailing backslash continues one), each followed by what it
 *   prints; stdout and stderr together must match, `…` standing for any text within a line; the
 *   exit status is not checked; a command still running once its output matches is stopped.
 * - ```yaml parses (YAML 1.2, unique keys); one with top-level `jobs` must pass GitHub's workflow
 *   schema. ```json parses. ```ts and ```js type-check under tsconfig.json (imports of
 *   freedom-id-sandbox resolve to the built dist/) and run with node against their own sandbox.
 * - ``` (no language), text, http, nginx and dockerfile are shown, never run; any other info
 *   string fails the page, so nothing escapes unnoticed. Output in `# ...` comments is for people.
 * - Failures name the page and line: `docs/endpoints.md:180: POST /api/v1/oauth/token answered 400: ...`.
 */

/** One answer the proxy passed back, for the test's verdict and its message. */
export interface Answer { method: string, path: string, status: number, body: string }

const EXCERPT = 300

/** A pass-through HTTP proxy in front of `target` that records every answer's status. */
async function recordingProxy (target: () => string) {
  const answers: Answer[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const upstream = httpRequest(new URL(req.url!, target()), { method: req.method, headers: req.headers }, (answer) => {
      const entry: Answer = { method: req.method!, path: req.url!, status: answer.statusCode!, body: '' }
      answers.push(entry)
      answer.on('data', (chunk: Buffer) => { if (entry.body.length < EXCERPT) entry.body += chunk.toString('utf8').slice(0, EXCERPT - entry.body.length) })
      res.writeHead(answer.statusCode!, answer.rawHeaders)
      answer.pipe(res)
    })
    // The sandbox dropped the connection (a `drop` fault): the block's client sees the same.
    upstream.on('error', () => { answers.push({ method: req.method!, path: req.url!, status: 0, body: 'connection dropped' }); res.destroy() })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    answers,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}

export interface Stage {
  sandbox: Sandbox
  /** The proxy's port: what 8080 in the block becomes. */
  port: number
  answers: Answer[]
  /** The block's text with the sandbox's documented address swapped for the proxy's. */
  rewrite(text: string): string
}

/** A fresh sandbox and its recording proxy for one block, both closed when the test ends. */
export async function stage (t: Teardown, block: Pick<Block, 'env'>): Promise<Stage> {
  let base = ''
  const proxy = await recordingProxy(() => base)
  t.teardown(proxy.close)
  const settings = settingsFromEnv(block.env)
  // Loaded on first use: a test file sets its timeout before the whole sandbox is compiled and loaded.
  const { startSandbox } = await import('../../src/index.js')
  const sandbox = await startSandbox({ logLevel: 'silent', publicUrl: `http://localhost:${proxy.port}`, ...settings })
  t.teardown(() => sandbox.close())
  base = sandbox.url
  return {
    sandbox,
    port: proxy.port,
    answers: proxy.answers,
    rewrite: (text) => text.replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${proxy.port}`).replaceAll('http://localhost:8080', `http://localhost:${proxy.port}`)
  }
}

/** What a finished (or stopped) child left behind. */
export interface Run { code: number | null, signal: string | null, output: string, timedOut: boolean }

/** The environment of everything a block runs: nothing of the developer's or tap's settings. */
export const blockEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/root',
  LANG: 'C.UTF-8'
})

/**
 * Runs a command in its own process group (so a block's background jobs die with it), stdout and
 * stderr in one stream in the order written; stops it after `timeoutMs`, or once `done(output)`
 * says the output is complete (a server that keeps running after printing what the doc shows).
 */
export function run (command: string, args: string[], options: { timeoutMs: number, cwd?: string, env?: Record<string, string>, done?: (output: string) => boolean }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...blockEnv(), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let output = ''
    let timedOut = false
    const stop = () => { try { process.kill(-child.pid!, 'SIGKILL') } catch {} }
    const timer = setTimeout(() => { timedOut = true; stop() }, options.timeoutMs)
    const take = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      if (options.done?.(output) === true) stop()
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      stop()
      resolve({ code, signal, output, timedOut })
    })
  })
}

/** The last lines of what a block printed, for a failure message. */
export const tail = (output: string, lines = 25): string => output.trimEnd().split('\n').slice(-lines).join('\n')

/** The 4xx/5xx answers a block did not announce, and the announced statuses that never came. */
export function unexpectedAnswers (answers: Answer[], announced: number[]) {
  const errors = answers.filter((answer) => answer.status >= 400 || answer.status === 0)
  return {
    unannounced: errors.filter((answer) => !announced.includes(answer.status)),
    missing: announced.filter((status) => !errors.some((answer) => answer.status === status))
  }
}

export const describeAnswer = (answer: Answer): string => `${answer.method} ${answer.path} answered ${answer.status}: ${answer.body}`

/** What the proxy saw that the block did not say it would provoke, worded for the failure message. */
export function answerProblems (block: Block, answers: Answer[]): string[] {
  const { unannounced, missing } = unexpectedAnswers(answers, block.expectErrors)
  return [
    ...unannounced.map((answer) => `${where(block)}: ${describeAnswer(answer)} (not announced: curl -s does not fail on it; fix the example, or add <!-- doc-test: expect-errors ${answer.status} -->)`),
    ...missing.map((status) => `${where(block)}: announces expect-errors ${status}, but no request answered ${status}`)
  ]
}
