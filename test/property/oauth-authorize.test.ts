import t from 'tap'
import { DEMO } from '../helpers/app.js'
import { basicAuth, bodies, requests } from '../helpers/property/http.js'
import { PROVIDER_MODES } from '../helpers/property/runs.js'
import { field, fields, grantList } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const REDIRECT_URIS = ['https://shop.example/callback', 'http://localhost:3000/callback', 'https://merchant.example/freedom-id/callback',
  'http://localhost:3000/cb?x=1', `https://shop.example/${'a'.repeat(2030)}`, `https://shop.example/${'a'.repeat(2040)}`, 'ftp://shop.example/',
  '/callback', 'https://', 'javascript:alert(1)', 'http://[::1]:8080/cb', 'https://shop.example/cb#frag', 'HTTPS://SHOP.EXAMPLE/CB', 'http://ex ample.com/']

const authorize = requests({
  method: 'POST',
  path: '/api/v1/oauth/authorize',
  auth: basicAuth,
  body: bodies(fields({
    redirect_uri: field(...REDIRECT_URIS),
    grants: grantList,
    CLIENT_ID: field(DEMO.id),
    CLIENT_SECRET: field(DEMO.secret)
  }))
})

for (const mode of PROVIDER_MODES) {
  t.test(`POST /api/v1/oauth/authorize, ${mode.name}`, async (t) => {
    const world = await propertyWorld(t, mode, { modes: PROVIDER_MODES.length })
    await world.check(t, authorize, 'json')
  })
}
