import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { digest, matchesDigest } from '../../domain/secrets.js'
import { ProviderError } from '../../errors.js'
import { bearerCredential } from '../../http/bearer.js'
import { noStore } from '../../http/guards.js'
import { clockRoutes } from './clock.js'
import { faultRoutes } from './faults.js'
import { journalRoutes } from './journal.js'
import { probeRoutes } from './probes.js'
import { reportRoutes } from './report.js'
import { resetRoutes } from './reset.js'
import { sessionRoutes } from './sessions.js'
import { trackRoutes } from './tracks.js'

/**
 * The control API under `/__sandbox`, for tests that drive the sandbox. With SANDBOX_TOKEN set,
 * every route here needs `Authorization: Bearer <token>`. No answer is kept by a cache: the journal,
 * the report and the sessions carry codes and tokens as they were sent.
 */
export const sandboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.addHook('onRequest', async (request) => {
    const token = request.sandbox.config.sandboxToken
    if (token === undefined) return
    const credential = bearerCredential(request.headers.authorization)
    if (credential === undefined || !matchesDigest(credential, digest(token))) {
      throw new ProviderError('unauthenticated', 'Unauthenticated: the control API needs "Authorization: Bearer <SANDBOX_TOKEN>".', {
        'www-authenticate': 'Bearer realm="freedom-id-sandbox control API"'
      })
    }
  })
  await app.register(clockRoutes)
  await app.register(trackRoutes)
  await app.register(journalRoutes)
  await app.register(reportRoutes)
  await app.register(faultRoutes)
  await app.register(resetRoutes)
  await app.register(sessionRoutes)
  await app.register(probeRoutes)
}
