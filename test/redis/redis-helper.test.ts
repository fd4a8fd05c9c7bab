import t, { type Test } from 'tap'
import { createServer } from 'node:net'
import { LAUNCH_TRIES, freePort, redisPid, startRedis } from '../helpers/redis.js'

/**
 * The throwaway redis-server of the Redis tests binds a port picked free a moment before: another
 * process may take it meanwhile. The helper then tries another port, and counts a server as
 * started only when the one answering is the process it started.
 */

/** A plain TCP listener on a port of the kernel's choosing: it accepts, and says something that is not Redis. */
async function squatter (t: Test): Promise<number> {
  const server = createServer((socket) => socket.on('error', () => {}).end('-ERR not redis\r\n'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return (server.address() as { port: number }).port
}

t.test('a port taken between the pick and the bind: the next pick is used, and the answer is our server\'s', async (t) => {
  const taken = await squatter(t)
  const picks: number[] = []
  const redis = await startRedis(async () => {
    const port = picks.length === 0 ? taken : await freePort()
    picks.push(port)
    return port
  })
  t.teardown(() => redis.stop())
  t.equal(picks.length, 2, 'a second port, after the first could not be bound')
  t.equal(picks[0], taken)
  t.equal(redis.port, picks[1])
  t.equal(redis.url, `redis://127.0.0.1:${picks[1]}/0`)
  t.type(await redisPid(redis.port), 'number', 'our redis-server answers INFO there')
  t.equal(await redisPid(taken), undefined, 'what holds the taken port is not a Redis')

  await redis.stop()
  t.equal(await redisPid(redis.port), undefined, 'stopped')
  await redis.restart()
  t.type(await redisPid(redis.port), 'number', 'restarted on the same port')
})

t.test('no port can be bound: a clear error after a bounded number of tries', async (t) => {
  const taken = await squatter(t)
  let picks = 0
  const failed = await startRedis(async () => { picks++; return taken }).catch((error: unknown) => error)
  t.type(failed, Error)
  t.equal((failed as Error).message, `redis-server could not bind a port in ${LAUNCH_TRIES} tries`)
  t.equal(picks, LAUNCH_TRIES)
})

t.test('restart while running is refused', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  await t.rejects(redis.restart(), { message: 'restart() needs stop() first' })
})
