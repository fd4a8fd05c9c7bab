import t from 'tap'
import { createCompiledSchemas, type CompiledSchemas } from '../../src/http/lazy-schemas.js'
import { AIGERIM, approve, exchange, userData } from '../helpers/flow.js'
import { AUTHORIZE, DEMO_AUTH, authorizeBody, testApp } from '../helpers/app.js'

/** A CompiledSchemas that counts what it really compiles. */
function counting (): CompiledSchemas & { compiled: number } {
  const inner = createCompiledSchemas()
  const counted = {
    compiled: 0,
    validator: (schema: unknown, part: string, compile: Parameters<CompiledSchemas['validator']>[2]) =>
      inner.validator(schema, part, () => { counted.compiled++; return compile() }),
    serializer: (schema: unknown, part: string, compile: Parameters<CompiledSchemas['serializer']>[2]) =>
      inner.serializer(schema, part, () => { counted.compiled++; return compile() })
  }
  return counted
}

t.test('createCompiledSchemas: one compile per schema and part, however many objects spell it', async (t) => {
  const cache = createCompiledSchemas()
  let compiles = 0
  const compile = () => { compiles++; const check = (data: unknown) => data === compiles; return check }
  const schema = { type: 'object', properties: { a: { type: 'string' } } }
  const body = cache.validator(schema, 'body', compile)
  t.equal(cache.validator(schema, 'body', compile), body, 'the same function again')
  t.equal(cache.validator(structuredClone(schema), 'body', compile), body, 'and for an equal schema built anew')
  t.not(cache.validator(schema, 'querystring', compile), body, 'another part, another function')
  t.not(cache.validator({ type: 'object', properties: { a: { type: 'number' } } }, 'body', compile), body, 'another schema, another function')
  t.equal(compiles, 3)
  const serialize = () => JSON.stringify
  t.equal(cache.serializer(schema, '200 undefined', serialize), cache.serializer(structuredClone(schema), '200 undefined', () => String))
  t.not(cache.serializer(schema, '201 undefined', () => String), JSON.stringify, 'another status apart')
})

t.test('two sandboxes sharing compiled schemas: the second compiles nothing for the same requests, and each answers as alone', async (t) => {
  const shared = counting()
  const flow = async (app: Awaited<ReturnType<typeof testApp>>['app']) => {
    const { code } = await approve(app, { persona: AIGERIM })
    const token = await exchange(app, code)
    const user = await userData(app, token.json().access_token)
    const bad = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: { redirect_uri: 'https://shop.example/callback', grants: [] } })
    return { token: token.statusCode, user: user.statusCode, email: user.json().email, bad: [bad.statusCode, bad.json()] }
  }
  const { app: first } = await testApp(t, {}, undefined, { compiledSchemas: shared })
  const alone = await flow(first)
  const afterFirst = shared.compiled
  t.ok(afterFirst > 0, 'the first sandbox compiled its schemas')
  const { app: second } = await testApp(t, {}, undefined, { compiledSchemas: shared })
  t.same(await flow(second), alone, 'the same answers, a 422 with the same fields included')
  t.equal(shared.compiled, afterFirst, 'the second compiled nothing')
  const { app: own } = await testApp(t)
  t.same(await flow(own), alone, 'and a sandbox with its own compiled schemas answers the same')
  t.equal(alone.bad[0], 422)
})

t.test('a ready sandbox has compiled nothing; a route compiles what a request uses, on its first', async (t) => {
  const counted = counting()
  const { app } = await testApp(t, {}, undefined, { compiledSchemas: counted })
  await app.ready()
  t.equal(counted.compiled, 0, 'nothing at start')
  const authorize = () => app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
  t.equal((await authorize()).statusCode, 200)
  t.equal(counted.compiled, 2, 'the body\'s validator and the 200\'s serializer')
  t.equal((await authorize()).statusCode, 200)
  t.equal(counted.compiled, 2, 'and nothing more for the next request')
})
