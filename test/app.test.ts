import t from 'tap'
import { MAX_JSON_DEPTH, nestingDepth } from '../src/http/json-depth.js'
import { AUTHORIZE, DEMO_AUTH, authorizeBody, testApp } from './helpers/app.js'

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

t.test('MAX_RECORDS caps each kind of record: past it, the oldest 1% of tracks go, the rest stay', async (t) => {
  const { app } = await testApp(t, { maxRecords: 1000 })
  const ids: string[] = []
  for (let i = 0; i < 1001; i++) {
    const res = await app.inject({ method: 'POST', url: AUTHORIZE, headers: { authorization: DEMO_AUTH }, payload: authorizeBody })
    t.equal(res.statusCode, 200)
    ids.push(new URL(res.json<{ redirect_uri: string }>().redirect_uri).searchParams.get('track_id')!)
  }
  t.equal(await app.sandbox.store.collection('tracks').size(), 991)
  const status = async (id: string) => (await app.inject({ method: 'GET', url: `/__sandbox/tracks/${id}` })).statusCode
  t.same(await Promise.all([ids[0]!, ids[9]!, ids[10]!, ids[1000]!].map(status)), [404, 404, 200, 200])
})
