import t from 'tap'
import fc from 'fast-check'
import { GRANTS } from '../../src/domain/grants.js'
import { DEMO, KITAP } from '../helpers/app.js'
import { CALLBACK, CHALLENGE, NONCE, STATE, VERIFIER } from '../helpers/oidc.js'
import { query } from '../helpers/property/encoding.js'
import { basicAuth, bearerAuth, bodies, requests } from '../helpers/property/http.js'
import { ref } from '../helpers/property/req.js'
import { PROVIDER_MODES } from '../helpers/property/runs.js'
import { field, fields, mostly } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const scope = fc.subarray([...GRANTS]).map((grants) => grants.join(' '))

const authorize = requests({
  method: 'GET',
  path: '/openid',
  query: query({
    scope: field(scope, 'openid', 'openid read.email read.firstname', 'openid read.cards', 'openid  read.phone\tread.email', 'read.email', 'OPENID', 'openid read.unknown'),
    state: field(STATE),
    response_type: field(mostly(['code'], ['token', 'code id_token'])),
    client_id: field(mostly([DEMO.id], [KITAP.id]), fc.uuid()),
    redirect_uri: field(mostly([CALLBACK, 'https://shop.example/cb?x=1'], ['http://localhost:3000/callback', 'https://merchant.example/freedom-id/callback', 'ftp://x.example/', '/cb'])),
    nonce: field(NONCE),
    code_challenge: field(mostly([CHALLENGE], ['E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c'])),
    code_challenge_method: field(mostly(['S256'], ['plain', 's256']))
  })
})

const tokenBody = fields({
  grant_type: field(mostly(['authorization_code', 'refresh_token'], ['client_credentials'])),
  code: field(ref('oidcCode'), ref('code')),
  redirect_uri: field(CALLBACK, 'https://shop.example/callback'),
  code_verifier: field(mostly([VERIFIER], ['a'.repeat(43), ''])),
  refresh_token: field(ref('oidcRefresh'), ref('refresh'), ref('access')),
  client_id: field(DEMO.id, KITAP.id),
  client_secret: field(mostly([DEMO.secret, KITAP.secret], ['wrong']))
})

const token = requests({
  method: 'POST',
  path: fc.constantFrom('/api/v1/oidc/token', '/api/v1oidc//token'),
  auth: fc.oneof(basicAuth, fc.constant(undefined)),
  body: bodies(tokenBody, { form: true })
})

const userInfo = (method: string) => requests({ method, path: '/api/v1/oidc/userinfo', auth: bearerAuth(ref('access'), ref('plainAccess'), ref('refresh')) })

const properties = [
  ['GET /openid', authorize, 'html'],
  ['POST /api/v1/oidc/token', token, 'json'],
  ['GET /api/v1/oidc/userinfo', userInfo('GET'), 'json'],
  ['POST /api/v1/oidc/userinfo', userInfo('POST'), 'json']
] as const

for (const [name, arbitrary, kind] of properties) {
  for (const mode of PROVIDER_MODES) {
    t.test(`${name}, ${mode.name}`, async (t) => {
      const world = await propertyWorld(t, mode, { modes: PROVIDER_MODES.length })
      await world.check(t, arbitrary, kind)
    })
  }
}
