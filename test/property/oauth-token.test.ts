import t from 'tap'
import fc from 'fast-check'
import { basicAuth, bearerAuth, bodies, requests } from '../helpers/property/http.js'
import { ref } from '../helpers/property/req.js'
import { PROVIDER_MODES } from '../helpers/property/runs.js'
import { field, fields } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const code64 = fc.string({ unit: fc.constantFrom(...'abcXYZ0189'), minLength: 64, maxLength: 64 })

const exchange = requests({
  method: 'POST',
  path: '/api/v1/oauth/token',
  auth: basicAuth,
  body: bodies(fields({ authorization_code: field(ref('code'), ref('oidcCode'), ref('access'), code64, '') }))
})

const refresh = requests({
  method: 'PATCH',
  path: '/api/v1/oauth/token',
  auth: bearerAuth(ref('refresh'), ref('oidcRefresh'), ref('access'), ref('code'))
})

for (const [name, arbitrary] of [['POST', exchange], ['PATCH', refresh]] as const) {
  for (const mode of PROVIDER_MODES) {
    t.test(`${name} /api/v1/oauth/token, ${mode.name}`, async (t) => {
      const world = await propertyWorld(t, mode, { modes: PROVIDER_MODES.length })
      await world.check(t, arbitrary, 'json')
    })
  }
}
