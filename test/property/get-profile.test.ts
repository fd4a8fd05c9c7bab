import t from 'tap'
import fc from 'fast-check'
import { query } from '../helpers/property/encoding.js'
import { bearerAuth, bodies, requests, stray } from '../helpers/property/http.js'
import { ref } from '../helpers/property/req.js'
import { PROVIDER_MODES } from '../helpers/property/runs.js'
import { field, fields } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const auth = bearerAuth(ref('access'), ref('plainAccess'), ref('refresh'))
const requestId = field(fc.uuid(), ref('kyc'), 'not-a-uuid', '00000000-0000-0000-0000-000000000000', ref('kyc').toUpperCase())
const instant = fc.date({ noInvalidDate: true }).map((d) => d.toISOString())

const submit = requests({
  method: 'POST',
  path: '/api/v1/oauth/get-profile',
  auth,
  body: bodies(fields({ request_id: requestId, created_at: field(instant, '2024-10-17T12:00:00Z', '2024-10-17', 'yesterday') }))
})

/** The id in the query string, in a JSON body on the GET (as the docs send it), in both, or in neither. */
const status = fc.oneof(
  requests({ method: 'GET', path: '/api/v1/oauth/get-profile/status', auth, query: query({ request_id: requestId }), body: stray }),
  requests({ method: 'GET', path: '/api/v1/oauth/get-profile/status', auth, body: bodies(fields({ request_id: requestId })) }),
  requests({ method: 'GET', path: '/api/v1/oauth/get-profile/status', auth, query: query({ request_id: requestId }), body: bodies(fields({ request_id: requestId })) })
)

for (const [name, arbitrary] of [['POST /api/v1/oauth/get-profile', submit], ['GET /api/v1/oauth/get-profile/status', status]] as const) {
  for (const mode of PROVIDER_MODES) {
    t.test(`${name}, ${mode.name}`, async (t) => {
      const world = await propertyWorld(t, mode, { modes: PROVIDER_MODES.length })
      await world.check(t, arbitrary, 'json')
    })
  }
}
