import type { FastifyInstance } from 'fastify'
import type { Teardown } from './app.js'
import { testApp } from './app.js'
import { uniquePrefix, type RedisServer } from './redis.js'

/**
 * A race harness: many rounds of two requests fired at once, each at its own replica (two
 * buildApp instances on one Redis, as two processes behind a balancer would be), each round on
 * fresh state, then a judge that says what is wrong with the outcome, if anything.
 */

export interface Replicas { a: FastifyInstance, b: FastifyInstance }

/** Two sandboxes sharing one Redis under a fresh prefix, closed when the test ends; no journal (fewer commands per round). */
export async function replicas (t: Teardown, redis: RedisServer): Promise<Replicas> {
  const storePrefix = uniquePrefix('race')
  const [a, b] = await Promise.all([0, 1].map(async () => (await testApp(t, { logLevel: 'silent', journal: 'off', store: redis.url, storePrefix })).app))
  return { a: a!, b: b! }
}

export interface Round<S, A, B> {
  /** Fresh state for round `i`, made before the race starts. */
  setup: (i: number) => Promise<S>
  /** The two contenders, started together (on even rounds the first one first, on odd ones the other). */
  first: (state: S) => Promise<A>
  second: (state: S) => Promise<B>
  /** Undefined when the outcome is consistent (one winner, the end state matching it), otherwise what is wrong. */
  judge: (state: S, first: A, second: B) => Promise<string | undefined>
}

export interface RaceOutcome {
  tries: number
  /** Rounds the judge found wrong. */
  broken: number
  /** What the judge said of the first few broken rounds. */
  examples: string[]
}

/** Rounds `parallel` at a time: enough to keep the run short, few enough that each round is a race of two. */
export async function race<S, A, B> (round: Round<S, A, B>, tries = 200, parallel = 16): Promise<RaceOutcome> {
  const outcome: RaceOutcome = { tries, broken: 0, examples: [] }
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < tries; i = next++) {
      const state = await round.setup(i)
      // Either one sent first, round by round: each order gets its chance to interleave.
      const [first, second] = i % 2 === 0
        ? await Promise.all([round.first(state), round.second(state)])
        : (await Promise.all([round.second(state), round.first(state)])).reverse() as [A, B]
      const wrong = await round.judge(state, first, second)
      if (wrong === undefined) continue
      outcome.broken++
      if (outcome.examples.length < 3) outcome.examples.push(wrong)
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  return outcome
}

/** "3/200 broken: why, why" for a test's message. */
export const describe = (outcome: RaceOutcome): string =>
  `${outcome.broken}/${outcome.tries} broken${outcome.examples.length > 0 ? `: ${outcome.examples.join('; ')}` : ''}`
