import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// A full collection on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

const turn = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve) })

// Between collections the loop turns: tap's async hooks let go of a collected promise only then.
async function settledHeap (): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collect()
    await turn()
  }
  return process.memoryUsage().heapUsed
}

/**
 * The heap each value `make` answers keeps alive, in bytes: `count` of them are held at once
 * between two full collections (in an array made before the first), the median of five rounds,
 * as the process allocates and frees other things meanwhile (a few hundred KB a round, so hold
 * 20,000 to read each value to within about 10 bytes). An allocation measure, not a timing:
 * what a speed trick saves in memory stays the same on a loaded machine.
 */
const ROUNDS = 5

export async function retainedBytesEach (count: number, make: (i: number) => unknown): Promise<number> {
  const kept: unknown[] = new Array(count)
  // Warmed up first, so what compiling `make` keeps (bytecode, inline caches) is not counted.
  for (let i = 0; i < 100; i++) kept[i] = await make(i)
  const rounds: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    kept.fill(undefined)
    const before = await settledHeap()
    for (let i = 0; i < count; i++) kept[i] = await make(i)
    rounds.push((await settledHeap() - before) / count)
  }
  return rounds.sort((a, b) => a - b)[ROUNDS >> 1]!
}
