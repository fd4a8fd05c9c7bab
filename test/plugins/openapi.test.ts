import t from 'tap'
import { testApp } from '../helpers/app.js'

t.test('an OpenAPI 3.1 document of every route, from the validating schemas', async (t) => {
  const { app } = await testApp(t)
  const res = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const doc = res.json()
  t.equal(doc.openapi, '3.1.0')
  t.equal(doc.info.title, 'freedom-id-sandbox')
  for (const [path, method] of [
    ['/api/v1/oauth/authorize', 'post'], ['/api/v1/oauth/token', 'post'], ['/api/v1/oauth/token', 'patch'], ['/api/v1/oauth/user', 'get'],
    ['/login', 'get'], ['/login/sign-in', 'post'], ['/login/consent', 'get'], ['/login/consent', 'post'], ['/health', 'get'], ['/ready', 'get'],
    ['/__sandbox/clock', 'get'], ['/__sandbox/clock', 'post'], ['/__sandbox/tracks/{track_id}', 'get'], ['/__sandbox/tracks/{track_id}/approve', 'post'],
    ['/__sandbox/requests', 'get'], ['/__sandbox/requests', 'delete'], ['/__sandbox/faults', 'post'], ['/__sandbox/faults', 'get'],
    ['/__sandbox/faults', 'delete'], ['/__sandbox/reset', 'post']
  ]) {
    t.ok(doc.paths[path!]?.[method!], `${method} ${path}`)
  }
  t.notOk(doc.paths['/openapi.json'], 'the document does not describe itself')
  const authorize = doc.paths['/api/v1/oauth/authorize'].post
  t.same(authorize.security, [{ basic: [] }])
  t.same(authorize.requestBody.content['application/json'].schema.required, ['redirect_uri', 'grants'])
  t.same(authorize.responses['422'].content['application/json'].schema.properties.error.required, ['message', 'errors'])
  t.same(authorize.responses['401'].content['application/json'].schema.properties.error.properties.code, { type: 'integer' })
  t.same(doc.components.securitySchemes.basic, { type: 'http', scheme: 'basic', description: 'client_id:client_secret' })
})
