// A throwaway redis-server for the benches, the plain-JS twin of test/helpers/redis.ts: a free
// 127.0.0.1 port, no persistence, killed when this process exits whatever happens.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

export const REDIS_SERVER = process.env.BENCH_REDIS_SERVER ?? '/usr/bin/redis-server'

export const redisAvailable = () => existsSync(REDIS_SERVER)

async function freePort () {
  const server = createServer()
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * One command on a fresh connection; resolves the reply's text (status, integer or bulk string),
 * rejects on an error reply, a socket error or no whole reply within `timeoutMs`.
 */
export function redisCommand (port, args, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (error, value) => {
      clearTimeout(timer)
      socket.destroy()
      if (error === undefined) resolve(value)
      else reject(error)
    }
    const timer = setTimeout(() => done(new Error(`redis ${args[0]}: no answer within ${timeoutMs} ms`)), timeoutMs)
    socket.on('connect', () => socket.write(`*${args.length}\r\n` + args.map((arg) => `$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`).join('')))
    socket.setEncoding('utf8').on('data', (chunk) => {
      reply += chunk
      const end = reply.indexOf('\r\n')
      if (end === -1) return
      const head = reply.slice(1, end)
      if (reply[0] === '-') return done(new Error(`redis ${args[0]}: ${head}`))
      if (reply[0] !== '$') return done(undefined, head)
      // A bulk string: $<bytes>\r\n<bytes>\r\n (the replies read here are ASCII, so chars = bytes).
      if (reply.length >= end + 2 + Number(head) + 2) done(undefined, reply.slice(end + 2, end + 2 + Number(head)))
    })
    socket.on('error', (error) => done(error))
  })
}

const running = new Set()
// Like the sandbox children in lib.js: a crash or Ctrl-C must not leave a redis-server behind.
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

const LAUNCH_TRIES = 5

/**
 * Starts an empty redis-server and resolves once it answers as itself (INFO names its pid): the
 * port picked free may be taken by another process before redis-server binds it, and then
 * another port is tried.
 */
export async function startRedis (timeoutMs = 10_000) {
  for (let tries = 0; tries < LAUNCH_TRIES; tries++) {
    const started = await launch(await freePort(), timeoutMs)
    if (started !== undefined) return started
  }
  throw new Error(`${REDIS_SERVER} could not bind a port in ${LAUNCH_TRIES} tries`)
}

const pidOf = (port) => redisCommand(port, ['INFO', 'server'], 500)
  .then((reply) => Number(/\r\nprocess_id:(\d+)\r\n/.exec(reply)?.[1]), () => undefined)

/** redis-server on `port`, or undefined when it exited without answering (the port was taken). */
async function launch (port, timeoutMs) {
  const child = spawn(REDIS_SERVER, ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port)], {
    cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(child)
  let output = ''
  const collect = (chunk) => { output = (output + chunk).slice(-4000) }
  child.stdout.setEncoding('utf8').on('data', collect)
  child.stderr.setEncoding('utf8').on('data', collect)
  const exited = new Promise((resolve) => child.once('exit', () => { running.delete(child); resolve() }))
  child.once('error', collect) // e.g. EACCES: reported through the deadline below
  const alive = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined
  const stop = async () => {
    if (!alive()) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await pidOf(port) === child.pid) break
    if (!alive() && /Address already in use/.test(output)) return undefined
    if (!alive() || Date.now() > deadline) {
      await stop()
      throw new Error(`${REDIS_SERVER} on port ${port} did not answer; its output:\n${output}`)
    }
    await sleep(20)
  }
  /** `used_memory_human` etc. from INFO memory, as an object. */
  const info = async (section) => Object.fromEntries((await redisCommand(port, ['INFO', section]))
    .split('\r\n').filter((line) => line.includes(':')).map((line) => line.split(':')))
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    pid: child.pid,
    version: (await info('server')).redis_version,
    info,
    command: (...args) => redisCommand(port, args, 5000),
    stop
  }
}
