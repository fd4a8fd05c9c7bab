/**
 * Where the sandbox keeps its state. Every method is async so that a shared store (Redis) can sit
 * behind the same interface. Records are plain JSON values; callers never mutate one after `put`.
 * Expiry is on the sandbox clock: a record is gone once `now() >= expiresAt`.
 */
export interface Collection<T> {
  put(key: string, value: T, expiresAtMs: number): Promise<void>
  get(key: string): Promise<T | undefined>
  /** Gets and deletes in one step: what single-use records (codes) are redeemed with. */
  take(key: string): Promise<T | undefined>
  delete(key: string): Promise<boolean>
  size(): Promise<number>
}

/** A bounded list, oldest first: beyond its length the oldest 1% go at once (cheaper than one by one). */
export interface List<T> {
  push(item: T): Promise<void>
  items(): Promise<T[]>
  /**
   * Finds the first item that matches and replaces it with `next(item)`, or removes it when
   * that is undefined, in one step (a fault consumed once per request); answers the item found.
   */
  takeFirst(match: (item: T) => boolean, next: (item: T) => T | undefined): Promise<T | undefined>
  clear(): Promise<void>
}

export interface Store {
  collection<T>(name: string): Collection<T>
  list<T>(name: string, maxLength: number): List<T>
  /** Drops every expired record now (the memory store also does this on a timer). */
  sweep(): Promise<number>
  clear(): Promise<void>
  close(): Promise<void>
}

export interface MemoryStoreOptions {
  now: () => number
  /** Records per collection; beyond it the oldest 1% are dropped, oldest first. */
  maxEntries?: number
  /** Real-time milliseconds between sweeps of expired records; 0 turns the timer off. */
  sweepIntervalMs?: number
}

export const DEFAULT_MAX_ENTRIES = 100_000
export const DEFAULT_SWEEP_INTERVAL_MS = 30_000

interface Entry { value: unknown, expiresAt: number }

export function createMemoryStore (options: MemoryStoreOptions): Store {
  const { now, maxEntries = DEFAULT_MAX_ENTRIES, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS } = options
  const maps = new Map<string, Map<string, Entry>>()
  const lists = new Map<string, unknown[]>()
  const mapOf = (name: string): Map<string, Entry> => {
    let map = maps.get(name)
    if (map === undefined) maps.set(name, map = new Map())
    return map
  }
  // One pass drops the oldest 1%: finding the first live key of a Map costs a scan over the
  // slots already deleted at its front, so evicting one record per insert grows slow at the cap.
  const evictCount = Math.max(1, Math.ceil(maxEntries / 100))
  const evictOldest = (map: Map<string, Entry>): void => {
    const keys = map.keys()
    for (let i = 0; i < evictCount; i++) map.delete(keys.next().value as string)
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
    collection<T>(name: string): Collection<T> {
      const map = mapOf(name)
      return {
        async put (key, value, expiresAtMs) {
          map.delete(key)
          map.set(key, { value, expiresAt: expiresAtMs })
          if (map.size > maxEntries) evictOldest(map)
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
    list<T>(name: string, maxLength: number): List<T> {
      let items = lists.get(name) as T[] | undefined
      if (items === undefined) lists.set(name, items = [])
      const list = items
      return {
        async push (item) {
          list.push(item)
          if (list.length > maxLength) list.splice(0, list.length - maxLength + Math.floor(maxLength / 100))
        },
        items: async () => [...list],
        async takeFirst (match, next) {
          const index = list.findIndex(match)
          if (index === -1) return undefined
          const found = list[index]!
          const replacement = next(found)
          if (replacement === undefined) list.splice(index, 1)
          else list[index] = replacement
          return found
        },
        async clear () { list.length = 0 }
      }
    },
    sweep,
    async clear () {
      for (const map of maps.values()) map.clear()
      for (const list of lists.values()) list.length = 0
    },
    async close () {
      clearInterval(timer)
      maps.clear()
      lists.clear()
    }
  }
}
