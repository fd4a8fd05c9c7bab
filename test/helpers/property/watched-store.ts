import { createMemoryStore, type Collection, type CollectionOptions, type List, type ListOptions, type Store } from '../../../src/domain/store.js'

export interface Watch { writes: number, last: string }

/**
 * The memory store, counting every write a request makes (puts, used-up records, deletes,
 * clears), so "a rejected request changes nothing" can be checked exactly. The journal's own
 * entries are not state: it records every request by design. No sweep timer: expiry stays on the clock.
 */
export function watchedStore (now: () => number): { store: Store, watch: Watch } {
  const inner = createMemoryStore({ now, sweepIntervalMs: 0 })
  const watch: Watch = { writes: 0, last: '' }
  const wrote = (what: string) => { watch.writes++; watch.last = what }
  const store: Store = {
    local: true,
    collection<T>(name: string, options?: CollectionOptions): Collection<T> {
      const c = inner.collection<T>(name, options)
      return {
        put: (key, value, at) => { wrote(`put ${name} ${key}`); return c.put(key, value, at) },
        async add (key, value, at) {
          const added = await c.add(key, value, at)
          if (added) wrote(`add ${name} ${key}`)
          return added
        },
        get: (key) => c.get(key),
        async take (key) {
          const value = await c.take(key)
          if (value !== undefined) wrote(`take ${name} ${key}`)
          return value
        },
        async delete (key) {
          const deleted = await c.delete(key)
          if (deleted) wrote(`delete ${name} ${key}`)
          return deleted
        },
        size: () => c.size()
      }
    },
    list<T>(name: string, maxLength: number, options?: ListOptions): List<T> {
      const l = inner.list<T>(name, maxLength, options)
      return {
        push: (item) => { if (name !== 'journal') wrote(`push ${name}`); return l.push(item) },
        items: () => l.items(),
        last: (count) => l.last(count),
        async takeFirst (match, next) {
          const found = await l.takeFirst(match, next)
          if (found !== undefined) wrote(`change ${name}`)
          return found
        },
        clear: () => { wrote(`clear ${name}`); return l.clear() }
      }
    },
    counter (name) {
      const c = inner.counter(name)
      // The journal numbers every request by design; any other counter (the seeded id sequence) is state.
      const counted = name !== 'journal-ids'
      return {
        get: () => c.get(),
        add: (delta) => { if (counted) wrote(`add to ${name}`); return c.add(delta) },
        set: (value) => { if (counted) wrote(`set ${name}`); return c.set(value) }
      }
    },
    timeLine (name) {
      const l = inner.timeLine(name)
      return {
        get: () => l.get(),
        async change (change, step) {
          const next = await l.change(change, step)
          if (next !== undefined) wrote(`change ${name}`)
          return next
        },
        clear: () => { wrote(`clear ${name}`); return l.clear() }
      }
    },
    // Counted once stored: the writes of a run that met a change, or threw, are not.
    async atomically (step) {
      let staged: string[] = []
      const result = await inner.atomically(async (tx) => {
        staged = []
        return step({
          get: (name, key) => tx.get(name, key),
          items: (name) => tx.items(name),
          put (name, key, value, at) { staged.push(`put ${name} ${key}`); tx.put(name, key, value, at) },
          delete (name, key) { staged.push(`delete ${name} ${key}`); tx.delete(name, key) },
          push (name, maxLength, item, options) { staged.push(`push ${name}`); tx.push(name, maxLength, item, options) },
          clear (name) { staged.push(`clear ${name}`); tx.clear(name) }
        })
      })
      for (const what of staged) wrote(what)
      return result
    },
    withLock: (name, fn) => inner.withLock(name, fn),
    ping: () => inner.ping(),
    sweep: () => inner.sweep(),
    clear: () => { wrote('clear the store'); return inner.clear() },
    close: () => inner.close()
  }
  return { store, watch }
}
