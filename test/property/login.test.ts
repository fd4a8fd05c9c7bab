import t from 'tap'
import fc from 'fast-check'
import { PASSWORD } from '../helpers/flow.js'
import { query } from '../helpers/property/encoding.js'
import { bodies, requests } from '../helpers/property/http.js'
import { ref } from '../helpers/property/req.js'
import { PROVIDER_MODES } from '../helpers/property/runs.js'
import { PERSONA_IDS, PERSONA_LOGINS, field, fields } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const trackId = field(ref('track'), ref('signedIn'), ref('usedTrack'), ref('expiredTrack'), fc.uuid())

const page = requests({ method: 'GET', path: '/login', query: query({ track_id: trackId, expire_at: field('1893456600', '-1', '99999999999999999999') }) })

const login = field(...PERSONA_LOGINS)
const signIn = requests({
  method: 'POST',
  path: '/login/sign-in',
  body: fc.oneof(
    bodies(fields({ track_id: trackId, login, password: field(PASSWORD, 'wrong', '') }), { form: true }),
    bodies(fields({ track_id: trackId, persona: field(...PERSONA_IDS, ...PERSONA_LOGINS) }), { form: true }),
    bodies(fields({ track_id: trackId, login, password: field(PASSWORD), persona: field(...PERSONA_IDS) }), { form: true })
  )
})

const consentPage = requests({ method: 'GET', path: '/login/consent', query: query({ track_id: trackId }) })
const decide = requests({
  method: 'POST',
  path: '/login/consent',
  body: bodies(fields({ track_id: trackId, decision: field('allow', 'deny') }), { form: true })
})

const properties = [['GET /login', page], ['POST /login/sign-in', signIn], ['GET /login/consent', consentPage], ['POST /login/consent', decide]] as const

for (const [name, arbitrary] of properties) {
  for (const mode of PROVIDER_MODES) {
    t.test(`${name}, ${mode.name}`, async (t) => {
      const world = await propertyWorld(t, mode, { modes: PROVIDER_MODES.length })
      await world.check(t, arbitrary, 'html')
    })
  }
}
