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

/** A port nothing listens on right now: the kernel's pick for port 0, released at once. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** True when the server on `port` answers PING within `timeoutMs`. */
async function answersPing (port: number, timeoutMs = 500): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (answer: boolean): void => {
      socket.destroy()
      clearTimeout(timer)
      resolve(answer)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => {
      reply += String(data)
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
    socket.on('error', () => done(false))
  })
}

interface Running { child: ChildProcess, exited: Promise<void>, output: () => string }

async function launch (port: number, timeoutMs = 10_000): Promise<Running> {
  const child = spawn(REDIS_SERVER, ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const collect = (data: Buffer): void => { output = (output + String(data)).slice(-4000) }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    if (await answersPing(port)) return { child, exited, output: () => output }
    await sleep(20)
  }
  child.kill('SIGKILL')
  await exited
  throw new Error(`redis-server on port ${port} did not answer PING; its output:\n${output}`)
}

/**
 * A real, empty, throwaway redis-server on a free 127.0.0.1 port (no persistence). Registers
 * nothing: the caller stops it, e.g. `t.teardown(() => redis.stop())`.
 */
export async function startRedis (): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: the Redis store tests need a real Redis (apt-get install redis-server)`)
  }
  const port = await freePort()
  let running = await launch(port)
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
      running = await launch(port)
    }
  }
}

let prefixes = 0
/** A prefix no other store in this process has used: stores sharing one server stay apart. */
export const uniquePrefix = (name = 'test'): string => `${name}-${process.pid}-${++prefixes}`
