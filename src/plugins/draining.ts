import type { Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Lifecycle } from '../context.js'
import { errorReply } from '../errors.js'
import { sendJson } from './error-handler.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Real milliseconds a close with clients connected goes on answering the 503 before it stops
     * listening: 0 unless the closer sets it (the CLI's shutdown sets KEEP_ALIVE_GRACE_MS), so a
     * test that closes its in-process sandbox does not wait for its own kept-alive fetch sockets.
     */
    keepAliveGraceMs: number
  }
}

/**
 * Real milliseconds a closing server with clients connected goes on accepting and answering
 * before it stops listening, when a SIGTERM stops it. Node's close() destroys the kept-alive connections idle at that
 * instant, and resets those the kernel accepted but Node had not yet: a client whose next request
 * was on its way got a reset. In the grace every request gets the 503 with `Connection: close`,
 * so clients let go first. Not cut short when the last connection goes: a client's next one may
 * be a moment away.
 */
export const KEEP_ALIVE_GRACE_MS = 250

const connections = (server: Server) => new Promise<number>((resolve) => {
  server.getConnections((_error, count) => resolve(count))
})

/** A sandbox starts closing: from now on it answers 503; with clients connected, it waits `graceMs` before its server stops listening. */
export async function startDraining (lifecycle: Lifecycle, server: Server, graceMs: number): Promise<void> {
  lifecycle.closing = true
  if (graceMs > 0 && server.listening && await connections(server) > 0) await sleep(graceMs)
}

/**
 * While a sandbox closes: requests that arrive answer 503 in the provider's envelope, and every
 * answer says `Connection: close`, so keep-alive clients let go instead of holding the exit up.
 */
async function draining (app: FastifyInstance): Promise<void> {
  app.decorate('keepAliveGraceMs', 0)
  // Callback hooks: on every ordinary request they cost a flag check, not a promise.
  const shuttingDown = errorReply('shuttingDown')
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.sandbox.lifecycle.closing) return done()
    sendJson(reply.header('connection', 'close'), shuttingDown.status, shuttingDown.body)
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.sandbox.lifecycle.closing) reply.header('connection', 'close')
    done(null, payload)
  })
}

export default fp(draining, { name: 'draining', fastify: '5.x' })
