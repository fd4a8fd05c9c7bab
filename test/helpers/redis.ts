import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export const REDIS_SERVER = '/usr/bin/redis-server'

export interface RedisServer {
  /** `redis://127.0.0.1:<port>/0` */
  url: string
  port: number
  /** SIGTERM, and resolves once it has exited (also when paused; a no-op once stopped). */
  stop(): Promise<void>
  /** SIGSTOP: the server keeps its connections but answers nothing, like a hung Redis. */
  pause(): void
  resume(): void
  /** Starts a fresh (empty) server on the same port, after `stop`. */
  restart(): Promise<void>
}

/**
 * A port nothing listens on right now: the kernel's pick for port 0, released at once. Only for
 * a connection meant to be refused: something else may bind it before anyone listens on it.
 */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The `process_id` the server on `port` reports in `INFO server`, or undefined when none answers within `timeoutMs`. */
export async function redisPid (port: number, timeoutMs = 500): Promise<number | undefined> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (pid: number | undefined): void => {
      socket.destroy()
      clearTimeout(timer)
      resolve(pid)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    socket.on('connect', () => socket.write('INFO server\r\n'))
    socket.on('data', (data) => {
      reply += String(data)
      if (!reply.startsWith('$')) return done(undefined)
      const pid = /\r\nprocess_id:(\d+)\r\n/.exec(reply)
      if (pid !== null) done(Number(pid[1]))
    })
    socket.on('error', () => done(undefined))
  })
}

interface Running { child: ChildProcess, exited: Promise<void>, output: () => string }

/** How many ports `startRedis` tries before it gives up: each one another process may take first. */
export const LAUNCH_TRIES = 5

/**
 * redis-server on `port`, once it answers there as itself (its `INFO server` names its pid: a
 * port picked free may be bound by another process first). Undefined when it exited without
 * answering (the port was taken); throws when it neither answered nor exited in time.
 */
async function launch (port: number, timeoutMs = 10_000): Promise<Running | undefined> {
  const child = spawn(REDIS_SERVER, ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const collect = (data: Buffer): void => { output = (output + String(data)).slice(-4000) }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const alive = (): boolean => child.exitCode === null && child.signalCode === null
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && alive()) {
    if (await redisPid(port) === child.pid) return { child, exited, output: () => output }
    await sleep(20)
  }
  if (alive()) child.kill('SIGKILL')
  await exited
  if (Date.now() < deadline) return undefined
  throw new Error(`redis-server on port ${port} did not answer; its output:\n${output}`)
}

/** Launches on `port()` until one binds, LAUNCH_TRIES times at most. */
async function launchOn (port: () => Promise<number>): Promise<{ running: Running, port: number }> {
  for (let tries = 0; tries < LAUNCH_TRIES; tries++) {
    const chosen = await port()
    const running = await launch(chosen)
    if (running !== undefined) return { running, port: chosen }
  }
  throw new Error(`redis-server could not bind a port in ${LAUNCH_TRIES} tries`)
}

/**
 * A real, empty, throwaway redis-server on a free 127.0.0.1 port (no persistence). Registers
 * nothing: the caller stops it, e.g. `t.teardown(() => redis.stop())`. `pickPort` is for tests
 * of this helper.
 */
export async function startRedis (pickPort: () => Promise<number> = freePort): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: the Redis store tests need a real Redis (apt-get install redis-server)`)
  }
  const launched = await launchOn(pickPort)
  const { port } = launched
  let { running } = launched
  const alive = (): boolean => running.child.exitCode === null && running.child.signalCode === null
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async stop () {
      if (alive()) {
        running.child.kill('SIGTERM')
        // A stopped process only acts on SIGTERM once continued.
        running.child.kill('SIGCONT')
      }
      await running.exited
    },
    pause () { running.child.kill('SIGSTOP') },
    resume () { running.child.kill('SIGCONT') },
    async restart () {
      if (alive()) throw new Error('restart() needs stop() first')
      // The same port (clients reconnect to it), which the old server may take a moment to release.
      running = (await launchOn(async () => { await sleep(50); return port })).running
    }
  }
}

let prefixes = 0
/** A prefix no other store in this process has used: stores sharing one server stay apart. */
export const uniquePrefix = (name = 'test'): string => `${name}-${process.pid}-${++prefixes}`
