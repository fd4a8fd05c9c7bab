import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ERRORS, envelope } from '../errors.js'

/**
 * While the server closes: requests that arrive answer 503 in the provider's envelope, and every
 * answer says `Connection: close`, so keep-alive clients let go instead of holding the exit up.
 */
async function draining (app: FastifyInstance): Promise<void> {
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  // Callback hooks: on every ordinary request they cost a flag check, not a promise.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done()
    reply.code(503).header('connection', 'close').type('application/json; charset=utf-8')
      .serializer((payload) => payload as string)
      .send(JSON.stringify(envelope('Not ready: the sandbox is shutting down.', ERRORS.notReady.code)))
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}

export default fp(draining, { name: 'draining', fastify: '5.x' })
