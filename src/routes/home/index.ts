import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { SandboxContext } from '../../context.js'
import { bindingOf, injector } from '../../http/binding.js'
import { ErrorEnvelope, ValidationEnvelope } from '../../errors.js'
import { callbackPage, demoProblemPage, homePage } from '../../views/home.js'
import { pageFailure, sendPage } from '../../http/pages.js'
import { DEMO_CALLBACK, answerText, basicAuth, callProvider, callbackUri, demoClient, headlessScript } from './demo.js'

/**
 * The sandbox's own pages for people: `GET /` (what this is, the clients, the personas, every
 * surface) and a built-in demo merchant: `POST /demo/sign-in` starts a real sign-in, `GET
 * /demo/callback` exchanges the code and shows what a merchant's server would now hold. Same
 * headers as the login pages, no script, everything escaped.
 */
const pages: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(formbody)
  await app.register(helmet, { global: false })
  // The pages may post to themselves and lead (through the login page) back to the callback.
  const formTargets = (sandbox: SandboxContext) => ({ redirect_uri: callbackUri(sandbox) })
  const problem = (reply: Parameters<typeof sendPage>[0], status: number, title: string, message: string) =>
    sendPage(reply, status, demoProblemPage(title, message), formTargets(reply.request.sandbox))

  app.setErrorHandler(async (error, request, reply) => {
    const { status, title, message } = pageFailure(error, request, 'start page',
      { title: 'Cannot read the request', message: 'The request arrived in a shape this page cannot read.' })
    return problem(reply, status, title, message)
  })

  app.get('/', {
    schema: { summary: 'The start page (HTML): the clients, the personas, every surface, and a "try a sign-in" button', tags: ['home'] }
  }, async (request, reply) => {
    const { sandbox } = request
    // The users of users.json, as provisioning may have changed them.
    const personas = (await Promise.all(sandbox.fixtures.users.map((user) => sandbox.users.get(user.id)))).filter((user) => user !== undefined)
    return sendPage(reply, 200, homePage({
      publicUrl: sandbox.publicUrl(),
      demo: demoClient(sandbox),
      clients: sandbox.clients.all(),
      personas,
      controlToken: sandbox.config.sandboxToken !== undefined
    }), formTargets(sandbox))
  })

  app.post('/demo/sign-in', {
    schema: { summary: 'Start a real sign-in for the demo client (Demo Shop): a 303 to its login page', tags: ['home'] }
  }, async (request, reply) => {
    const { sandbox } = request
    const demo = demoClient(sandbox)
    const inject = injector(app, bindingOf(request))
    if (demo === undefined) return problem(reply, 404, 'Nothing to try', 'These fixtures have no client that accepts the built-in callback.')
    const link = await callProvider(inject, 'POST', '/api/v1/oauth/authorize', basicAuth(demo), { redirect_uri: callbackUri(sandbox), grants: demo.grants })
    const target = (link.body as { redirect_uri?: unknown } | null)?.redirect_uri
    if (link.status !== 200 || typeof target !== 'string') {
      return problem(reply, 502, 'No login link', `POST /api/v1/oauth/authorize answered ${answerText(link)}`)
    }
    return reply.redirect(target, 303)
  })

  app.get(DEMO_CALLBACK, {
    schema: {
      summary: 'The demo\'s callback (HTML): exchanges the code, reads the user, shows both and the curl that does the same',
      tags: ['home'],
      querystring: Type.Object({ authorization_code: Type.Optional(Type.String()), error_code: Type.Optional(Type.String()) })
    }
  }, async (request, reply) => {
    const { sandbox } = request
    const { authorization_code: code, error_code: errorCode } = request.query
    const demo = demoClient(sandbox)
    const inject = injector(app, bindingOf(request))
    if (demo === undefined) return problem(reply, 404, 'Nothing to try', 'These fixtures have no client that accepts the built-in callback.')
    if (code === undefined) {
      return errorCode === undefined
        ? problem(reply, 400, 'No code', 'The callback came without an authorization_code.')
        : problem(reply, 200, 'Not signed in', `The sign-in was cancelled: error_code ${errorCode} (the user denied access).`)
    }
    const record = await sandbox.codes.find(code, demo.client.client_id)
    if (record === undefined) {
      // Unknown, used (a reload) or expired: Freedom ID's own words for it.
      const refused = await callProvider(inject, 'POST', '/api/v1/oauth/token', basicAuth(demo), { authorization_code: code })
      return problem(reply, 400, 'The code was refused', `POST /api/v1/oauth/token answered ${answerText(refused)}`)
    }
    // Only codes of the demo's own sign-ins: a code another merchant's callback should get is never spent here.
    if ((await sandbox.tracks.find(record.track_id))?.redirect_uri !== callbackUri(sandbox)) {
      return problem(reply, 400, 'Not this page\'s code', 'This authorization_code was issued for another redirect_uri; it is left unused for it.')
    }
    const tokens = await callProvider(inject, 'POST', '/api/v1/oauth/token', basicAuth(demo), { authorization_code: code })
    if (tokens.status !== 200) return problem(reply, 502, 'No token pair', `POST /api/v1/oauth/token answered ${answerText(tokens)}`)
    const accessToken = (tokens.body as { access_token: string }).access_token
    const user = await callProvider(inject, 'GET', '/api/v1/oauth/user', `Bearer ${accessToken}`)
    if (user.status !== 200) return problem(reply, 502, 'No user data', `GET /api/v1/oauth/user answered ${answerText(user)}`)
    return sendPage(reply, 200, callbackPage({
      client: demo.client,
      code,
      tokens: tokens.body,
      user: user.body,
      script: headlessScript(sandbox, demo, record.user_id)
    }), formTargets(sandbox))
  })
}

/** The receiver behind the bundled client "Demo Shop (revoke_uri)": its revoke_uri is this path. */
const revokeReceiver: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/demo/revoke', {
    schema: {
      summary: 'A revoke_uri receiver: what a merchant answers when Freedom ID tells it a session ended (204)',
      description: 'The bundled client "Demo Shop (revoke_uri)" has revoke_uri /demo/revoke, so POST /__sandbox/users/:user/logout shows a real delivery.',
      tags: ['home'],
      body: Type.Object({ id: Type.String({ minLength: 1, description: 'The token id' }) }),
      response: { 204: Type.Null(), 400: ErrorEnvelope, 422: ValidationEnvelope }
    }
  }, async (_request, reply) => reply.code(204).send(null))
}

export const homeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(pages)
  await app.register(revokeReceiver)
}
