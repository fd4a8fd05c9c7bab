import { localTimeLine, type TimeLine } from './time-line.js'

/**
 * Where the sandbox keeps its state: in memory (the default), or in Redis, shared by replicas.
 * Every method is async so both sit behind this one interface. Records are plain JSON values;
 * callers never mutate one after `put`. Expiry is on the sandbox clock: a record is gone once
 * `now() >= expiresAt`; `Infinity` keeps it until the store is cleared.
 */
export interface Collection<T> {
  put(key: string, value: T, expiresAtMs: number): Promise<void>
  /** Puts only when no live record has this key, in one step; answers whether it did. */
  add(key: string, value: T, expiresAtMs: number): Promise<boolean>
  get(key: string): Promise<T | undefined>
  /** Gets and deletes in one step: what single-use records (codes) are redeemed with. */
  take(key: string): Promise<T | undefined>
  delete(key: string): Promise<boolean>
  /** Records stored, expired ones not yet dropped included: for tests and diagnostics (Redis scans for it). */
  size(): Promise<number>
}

/** A bounded list, oldest first: it never holds more than its length, the oldest going first (the memory store drops 1% at once). */
export interface List<T> {
  /** `expiresAtMs`: when the item stops mattering; a list of a group is forgotten once its latest item's has passed (Redis). */
  push(item: T, expiresAtMs?: number): Promise<void>
  items(): Promise<T[]>
  /** The newest `count` (at least 1) items, or all when fewer, oldest first: what a page shows of a long list. */
  last(count: number): Promise<T[]>
  /**
   * Finds the first item that matches and replaces it with `next(item)`, or removes it when
   * that is undefined, in one step (a fault consumed once per request); answers the item found.
   * Both functions must be pure: a shared store may call them again when another replica
   * changed the list meanwhile.
   */
  takeFirst(match: (item: T) => boolean, next: (item: T) => T | undefined): Promise<T | undefined>
  clear(): Promise<void>
}

export interface CollectionOptions {
  /**
   * This collection may hold this many times the memory store's cap: an index with two keys per
   * record, say, then covers as many records as the collection it indexes. Redis has no cap.
   */
  capScale?: number
}

export interface ListOptions {
  /**
   * The items' JSON may take at most this many bytes (UTF-8) in all: beyond it the oldest go
   * first, however few are left, but the newest item always stays.
   */
  maxBytes?: number
  /**
   * One of many lists of a kind (one per user, say), which may otherwise never be read again:
   * the memory store keeps at most its cap of a group's lists, dropping the 1% pushed to least
   * recently (their items are older than the cap's newest records of any one kind); Redis forgets
   * a list once the latest `expiresAtMs` pushed into it has passed.
   */
  group?: string
}

/** An integer that starts at 0; `add` is atomic, so replicas can draw ids from one. */
export interface Counter {
  get(): Promise<number>
  /** Adds `delta` (a whole number, may be negative) and answers the new value, in one step. */
  add(delta: number): Promise<number>
  set(value: number): Promise<void>
}

/**
 * The reads and writes of one transition. Reads answer at once; writes wait for the end of the
 * step and are stored together, only if nothing read has changed meanwhile (then the step runs
 * again). Collections and lists are named as in `collection()` and `list()`; a step reads
 * before it writes (it does not see its own writes), and pushes only into lists without a byte budget.
 */
export interface Transaction {
  get<T>(collection: string, key: string): Promise<T | undefined>
  items<T>(list: string): Promise<T[]>
  put<T>(collection: string, key: string, value: T, expiresAtMs: number): void
  delete(collection: string, key: string): void
  /** `options` as a list's own push takes them: its group (see ListOptions) and the item's expiry. */
  push<T>(list: string, maxLength: number, item: T, options?: { group?: string, expiresAtMs?: number }): void
  clear(list: string): void
}

/** Times a transition runs again, another replica having changed what it read each time, before it gives up. */
export const TRANSACTION_TRIES = 50

export const transactionGaveUp = (where: string): StoreUnavailableError =>
  new StoreUnavailableError(`${where}: a transaction kept meeting changes by others; gave up after ${TRANSACTION_TRIES} tries`)

export interface Store {
  /**
   * True when this process alone reads and writes the state (memory); false when other replicas
   * share it (Redis), so what this process remembers of it may be out of date.
   */
  readonly local: boolean
  collection<T>(name: string, options?: CollectionOptions): Collection<T>
  list<T>(name: string, maxLength: number, options?: ListOptions): List<T>
  counter(name: string): Counter
  /** A clock's state (frozen or running, and where), changed in one step. */
  timeLine(name: string): TimeLine
  /**
   * Runs `step` as one transition on the state, atomic across replicas: its writes are stored all
   * together or not at all, and only if what it read is unchanged when they are (optimistic, like
   * WATCH/MULTI); otherwise it runs again. So `step` has no effect but its writes (drawing ids is
   * fine), and what it throws is thrown with nothing written.
   */
  atomically<R>(step: (tx: Transaction) => Promise<R>): Promise<R>
  /** Runs `fn` holding the named lock: no other holder, in this process or another replica, runs meanwhile. */
  withLock<R>(name: string, fn: () => Promise<R>): Promise<R>
  /** Resolves when the store answers; rejects with a StoreUnavailableError when it cannot be reached. */
  ping(): Promise<void>
  /** Drops every expired record now (the memory store also does this on a timer). */
  sweep(): Promise<number>
  /** Drops everything: records, lists and counters (for every replica, on a shared store). */
  clear(): Promise<void>
  close(): Promise<void>
}

/** The shared store cannot be reached: the request that needed it is answered 503, nothing is half-done on purpose. */
export class StoreUnavailableError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}

/** A counter in this process's memory (the memory store's, and a clock's when no store is given). */
export function localCounter (): Counter {
  let value = 0
  return {
    get: async () => value,
    add: async (delta) => (value += delta),
    async set (next) { value = next }
  }
}

export interface MemoryStoreOptions {
  now: () => number
  /** Records per collection; beyond it the oldest 1% are dropped, oldest first. */
  maxEntries?: number
  /** Real-time milliseconds between sweeps of expired records; 0 turns the timer off. */
  sweepIntervalMs?: number
}

/**
 * MAX_RECORDS' default. A record lives until it expires or until this many newer ones of its kind
 * push it out, so a load test needs it above the flows it keeps in flight at once, not above its
 * rate; what a full store costs in RSS at this cap and above is in docs/performance.md.
 */
export const DEFAULT_MAX_ENTRIES = 10_000
export const DEFAULT_SWEEP_INTERVAL_MS = 30_000

interface Entry { value: unknown, expiresAt: number }

// version: bumped by every change, so a transaction sees whether a list it read has changed.
interface ListState { items: unknown[], sizes: number[], bytes: number, version: number }

const empty = (list: ListState): void => {
  list.version++
  list.items.length = 0
  list.sizes.length = 0
  list.bytes = 0
}

export function createMemoryStore (options: MemoryStoreOptions): Store {
  const { now, maxEntries = DEFAULT_MAX_ENTRIES, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS } = options
  const maps = new Map<string, Map<string, Entry>>()
  // sizes[i] is items[i]'s JSON in bytes, kept only for lists with a byte budget.
  const lists = new Map<string, ListState>()
  // The lists of each group, pushed to least recently first.
  const groups = new Map<string, Set<string>>()
  const counters = new Map<string, Counter>()
  const timeLines = new Map<string, TimeLine>()
  // One promise chain per lock name: each holder starts when the one before it has finished.
  const locks = new Map<string, Promise<unknown>>()
  const caps = new Map<string, number>()
  const mapOf = (name: string): Map<string, Entry> => {
    let map = maps.get(name)
    if (map === undefined) maps.set(name, map = new Map())
    return map
  }
  // One pass drops the oldest 1%: finding the first live key of a Map costs a scan over the
  // slots already deleted at its front, so evicting one record per insert grows slow at the cap.
  const evictOldest = (map: Map<string, Entry>, cap: number): void => {
    const keys = map.keys()
    for (let i = Math.max(1, Math.ceil(cap / 100)); i > 0; i--) map.delete(keys.next().value as string)
  }
  // A group's lists beyond `cap` go 1% of the cap at a time, least recently pushed first; 0 drops them all.
  const dropLists = (members: Set<string>, cap: number): void => {
    const doomed = cap === 0 ? [...members] : [...members].slice(0, members.size - cap + Math.floor(cap / 100))
    for (const name of doomed) {
      members.delete(name)
      lists.delete(name)
    }
  }
  // A push into a list of a group makes it the group's most recent, and may push the least recent out.
  const touch = (group: string | undefined, name: string): void => {
    if (group === undefined) return
    let members = groups.get(group)
    if (members === undefined) groups.set(group, members = new Set())
    members.delete(name)
    members.add(name)
    if (members.size > maxEntries) dropLists(members, maxEntries)
  }
  const putInto = (name: string, key: string, value: unknown, expiresAt: number): void => {
    const map = mapOf(name)
    const cap = caps.get(name) ?? maxEntries
    map.delete(key)
    map.set(key, { value, expiresAt })
    if (map.size > cap) evictOldest(map, cap)
  }
  const listOf = (name: string): ListState => {
    let state = lists.get(name)
    if (state === undefined) lists.set(name, state = { items: [], sizes: [], bytes: 0, version: 0 })
    return state
  }
  const dropOldest = (list: ListState, count: number): void => {
    list.version++
    list.items.splice(0, count)
    for (const size of list.sizes.splice(0, count)) list.bytes -= size
  }
  const pushInto = (list: ListState, item: unknown, size: number, maxLength: number): void => {
    list.version++
    list.items.push(item)
    list.sizes.push(size)
    list.bytes += size
    if (list.items.length > maxLength) dropOldest(list, list.items.length - maxLength + Math.floor(maxLength / 100))
  }
  const live = (map: Map<string, Entry>, key: string): Entry | undefined => {
    const entry = map.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt > now()) return entry
    map.delete(key)
    return undefined
  }

  const sweep = async (): Promise<number> => {
    const at = now()
    let dropped = 0
    for (const map of maps.values()) {
      for (const [key, entry] of map) {
        if (entry.expiresAt <= at) {
          map.delete(key)
          dropped++
        }
      }
    }
    return dropped
  }
  const timer = sweepIntervalMs > 0 ? setInterval(() => { sweep().catch(() => {}) }, sweepIntervalMs) : undefined
  timer?.unref()

  return {
    local: true,
    collection<T>(name: string, options: CollectionOptions = {}): Collection<T> {
      const map = mapOf(name)
      caps.set(name, maxEntries * (options.capScale ?? 1))
      const put = async (key: string, value: T, expiresAtMs: number): Promise<void> => putInto(name, key, value, expiresAtMs)
      return {
        put,
        async add (key, value, expiresAtMs) {
          if (live(map, key) !== undefined) return false
          await put(key, value, expiresAtMs)
          return true
        },
        get: async (key) => live(map, key)?.value as T | undefined,
        async take (key) {
          const entry = live(map, key)
          map.delete(key)
          return entry?.value as T | undefined
        },
        delete: async (key) => live(map, key) !== undefined && map.delete(key),
        size: async () => map.size
      }
    },
    list<T>(name: string, maxLength: number, options: ListOptions = {}): List<T> {
      const { maxBytes = Infinity, group } = options
      type State = Omit<ListState, 'items'> & { items: T[] }
      // A list of a group exists from its first push until it is cleared or pushed out; a read makes none.
      if (group === undefined) listOf(name)
      const nothing: State = { items: [], sizes: [], bytes: 0, version: 0 }
      const current = (): State => (lists.get(name) as State | undefined) ?? nothing
      const budgeted = maxBytes !== Infinity
      const sizeOf = (item: T): number => budgeted ? Buffer.byteLength(JSON.stringify(item)) : 0
      return {
        async push (item) {
          touch(group, name)
          const list = listOf(name)
          pushInto(list, item, sizeOf(item), maxLength)
          let over = 0
          for (let bytes = list.bytes; bytes > maxBytes && over < list.items.length - 1; over++) bytes -= list.sizes[over]!
          if (over > 0) dropOldest(list, over)
        },
        items: async () => [...current().items],
        last: async (count) => current().items.slice(-count),
        async takeFirst (match, next) {
          const list = current()
          const index = list.items.findIndex(match)
          if (index === -1) return undefined
          const found = list.items[index]!
          const replacement = next(found)
          list.version++
          list.bytes -= list.sizes[index]!
          if (replacement === undefined) {
            list.items.splice(index, 1)
            list.sizes.splice(index, 1)
          } else {
            list.items[index] = replacement
            list.sizes[index] = sizeOf(replacement)
            list.bytes += list.sizes[index]
          }
          return found
        },
        async clear () {
          if (group === undefined) empty(listOf(name))
          else {
            lists.delete(name)
            groups.get(group)?.delete(name)
          }
        }
      }
    },
    counter (name) {
      // Made by its first write, as on Redis: reading a counter of each user who ever signed in keeps nothing.
      const made = (): Counter => {
        let counter = counters.get(name)
        if (counter === undefined) counters.set(name, counter = localCounter())
        return counter
      }
      return {
        get: async () => (await counters.get(name)?.get()) ?? 0,
        add: (delta) => made().add(delta),
        set: (value) => made().set(value)
      }
    },
    timeLine (name) {
      let timeLine = timeLines.get(name)
      if (timeLine === undefined) timeLines.set(name, timeLine = localTimeLine())
      return timeLine
    },
    async atomically (step) {
      for (let tries = 0; tries < TRANSACTION_TRIES; tries++) {
        // What was read, as it was: a record's entry (a put replaces it), a list's version.
        const unchanged: Array<() => boolean> = []
        const writes: Array<() => void> = []
        const tx: Transaction = {
          async get (name, key) {
            const map = mapOf(name)
            const entry = map.get(key)
            unchanged.push(() => map.get(key) === entry)
            return entry !== undefined && entry.expiresAt > now() ? entry.value as never : undefined
          },
          // A list never pushed to is not made by reading it (a request reads its route's faults).
          async items (name) {
            const list = lists.get(name)
            const version = list?.version
            // The same list, unchanged: a list of a group pushed out and made again is another.
            unchanged.push(() => lists.get(name) === list && list?.version === version)
            return list === undefined ? [] : [...list.items] as never[]
          },
          put (name, key, value, expiresAtMs) { writes.push(() => putInto(name, key, value, expiresAtMs)) },
          delete (name, key) { writes.push(() => mapOf(name).delete(key)) },
          push (name, maxLength, item, options = {}) {
            writes.push(() => {
              touch(options.group, name)
              pushInto(listOf(name), item, 0, maxLength)
            })
          },
          // A cleared list is gone, as on Redis: a route's fault list or a user's pair list leaves nothing behind.
          clear (name) {
            writes.push(() => {
              lists.delete(name)
              for (const members of groups.values()) members.delete(name)
            })
          }
        }
        const result = await step(tx)
        if (unchanged.every((same) => same())) {
          for (const write of writes) write()
          return result
        }
      }
      throw transactionGaveUp('the memory store')
    },
    async withLock (name, fn) {
      const before = locks.get(name) ?? Promise.resolve()
      const run = before.then(fn, fn)
      const done = run.then(() => {}, () => {})
      locks.set(name, done)
      // The last holder leaves no chain behind.
      done.then(() => { if (locks.get(name) === done) locks.delete(name) }, () => {})
      return run
    },
    ping: async () => {},
    sweep,
    async clear () {
      for (const map of maps.values()) map.clear()
      for (const members of groups.values()) dropLists(members, 0)
      for (const list of lists.values()) empty(list)
      for (const counter of counters.values()) await counter.set(0)
      for (const timeLine of timeLines.values()) await timeLine.clear()
    },
    async close () {
      clearInterval(timer)
      maps.clear()
      lists.clear()
      groups.clear()
      counters.clear()
      timeLines.clear()
    }
  }
}
