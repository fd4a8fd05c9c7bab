// Spawn-to-first-200 of the CLI, what a merchant's test suite waits for before its first call.
import { AUTHORIZE, SANDBOX_ENV, SANDBOX_MAIN, fmt, median, request, spawnServer } from './lib.js'

export const COLD_START_TARGET_MS = 250
const RUNS = 5

// What node itself costs to boot and answer: the floor under the sandbox's figure.
const BARE_SERVER = `require('node:http').createServer((req, res) => {
  req.resume()
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
}).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port) })`

async function firstOk (args, env) {
  const server = spawnServer(args, env)
  try {
    const url = await server.url
    for (let attempt = 0; ; attempt++) {
      try {
        const { status, body } = await request(url, AUTHORIZE)
        if (status !== 200) throw new Error(`answered ${status} ${body}`)
        return performance.now() - server.spawnedAt
      } catch (error) {
        if (error.code !== 'ECONNREFUSED' || attempt >= 200) throw error
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
  } finally {
    await server.stop()
  }
}

/** Alternates sandbox and bare runs so both meet the same disk cache and machine load. */
export async function benchColdStart (runs = RUNS) {
  console.log(`\n# cold start: spawn -> first 200 from POST ${AUTHORIZE.path}, ${runs} runs each`)
  const sandbox = []
  const bare = []
  for (let i = 0; i < runs; i++) {
    sandbox.push(await firstOk([SANDBOX_MAIN], SANDBOX_ENV))
    bare.push(await firstOk(['-e', BARE_SERVER]))
  }
  const result = { sandbox: median(sandbox), bare: median(bare), runs: { sandbox, bare } }
  const list = (values) => values.map((ms) => fmt(ms)).join(', ')
  console.log(`sandbox          ${list(sandbox)} ms  median ${fmt(result.sandbox)} ms  ` +
    `target <= ${COLD_START_TARGET_MS} ms: ${result.sandbox <= COLD_START_TARGET_MS ? 'met' : 'NOT met'}`)
  console.log(`bare node:http   ${list(bare)} ms  median ${fmt(result.bare)} ms  (reference)`)
  return result
}
