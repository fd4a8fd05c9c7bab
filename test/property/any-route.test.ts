import t from 'tap'
import fc from 'fast-check'
import { encode, query, segment } from '../helpers/property/encoding.js'
import { anyMethod, basicAuth, bearerAuth, bodies, controlAuth, oddBody, requests } from '../helpers/property/http.js'
import { ref } from '../helpers/property/req.js'
import { CONTROL_MODES } from '../helpers/property/runs.js'
import { field, fields, text } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const KNOWN = ['/', '/health', '/ready', '/openapi.json', '/.well-known/openid-configuration', '/.well-known/jwks.json', '/openid', '/login',
  '/login/sign-in', '/login/consent', '/login/assets/sandbox.css', '/login/assets/favicon.svg', '/api/v1/oauth/authorize', '/api/v1/oauth/token',
  '/api/v1/oauth/user', '/api/v1/oauth/get-profile', '/api/v1/oauth/get-profile/status', '/api/v1/oidc/token', '/api/v1oidc//token',
  '/api/v1/oidc/userinfo', '/__sandbox', '/__sandbox/', '/__sandbox/clock', '/__sandbox/requests', '/__sandbox/faults', '/__sandbox/reset',
  '/__sandbox/deliveries', `/__sandbox/tracks/${ref('track')}`, `/__sandbox/tracks/${ref('signedIn')}/approve`, `/__sandbox/tracks/${ref('track')}/deny`,
  '/__sandbox/users/%2B77015550101/logout']

/** A known path, a known path bent (case, slashes, an extra segment, an encoded character), or segments of anything. */
const path = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...KNOWN), fc.nat(6), segment('x', '..', '%2e')).map(([known, how, extra]) => [
      `${known}/`, `/${known}`, known.toUpperCase(), `${known}/${extra}`, known.replace('/', '//'), known.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
      `${known};x=1`
    ][how]!)
  },
  { weight: 2, arbitrary: fc.array(segment('api', 'v1', 'oauth', '__sandbox', 'login', '.well-known'), { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`) },
  { weight: 1, arbitrary: text.map((s) => `/${encode(s)}`) }
)

const anything = fields({
  redirect_uri: field('https://shop.example/callback'),
  grants: field(['read.email']),
  authorization_code: field(ref('code')),
  track_id: field(ref('track'), ref('signedIn')),
  request_id: field(ref('kyc')),
  user: field('+77015550101')
})

const request = requests({
  method: anyMethod,
  path,
  query: fc.oneof(fc.constant(''), query({ track_id: field(ref('track')), request_id: field(ref('kyc')), x: field('1') })),
  auth: fc.oneof(basicAuth, bearerAuth(ref('access'), ref('refresh')), controlAuth),
  body: fc.oneof(bodies(anything), oddBody, fc.constant({}))
})

const MODES = [CONTROL_MODES[0]!, CONTROL_MODES[3]!]

for (const mode of MODES) {
  t.test(`any method, any path, ${mode.name}`, async (t) => {
    const world = await propertyWorld(t, mode, { modes: MODES.length, sentinels: false })
    await world.check(t, request, 'any')
  })
}
