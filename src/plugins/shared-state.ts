import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** Probes and static assets answer without the store: /health stays up while Redis is gone. */
const WITHOUT_STORE = /^\/(health|ready|openapi\.json|login\/assets\/)/

/**
 * On a shared store, another replica may have moved the clock since this one last looked: every
 * request reads the clock's offset first, so all replicas answer on one time line. (The memory
 * store's clock is this process's alone and never needs it.)
 */
async function sharedState (app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    const { store, clock } = request.sandbox
    if (store.local || WITHOUT_STORE.test(request.url)) return
    await clock.sync()
  })
}

export default fp(sharedState, { name: 'shared-state', fastify: '5.x', })
