import t from 'tap'
import fc from 'fast-check'
import { approve } from '../helpers/flow.js'
import { DEMO } from '../helpers/app.js'
import { encode, query, segment } from '../helpers/property/encoding.js'
import { bodies, controlAuth, requests } from '../helpers/property/http.js'
import { ref } from '../helpers/property/req.js'
import { CONTROL_MODES } from '../helpers/property/runs.js'
import { PERSONA_IDS, PERSONA_LOGINS, field, fields, grantList } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const trackId = segment(ref('track'), ref('signedIn'), ref('usedTrack'), ref('expiredTrack'))
const user = field(...PERSONA_IDS, ...PERSONA_LOGINS, ...PERSONA_LOGINS.map(encode))

/** Control requests come in short sequences, so a request meets what the one before it did (a used track, a cleared journal). */
const sequence = <T>(request: fc.Arbitrary<T>) => fc.array(request, { minLength: 1, maxLength: 2 })

const properties = {
  'POST /__sandbox/tracks/:track_id/approve': requests({
    method: 'POST',
    path: trackId.map((id) => `/__sandbox/tracks/${id}/approve`),
    auth: controlAuth,
    body: bodies(fields({ user, grants: grantList }))
  }),
  'POST /__sandbox/tracks/:track_id/deny': requests({ method: 'POST', path: trackId.map((id) => `/__sandbox/tracks/${id}/deny`), auth: controlAuth }),
  'GET /__sandbox/tracks/:track_id': requests({ method: 'GET', path: trackId.map((id) => `/__sandbox/tracks/${id}`), auth: controlAuth }),
  'GET and DELETE /__sandbox/requests': requests({
    method: fc.constantFrom('GET', 'GET', 'GET', 'DELETE'),
    path: '/__sandbox/requests',
    auth: controlAuth,
    query: query({
      method: field('GET', 'post', 'PATCH'),
      path: field('/api/v1/oauth/token', '/login', '/api/v1/oauth/authorize'),
      client_id: field(DEMO.id),
      track_id: field(ref('track'), ref('usedTrack')),
      status: field('200', '303', '401', '999', '20'),
      limit: field('1', '5', '0', '-1', '1000000', '1e3', '99999999999999999999')
    })
  })
}

for (const [name, request] of Object.entries(properties)) {
  for (const mode of CONTROL_MODES) {
    t.test(`${name}, ${mode.name}`, async (t) => {
      const world = await propertyWorld(t, mode, { modes: CONTROL_MODES.length, sentinels: false })
      // A whole flow first, so the journal has entries for /requests to filter.
      await approve(world.app)
      await world.check(t, sequence(request), 'json')
    })
  }
}
