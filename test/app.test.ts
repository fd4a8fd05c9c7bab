import t from 'tap'
import { MAX_JSON_DEPTH, nestingDepth } from '../src/plugins/json-depth.js'
import { AUTHORIZE, DEMO_AUTH, testApp } from './helpers/app.js'

t.test('nesting depth: arrays and objects, strings skipped', async (t) => {
  t.equal(nestingDepth('1'), 0)
  t.equal(nestingDepth('{"a":[1,{"b":[]}]}'), 4)
  t.equal(nestingDepth('{"a":"[[[[{{{{","b":"\\\\\\"[["}'), 1, 'brackets in strings and escaped quotes do not count')
  t.equal(nestingDepth('[[]][[[]]]'), 3)
})

t.test('a body nested deeper than the limit is refused before parsing and changes nothing', async (t) => {
  const { app } = await testApp(t)
  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)
  for (const [url, payload] of [[AUTHORIZE, `{"redirect_uri":"https://x.example","grants":["openid"],"x":${deep(MAX_JSON_DEPTH)}}`], ['/__sandbox/faults', `{"route":"GET /x","status":500,"body":${deep(5000)}}`]] as const) {
    const res = await app.inject({ method: 'POST', url, headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, url)
    t.same(res.json(), { error: { message: `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`, code: 100400 } })
  }
  t.same((await app.inject({ method: 'GET', url: '/__sandbox/faults' })).json(), [])
  t.equal(await app.sandbox.store.collection('tracks').size(), 0)
  const ok = await app.inject({ method: 'POST', url: '/__sandbox/faults', payload: `{"route":"GET /x","status":500,"body":${deep(MAX_JSON_DEPTH - 1)}}`, headers: { 'content-type': 'application/json' } })
  t.equal(ok.statusCode, 201, 'up to the limit is fine')
})
