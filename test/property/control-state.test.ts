import t from 'tap'
import fc from 'fast-check'
import { encode, segment } from '../helpers/property/encoding.js'
import { bodies, controlAuth, requests, stray } from '../helpers/property/http.js'
import { CONTROL_MODES } from '../helpers/property/runs.js'
import { PERSONA_IDS, PERSONA_LOGINS, deep, field, fields, mostly } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const bigNumber = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n })
const instant = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString())

const fault = fields({
  route: field(mostly(['POST /api/v1/oauth/token', 'GET /login', 'GET /api/v1/oauth/user', 'PATCH /x'], ['FOO /x', 'GET', 'GET x', 'GET /a b', 'get /login'])),
  times: field(mostly([1, 2, 1000], [0, 1001, 1.5, -1])),
  status: field(mostly([200, 418, 500, 503, 599], [199, 600, '503'])),
  body: field({ ok: true }, 'text', null, [], { error: { message: 'x', code: 1 } }, deep),
  delay_ms: field(mostly([0, 10, 60_000], [60_001, -1, 2.5])),
  drop: field(mostly([true, false], ['true']))
})

const clockChange = fields({
  set: field(instant, mostly(['2031-06-01T12:00:00+02:00', '2030-01-01T00:00:00Z'], ['2030-02-31T00:00:00Z', 'tomorrow', '+275760-09-13T00:00:00.000Z'])),
  advance: field(mostly([90, -30, '15m', '7d', '-45'], ['1w', 1.5]), fc.integer(), bigNumber.map(String),
    fc.tuple(bigNumber, fc.constantFrom('s', 'm', 'h', 'd')).map(([n, unit]) => `${n < 0n ? -n : n}${unit}`))
})

const sequence = <T>(request: fc.Arbitrary<T>) => fc.array(request, { minLength: 1, maxLength: 3 })

const properties = {
  'POST, GET and DELETE /__sandbox/faults': requests({
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'DELETE'),
    path: '/__sandbox/faults',
    auth: controlAuth,
    body: bodies(fault)
  }),
  'GET and POST /__sandbox/clock': requests({
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
    path: '/__sandbox/clock',
    auth: controlAuth,
    body: bodies(clockChange)
  }),
  'POST /__sandbox/users/:user_id/logout': requests({
    method: 'POST',
    path: segment(...PERSONA_IDS, ...PERSONA_LOGINS.map(encode)).map((user) => `/__sandbox/users/${user}/logout`),
    auth: controlAuth
  }),
  'GET and DELETE /__sandbox/deliveries': requests({ method: fc.constantFrom('GET', 'DELETE'), path: '/__sandbox/deliveries', auth: controlAuth }),
  'POST /__sandbox/reset': requests({ method: 'POST', path: '/__sandbox/reset', auth: controlAuth, body: stray })
}

for (const [name, request] of Object.entries(properties)) {
  for (const mode of CONTROL_MODES) {
    t.test(`${name}, ${mode.name}`, async (t) => {
      const world = await propertyWorld(t, mode, { modes: CONTROL_MODES.length, sentinels: false })
      await world.check(t, sequence(request), 'json')
    })
  }
}
