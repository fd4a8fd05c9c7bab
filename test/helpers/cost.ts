import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'

/**
 * What one request costs the sandbox: the CPU this process spent while it was answered (user +
 * system, so garbage collection and the journal's write count too) and the size of the answer.
 * CPU, not wall-clock time: a loaded machine makes a request slower, not costlier.
 */
export interface Cost { cpuMs: number, bytes: number, response: LightMyRequestResponse }

export async function cost (app: FastifyInstance, request: InjectOptions): Promise<Cost> {
  const before = process.cpuUsage()
  const response = await app.inject(request)
  const spent = process.cpuUsage(before)
  return { cpuMs: (spent.user + spent.system) / 1000, bytes: response.rawPayload.length, response }
}

/** CPU one request may cost at most, at the body limit: a normal one costs about 1 ms; generous, for a loaded machine. */
export const CPU_BUDGET_MS = 100

/** The biggest JSON body the sandbox takes (64 KiB), less room for the parts around `fill`. */
export const NEAR_LIMIT = 64 * 1024 - 200

/** `head` + as many copies of `unit` (comma-separated) as fit under `size` characters + `tail`. */
export function filled (head: string, unit: string, tail: string, size = NEAR_LIMIT): string {
  const count = Math.max(0, Math.floor((size - head.length - tail.length) / (unit.length + 1)))
  return head + Array(count).fill(unit).join(',') + tail
}
