import t from 'tap'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { startStack } from '../e2e/stack.js'

// The probes' changes to a code (a tampered id_token, PKCE unbound, expired) on the shared store:
// the example merchant refuses them as in memory, which it could not if the change were lost
// (an honest code signs it in).

t.test('on Redis, the probes that change a code give the same verdicts as in memory', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const stack = await startStack(t, { store: redis.url, storePrefix: uniquePrefix('probes') })
  const report = await stack.sandbox.probe({
    start: `${stack.merchantUrl}/oidc/login`,
    signedIn: `${stack.merchantUrl}/profile`,
    only: ['expired-code', 'oidc.id-token.alg-none', 'oidc.id-token.wrong-nonce', 'oidc.pkce']
  })
  t.equal(report.problem, undefined)
  t.same(report.probes.map((probe) => [probe.id, probe.seen]), [
    ['expired-code', 'server_error'],
    ['oidc.id-token.wrong-nonce', 'refused'],
    ['oidc.id-token.alg-none', 'refused'],
    ['oidc.pkce', 'server_error']
  ])
})
