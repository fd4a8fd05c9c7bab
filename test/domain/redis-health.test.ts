import t from 'tap'
import { PROBE_INTERVAL_MS, redisProblem, watchOutages } from '../../src/domain/redis-health.js'

const coded = (code: string, message = `connect ${code} 127.0.0.1:6379`) => Object.assign(new Error(message), { code })
const NO_STREAM = new Error("Stream isn't writeable and enableOfflineQueue options is false")

t.test('Redis trouble in plain words', async (t) => {
  const cases: Array<[unknown, Error | undefined, string]> = [
    [coded('ECONNREFUSED'), undefined, 'is not reachable (connection refused)'],
    [coded('ECONNRESET', 'read ECONNRESET'), undefined, 'is not reachable (the connection was reset)'],
    [coded('ENOTFOUND', 'getaddrinfo ENOTFOUND redis'), undefined, 'is not reachable (no such host)'],
    [coded('ETIMEDOUT', 'connect ETIMEDOUT'), undefined, 'is not reachable (the connection timed out)'],
    [NO_STREAM, coded('EHOSTUNREACH'), 'is not reachable (no route to the host)'],
    [new Error('Connection is closed.'), coded('ECONNREFUSED'), 'is not reachable (connection refused)'],
    [NO_STREAM, undefined, 'is not reachable (the connection was lost)'],
    [NO_STREAM, new Error('something odd'), 'is not reachable (the connection was lost)'],
    [new Error('Command timed out'), undefined, 'did not answer within 1000 ms'],
    [new Error("OOM command not allowed when used memory > 'maxmemory'."), undefined, 'refused the write: out of memory (maxmemory)'],
    [new Error("READONLY You can't write against a read only replica."), undefined, 'refused the write: it is a read-only replica'],
    [new Error('MISCONF Redis is configured to save RDB snapshots'), undefined, 'refused the write: it cannot save its snapshots to disk (MISCONF)'],
    [new Error('NOAUTH Authentication required.'), undefined, 'needs a password: give it in the URL, redis://:password@host'],
    [new Error('WRONGPASS invalid username-password pair or user is disabled.'), undefined, 'refused the user name or password'],
    [new Error('LOADING Redis is loading the dataset in memory'), undefined, 'is still loading its data set'],
    [new Error('BUSY Redis is busy running a script.'), undefined, 'is busy running a script'],
    [new Error("NOPERM User x has no permissions to run the 'set' command"), undefined, 'refused the command: the user lacks the permission (ACL)'],
    [new Error('ERR unknown command \'X\'\nsecond line'), undefined, "failed: ERR unknown command 'X'"],
    [new Error('x'.repeat(300)), undefined, `failed: ${'x'.repeat(200)}`],
    ['a string thrown', undefined, 'failed: a string thrown']
  ]
  for (const [error, connection, words] of cases) t.equal(redisProblem(error, connection, 1000), words, String((error as Error).message ?? error))
})

t.test('an outage is told once; probes end it, and a closed watch tells nothing', async (t) => {
  const lines: string[] = []
  const log = { warn: (m: string) => lines.push(`warn ${m}`), info: (m: string) => lines.push(`info ${m}`) }
  let real = 0
  let answers = false
  let probes = 0
  const watch = watchOutages('redis://h:1/0', log, async () => { probes++; if (!answers) throw new Error('still down') }, () => real)
  watch.ready()
  t.equal(probes, 0, 'ready while up: nothing to look at')
  watch.failed('is not reachable (connection refused)')
  watch.failed('did not answer within 1000 ms')
  t.same(lines, ['warn Redis at redis://h:1/0 is not reachable (connection refused); retrying, and answering 503 meanwhile'])
  await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS * 2 + 100))
  t.ok(probes >= 2, `probed again after a failed probe (${probes})`)
  answers = true
  real = 2345
  watch.ready()
  watch.ready()
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.same(lines.slice(1), ['info Redis at redis://h:1/0 is back after 2.3 s'])

  watch.failed('did not answer within 1000 ms')
  t.equal(lines.length, 3, 'a new outage, told')
  watch.close()
  watch.ready()
  watch.failed('is not reachable (connection refused)')
  const before = probes
  await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS + 100))
  t.equal(probes, before, 'closed: no more probes')
  t.equal(lines.length, 3)

  const late = watchOutages('redis://h:1/0', log, async () => { probes++; late.close(); throw new Error('down') })
  late.failed('is not reachable (connection refused)')
  late.ready()
  await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS + 100))
  t.equal(probes, before + 1, 'closed while probing: the probe is not scheduled again')
})
