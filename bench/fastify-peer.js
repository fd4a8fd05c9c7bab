// The framework's own floor on authorize, the peer the speed issue names ("Fastify with
// basic-auth and a body schema"): Fastify, @fastify/basic-auth and a JSON body schema, answering
// the reference's canned reply. It stores nothing and checks only what those give, so the gap
// from the reference to it is what Fastify costs; the gap from it to the sandbox is the sandbox's
// own work (above all keeping a track per call).
import basicAuth from '@fastify/basic-auth'
import Fastify from 'fastify'

const CLIENT_ID = '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70'
const CLIENT_SECRET = 'demo-shop-secret'

const app = Fastify({ logger: false, keepAliveTimeout: 5_000 })
await app.register(basicAuth, {
  validate (clientId, secret, _request, _reply, done) {
    done(clientId === CLIENT_ID && secret === CLIENT_SECRET ? undefined : new Error('unauthenticated'))
  }
})
const reply = { redirect_uri: '' }
app.post('/api/v1/oauth/authorize', {
  onRequest: app.basicAuth,
  schema: {
    body: {
      type: 'object',
      required: ['redirect_uri', 'grants'],
      properties: {
        redirect_uri: { type: 'string', maxLength: 2048 },
        grants: { type: 'array', minItems: 1, items: { type: 'string', enum: ['read.email', 'read.phone', 'read.profile', 'openid'] } }
      }
    },
    response: { 200: { type: 'object', properties: { redirect_uri: { type: 'string' } } } }
  }
}, async () => reply)
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address()
reply.redirect_uri = `http://localhost:${port}/login?track_id=3f2b6c1e-8d4a-4f7b-9a2e-5c1d0b7e6a94&expire_at=1767225600`
console.log(`Fastify peer listening on http://127.0.0.1:${port}`)
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { app.close().then(() => process.exit(0)) })
