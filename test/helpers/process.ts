import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const MAIN = fileURLToPath(new URL('../../dist/cli.mjs', import.meta.url))

/**
 * The environment for a spawned sandbox: only what the test gives, plus PATH, so neither the
 * developer's settings nor tap's coverage hooks reach the child.
 */
export const childEnv = (env: Record<string, string>): Record<string, string> => ({ PATH: process.env.PATH ?? '', ...env })

export interface Spawned {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>
}

/** `openFiles`: the child runs under `ulimit -n` of it (through bash), as on a host with few file descriptors. */
export function spawnMain (args: string[], env: Record<string, string>, options: { openFiles?: number } = {}): Spawned {
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe']
  const child = options.openFiles === undefined
    ? spawn(process.execPath, [MAIN, ...args], { env: childEnv(env), stdio })
    : spawn('bash', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, MAIN, ...args], { env: childEnv(env), stdio })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => { out += String(d) })
  child.stderr!.on('data', (d) => { err += String(d) })
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Waits until a started sandbox's stdout matches `pattern` (output arrives in chunks), and returns the match. */
export async function printed (spawned: Spawned, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const match = pattern.exec(spawned.stdout())
    if (match !== null) return match
    if (spawned.child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`nothing printed matches ${pattern}; stdout: ${spawned.stdout()} stderr: ${spawned.stderr()}`)
}

/** Waits for the "listening on <url>" line a started sandbox prints, and returns the URL. */
export async function listeningUrl (spawned: Spawned, timeoutMs = 10_000): Promise<string> {
  return (await printed(spawned, /listening on (http:\/\/\S+)/, timeoutMs))[1]!
}
