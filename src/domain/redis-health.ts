/**
 * Redis trouble in plain words, and an outage told once: a warning when Redis goes away, a line
 * when it is back, however many requests failed in between (each of those answers 503 and its
 * request line says why in the same words).
 */

/** What the store's caller logs an outage with (the app's logger). */
export interface OutageLog {
  warn(message: string): void
  info(message: string): void
}

const CONNECTION_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the host'
}

// Redis's own refusals, by the first word of its error reply.
const REFUSALS: Record<string, string> = {
  OOM: 'refused the write: out of memory (maxmemory)',
  READONLY: 'refused the write: it is a read-only replica',
  MISCONF: 'refused the write: it cannot save its snapshots to disk (MISCONF)',
  NOAUTH: 'needs a password: give it in the URL, redis://:password@host',
  WRONGPASS: 'refused the user name or password',
  LOADING: 'is still loading its data set',
  BUSY: 'is busy running a script',
  NOPERM: 'refused the command: the user lacks the permission (ACL)'
}

/** The ioredis messages that mean "no connection", whatever the cause. */
const NO_CONNECTION = /^(Stream isn't writeable|Connection is closed)/

/**
 * What went wrong, as the rest of a sentence starting "Redis at <url> ": "is not reachable
 * (connection refused)", "did not answer within 1000 ms", "refused the write: out of memory
 * (maxmemory)". `connectionError` is the last error the connection itself reported: a command
 * refused for want of a connection says only that there is none.
 */
export function redisProblem (error: unknown, connectionError: Error | undefined, commandTimeoutMs: number): string {
  const { message = '', code } = error as { message?: string, code?: string }
  const cause = CONNECTION_CAUSES[code ?? ''] ??
    (NO_CONNECTION.test(message) ? CONNECTION_CAUSES[(connectionError as { code?: string } | undefined)?.code ?? ''] ?? 'the connection was lost' : undefined)
  if (cause !== undefined) return `is not reachable (${cause})`
  if (message === 'Command timed out') return `did not answer within ${commandTimeoutMs} ms`
  const refusal = REFUSALS[/^[A-Z]+/.exec(message)?.[0] ?? '']
  if (refusal !== undefined) return refusal
  const line = message.split('\n')[0]!.slice(0, 200)
  return `failed: ${line === '' ? String(error) : line}`
}

export interface OutageWatch {
  /** A command failed: the first failure of an outage is logged, the rest are not. */
  failed(problem: string): void
  /** The connection is ready again: look now rather than at the next probe. */
  ready(): void
  close(): void
}

/** Real-time milliseconds between probes while Redis is away. */
export const PROBE_INTERVAL_MS = 500

/**
 * While Redis is away, `probe` (a small write: a refused write is an outage too) runs every
 * PROBE_INTERVAL_MS; the first that passes ends the outage, logged with how long it lasted.
 */
export function watchOutages (where: string, log: OutageLog, probe: () => Promise<unknown>, realNow: () => number = Date.now): OutageWatch {
  let since: number | undefined
  let timer: NodeJS.Timeout | undefined
  let probing = false
  let closed = false
  const look = (): void => {
    if (probing || since === undefined || closed) return
    clearTimeout(timer)
    probing = true
    probe().then(() => {
      const seconds = ((realNow() - since!) / 1000).toFixed(1)
      since = undefined
      log.info(`Redis at ${where} is back after ${seconds} s`)
    }, () => {}).finally(() => {
      probing = false
      if (since !== undefined && !closed) timer = setTimeout(look, PROBE_INTERVAL_MS).unref()
    })
  }
  return {
    failed (problem) {
      if (since !== undefined || closed) return
      since = realNow()
      log.warn(`Redis at ${where} ${problem}; retrying, and answering 503 meanwhile`)
      timer = setTimeout(look, PROBE_INTERVAL_MS).unref()
    },
    ready: look,
    close () {
      closed = true
      clearTimeout(timer)
    }
  }
}
