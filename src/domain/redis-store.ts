import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { redisProblem, watchOutages, type OutageLog, type OutageWatch } from './redis-health.js'
import { redisTimeLine } from './redis-time-line.js'
import { StoreUnavailableError, TRANSACTION_TRIES, transactionGaveUp, type Collection, type Counter, type List, type ListOptions, type Store, type Transaction } from './store.js'

export interface RedisStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string
  /** Every key lives under `{${prefix}}:` (one hash slot): replicas with one prefix share the state, other prefixes are left alone. */
  prefix: string
  now: () => number
  /** Real-time milliseconds a command may take before it fails. */
  commandTimeoutMs?: number
  /** Real-time milliseconds `withLock` waits for a lock another holder keeps. */
  lockWaitMs?: number
  /** Where an outage is told, once: when Redis goes away, and when it is back. */
  log?: OutageLog
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000
export const DEFAULT_LOCK_WAIT_MS = 5000
/** How long creation waits for Redis before the sandbox gives up starting. */
export const CONNECT_TIMEOUT_MS = 2500
/** A holder that dies keeps its lock this long at most; `fn` must finish well within it. */
const LOCK_TTL_MS = 10_000
const LOCK_RETRY_MS = 10
const TAKE_FIRST_TRIES = 50

/**
 * Before another try of a step that lost a race: a random pause of up to `tries` ms (8 at most),
 * so that replicas (or requests on one connection) racing for one list or record do not stay in
 * step and lose to each other every time.
 */
const afterLost = (tries: number): Promise<void> | undefined => tries === 0 ? undefined : sleep(Math.random() * Math.min(tries, 8))
const SCAN_COUNT = 500

/*
 * A record is stored as `<expiresAt>:<JSON>`, with an empty expiry for Infinity (which JSON
 * cannot hold), so the scripts below can tell a live record without decoding the value.
 */
const LIVE_LUA = `
local function live (stored, now)
  if not stored then return false end
  local head = string.sub(stored, 1, string.find(stored, ':', 1, true) - 1)
  return head == '' or tonumber(head) > now
end
`
// ttl: real milliseconds to live, '' for none; an expiry already past leaves no record.
const WRITE_LUA = `
local function write (key, stored, ttl)
  if ttl == '' then redis.call('SET', key, stored)
  elseif tonumber(ttl) > 0 then redis.call('SET', key, stored, 'PX', ttl)
  else redis.call('DEL', key) end
end
`
const SCRIPTS = {
  sandboxPut: { numberOfKeys: 1, lua: `${WRITE_LUA} write(KEYS[1], ARGV[1], ARGV[2])` },
  sandboxAdd: {
    numberOfKeys: 1,
    lua: `${LIVE_LUA}${WRITE_LUA}
if live(redis.call('GET', KEYS[1]), tonumber(ARGV[3])) then return 0 end
write(KEYS[1], ARGV[1], ARGV[2])
return 1`
  },
  sandboxSweep: {
    lua: `${LIVE_LUA}
local now, dropped = tonumber(ARGV[1]), 0
for _, key in ipairs(KEYS) do
  local stored = redis.call('GET', key)
  if stored and not live(stored, now) then
    redis.call('DEL', key)
    dropped = dropped + 1
  end
end
return dropped`
  },
  // ARGV[3], when given: real milliseconds the list must live on for its newest item (never shortened).
  sandboxPush: {
    numberOfKeys: 1,
    lua: `redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
if ARGV[3] then
  local ttl = math.max(tonumber(ARGV[3]), 1)
  if ttl > redis.call('PTTL', KEYS[1]) then redis.call('PEXPIRE', KEYS[1], ttl) end
end`
  },
  /*
   * A push into a list with a byte budget (the journal): KEYS[2] counts the bytes of its items.
   * A push into an empty list starts the count again, so deleting the list alone resets it.
   */
  sandboxPushBounded: {
    numberOfKeys: 2,
    lua: `local length = redis.call('RPUSH', KEYS[1], ARGV[1])
local maxLength, maxBytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local bytes = #ARGV[1]
if length == 1 then redis.call('SET', KEYS[2], bytes) else bytes = redis.call('INCRBY', KEYS[2], bytes) end
while length > 1 and (length > maxLength or bytes > maxBytes) do
  bytes = redis.call('DECRBY', KEYS[2], #redis.call('LPOP', KEYS[1]))
  length = length - 1
end`
  },
  // Compare-and-set at an index: replaces the item, or removes it through a tombstone ('' is no JSON).
  sandboxTakeAt: {
    numberOfKeys: 1,
    lua: `local index = tonumber(ARGV[1])
if redis.call('LINDEX', KEYS[1], index) ~= ARGV[2] then return 0 end
if ARGV[3] then
  redis.call('LSET', KEYS[1], index, ARGV[3])
else
  redis.call('LSET', KEYS[1], index, '')
  redis.call('LREM', KEYS[1], 1, '')
end
return 1`
  },
  /*
   * A transaction's commit: ARGV[1] names one operation per key, in KEYS' order, checks first:
   * g (the key holds ARGV's next value), n (no such key), l (the list holds the next count of
   * values), then s (set: value, ttl), d (delete), p (push: item, max length). Answers 0, writing
   * nothing, when a check fails. The shebang makes Redis refuse the whole script when it refuses
   * writes (maxmemory), instead of failing at the first write that allocates, after a delete.
   */
  sandboxCommit: {
    lua: `#!lua
${WRITE_LUA}
local ops, a = ARGV[1], 2
for i = 1, #ops do
  local op, key = string.sub(ops, i, i), KEYS[i]
  if op == 'g' then
    if redis.call('GET', key) ~= ARGV[a] then return 0 end
    a = a + 1
  elseif op == 'n' then
    if redis.call('EXISTS', key) == 1 then return 0 end
  elseif op == 'l' then
    local count, items = tonumber(ARGV[a]), redis.call('LRANGE', key, 0, -1)
    if #items ~= count then return 0 end
    for j = 1, count do
      if items[j] ~= ARGV[a + j] then return 0 end
    end
    a = a + count + 1
  elseif op == 's' then
    write(key, ARGV[a], ARGV[a + 1])
    a = a + 2
  elseif op == 'd' then
    redis.call('DEL', key)
  else
    redis.call('RPUSH', key, ARGV[a])
    redis.call('LTRIM', key, -tonumber(ARGV[a + 1]), -1)
    if op == 'e' then
      local ttl = math.max(tonumber(ARGV[a + 2]), 1)
      if ttl > redis.call('PTTL', key) then redis.call('PEXPIRE', key, ttl) end
      a = a + 1
    end
    a = a + 2
  end
end
return 1`
  },
  sandboxUnlock: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`
  }
}

interface Scripts {
  sandboxPut(key: string, stored: string, ttl: string): Promise<null>
  sandboxAdd(key: string, stored: string, ttl: string, now: number): Promise<number>
  sandboxSweep(keyCount: number, ...keysThenNow: Array<string | number>): Promise<number>
  sandboxPush(key: string, item: string, maxLength: number, ...ttl: string[]): Promise<null>
  sandboxPushBounded(key: string, bytesKey: string, item: string, maxLength: number, maxBytes: number): Promise<null>
  sandboxTakeAt(key: string, index: number, expected: string, ...replacement: string[]): Promise<number>
  sandboxUnlock(key: string, token: string): Promise<number>
  sandboxCommit(keyCount: number, ...keysThenArgs: string[]): Promise<number>
}

/** The URL as messages may show it: without user or password. */
function redact (url: string): string {
  if (!/^rediss?:\/\//.test(url) || !URL.canParse(url)) {
    throw new StoreUnavailableError('the Redis URL is not of the form redis://[:password@]host[:port][/db]')
  }
  const { protocol, host, pathname } = new URL(url)
  return `${protocol}//${host}${pathname}`
}

/** Connects, and selects the database (a wrong one fails only then), within CONNECT_TIMEOUT_MS. */
async function connect (redis: Redis, where: string, lastError: () => Error | undefined, commandTimeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const gaveUp = new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(gaveUp), CONNECT_TIMEOUT_MS) })
  try {
    await Promise.race([redis.connect().then(() => redis.select(redis.options.db!)), timeout])
  } catch (error) {
    redis.disconnect()
    const { message } = error as Error
    const problem = error === gaveUp
      ? `did not answer within ${CONNECT_TIMEOUT_MS} ms`
      : /DB index is out of range/.test(message) ? `has no database ${redis.options.db!} (${message})` : redisProblem(error, lastError(), commandTimeoutMs)
    throw new StoreUnavailableError(`Redis at ${where} ${problem}`, { cause: error })
  } finally {
    clearTimeout(timer)
  }
}

const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&')

/**
 * The store on Redis, shared by every replica given the same URL and prefix. Created connected
 * (or rejected with a StoreUnavailableError); afterwards a command fails within the command
 * timeout while Redis is away, and the connection comes back by itself when Redis does.
 */
export async function createRedisStore (options: RedisStoreOptions): Promise<Store> {
  const { prefix, now, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS, lockWaitMs = DEFAULT_LOCK_WAIT_MS } = options
  const where = redact(options.url)
  let lastError: Error | undefined
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // CLIENT SETINFO (Redis 7.2+) would be one more round trip before the connection is ready.
    disableClientInfo: true,
    // Fail at once while disconnected, and never wait longer than the timeout on a hung server.
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    // Reconnect forever, so the sandbox serves again as soon as Redis is back.
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
    // A command cut off by a lost connection has already failed: never run it later.
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    scripts: SCRIPTS
  }) as Redis & Scripts
  // Every key in the prefix's hash slot (Redis Cluster, Valkey): a transaction's keys are always in one.
  const root = `{${prefix}}`
  let watch: OutageWatch | undefined
  redis.on('error', (error: Error) => {
    lastError = error
    watch?.failed(redisProblem(error, undefined, commandTimeoutMs))
  })
  redis.on('ready', () => {
    lastError = undefined
    watch?.ready()
  })
  await connect(redis, where, () => lastError, commandTimeoutMs)
  // Told once per outage; a small write probes for its end, since a refused write is an outage too.
  if (options.log !== undefined) watch = watchOutages(where, options.log, () => redis.set(`${root}:health`, '1', 'PX', 1000))

  const call = async <R>(command: Promise<R>): Promise<R> => {
    try {
      return await command
    } catch (error) {
      const problem = redisProblem(error, lastError, commandTimeoutMs)
      watch?.failed(problem)
      throw new StoreUnavailableError(`Redis at ${where} ${problem}`, { cause: error })
    }
  }
  const scan = async (pattern: string, each: (keys: string[]) => Promise<void>): Promise<void> => {
    let cursor = '0'
    do {
      const [next, keys] = await call(redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT))
      cursor = next
      if (keys.length > 0) await each(keys)
    } while (cursor !== '0')
  }

  const encode = (value: unknown, expiresAt: number): string => `${expiresAt === Infinity ? '' : expiresAt}:${JSON.stringify(value)}`
  const live = <T>(stored: string | null): T | undefined => {
    if (stored === null) return undefined
    const colon = stored.indexOf(':')
    const head = stored.slice(0, colon)
    if (head !== '' && Number(head) <= now()) return undefined
    return JSON.parse(stored.slice(colon + 1)) as T
  }
  // Redis forgets a record on its own in real time, as long after now as the sandbox clock says.
  const ttl = (expiresAt: number): string => expiresAt === Infinity ? '' : String(Math.ceil(expiresAt - now()))
  const recordsOf = (name: string): string => `${root}:c:${encodeURIComponent(name)}:`
  const listKey = (name: string): string => `${root}:l:${name}`

  const acquire = async (key: string, token: string, name: string): Promise<void> => {
    let gaveUp = false
    const timer = setTimeout(() => { gaveUp = true }, lockWaitMs)
    try {
      while (await call(redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) === null) {
        if (gaveUp) throw new StoreUnavailableError(`Redis at ${where}: the lock ${name} was not free within ${lockWaitMs} ms`)
        await sleep(LOCK_RETRY_MS)
      }
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    local: false,
    // No cap on Redis: options.capScale is the memory store's.
    collection<T>(name: string): Collection<T> {
      const records = recordsOf(name)
      return {
        async put (key, value, expiresAtMs) {
          await call(redis.sandboxPut(records + key, encode(value, expiresAtMs), ttl(expiresAtMs)))
        },
        add: async (key, value, expiresAtMs) =>
          await call(redis.sandboxAdd(records + key, encode(value, expiresAtMs), ttl(expiresAtMs), now())) === 1,
        get: async (key) => live<T>(await call(redis.get(records + key))),
        take: async (key) => live<T>(await call(redis.getdel(records + key))),
        delete: async (key) => live(await call(redis.getdel(records + key))) !== undefined,
        async size () {
          const keys = new Set<string>()
          await scan(`${globEscape(records)}*`, async (batch) => { for (const key of batch) keys.add(key) })
          return keys.size
        }
      }
    },
    list<T>(name: string, maxLength: number, options: ListOptions = {}): List<T> {
      const key = listKey(name)
      const read = async (): Promise<string[]> => await call(redis.lrange(key, 0, -1))
      // takeFirst does not recount: the journal never takes.
      const bytesKey = `${key}:bytes`
      const { maxBytes } = options
      return {
        async push (item, expiresAtMs) {
          const stored = JSON.stringify(item)
          const lifetime = expiresAtMs === undefined ? [] : [ttl(expiresAtMs)]
          await call(maxBytes === undefined ? redis.sandboxPush(key, stored, maxLength, ...lifetime) : redis.sandboxPushBounded(key, bytesKey, stored, maxLength, maxBytes))
        },
        items: async () => (await read()).map((stored) => JSON.parse(stored) as T),
        last: async (count) => (await call(redis.lrange(key, -count, -1))).map((stored) => JSON.parse(stored) as T),
        // `match` runs here, not in Redis: read, decide, then write only if the item is still there.
        async takeFirst (match, next) {
          for (let attempt = 0; attempt < TAKE_FIRST_TRIES; attempt++) {
            await afterLost(attempt)
            const stored = await read()
            const index = stored.findIndex((item) => match(JSON.parse(item) as T))
            if (index === -1) return undefined
            const found = JSON.parse(stored[index]!) as T
            const replacement = next(found)
            const write = replacement === undefined ? [] : [JSON.stringify(replacement)]
            if (await call(redis.sandboxTakeAt(key, index, stored[index]!, ...write)) === 1) return found
          }
          throw new StoreUnavailableError(`Redis at ${where}: the list ${name} kept changing; gave up after ${TAKE_FIRST_TRIES} tries`)
        },
        async clear () { await call(redis.del(key, bytesKey)) }
      }
    },
    counter (name): Counter {
      const key = `${root}:n:${name}`
      return {
        // An absent counter reads null, which is 0.
        get: async () => Number(await call(redis.get(key))),
        add: async (delta) => await call(redis.incrby(key, delta)),
        async set (value) { await call(redis.set(key, value)) }
      }
    },
    timeLine: (name) => redisTimeLine(redis, `${root}:t:${name}`, call),
    async atomically (step) {
      for (let tries = 0; tries < TRANSACTION_TRIES; tries++) {
        await afterLost(tries)
        const checks: { keys: string[], ops: string, args: string[] } = { keys: [], ops: '', args: [] }
        const writes: { keys: string[], ops: string, args: string[] } = { keys: [], ops: '', args: [] }
        const tx: Transaction = {
          async get (name, key) {
            const full = recordsOf(name) + key
            const stored = await call(redis.get(full))
            checks.keys.push(full)
            if (stored === null) checks.ops += 'n'
            else {
              checks.ops += 'g'
              checks.args.push(stored)
            }
            return live(stored)
          },
          async items (name) {
            const key = listKey(name)
            const stored = await call(redis.lrange(key, 0, -1))
            checks.keys.push(key)
            checks.ops += 'l'
            checks.args.push(String(stored.length), ...stored)
            return stored.map((item) => JSON.parse(item) as never)
          },
          put (name, key, value, expiresAtMs) {
            writes.keys.push(recordsOf(name) + key)
            writes.ops += 's'
            writes.args.push(encode(value, expiresAtMs), ttl(expiresAtMs))
          },
          delete (name, key) {
            writes.keys.push(recordsOf(name) + key)
            writes.ops += 'd'
          },
          // A group's lists live as long as their latest item (see ListOptions); other lists forever.
          push (name, maxLength, item, options = {}) {
            writes.keys.push(listKey(name))
            const { expiresAtMs = Infinity } = options
            if (expiresAtMs === Infinity) {
              writes.ops += 'p'
              writes.args.push(JSON.stringify(item), String(maxLength))
            } else {
              writes.ops += 'e'
              writes.args.push(JSON.stringify(item), String(maxLength), ttl(expiresAtMs))
            }
          },
          clear (name) {
            writes.keys.push(listKey(name))
            writes.ops += 'd'
          }
        }
        const result = await step(tx)
        if (writes.ops === '') return result
        const keys = [...checks.keys, ...writes.keys]
        if (await call(redis.sandboxCommit(keys.length, ...keys, checks.ops + writes.ops, ...checks.args, ...writes.args)) === 1) return result
      }
      throw transactionGaveUp(`Redis at ${where}`)
    },
    async withLock (name, fn) {
      const key = `${root}:lock:${name}`
      const token = randomUUID()
      await acquire(key, token, name)
      try {
        return await fn()
      } finally {
        // Unreleased, the lock expires after LOCK_TTL_MS: no reason to fail what fn has done.
        await redis.sandboxUnlock(key, token).catch(() => {})
      }
    },
    async ping () { await call(redis.ping()) },
    async sweep () {
      let dropped = 0
      await scan(`${globEscape(root)}:c:*`, async (keys) => {
        dropped += await call(redis.sandboxSweep(keys.length, ...keys, now()))
      })
      return dropped
    },
    async clear () {
      // Locks stay: a holder in another replica is still running.
      const locks = `${root}:lock:`
      await scan(`${globEscape(root)}:*`, async (keys) => {
        const doomed = keys.filter((key) => !key.startsWith(locks))
        if (doomed.length > 0) await call(redis.unlink(...doomed))
      })
    },
    async close () {
      watch?.close()
      await redis.quit().catch(() => redis.disconnect())
    }
  }
}
