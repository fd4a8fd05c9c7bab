import t from 'tap'
import fc from 'fast-check'
import { bearerAuth, bodies, requests } from '../helpers/property/http.js'
import { ref } from '../helpers/property/req.js'
import { PROVIDER_MODES } from '../helpers/property/runs.js'
import { PERSONA_IDS, field, fields, mostly } from '../helpers/property/values.js'
import { propertyWorld } from '../helpers/property/world.js'

t.setTimeout(300_000)

const auth = bearerAuth(ref('access'), ref('plainAccess'), ref('refresh'))

const userData = requests({ method: 'GET', path: '/api/v1/oauth/user', auth })

const freshPhone = fc.integer({ min: 0, max: 9_999_999_999 }).map((n) => `+7${String(n).padStart(10, '0')}`)
const freshEmail = fc.tuple(fc.string({ unit: fc.constantFrom(...'abcxyz.019_-+'), minLength: 1, maxLength: 12 }), fc.constantFrom('example.com', 'Example.KZ', 'x'))
  .map(([local, domain]) => `${local}@${domain}`)
const day = fc.date({ min: new Date('1900-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))

const profile = {
  phone: field(freshPhone, mostly(['+77015550101', '+77025550202'], ['87015550101', '+7 701 555 09 09', '+1234567890123456', '+123456789'])),
  email: field(freshEmail, mostly(['aigerim.sarsenbayeva@example.com', 'AIGERIM.SARSENBAYEVA@EXAMPLE.COM'], ['no-at-sign', 'a@b'])),
  firstname: field(mostly(['Zhanna', 'Ä'], [' '])),
  lastname: field('Karimova', '\t'),
  date_of_birth: field(day, mostly(['1995-07-21', '2000-02-29'], ['2030-02-31', '1995-7-21', '0000-00-00', '1900-02-29'])),
  identifier: field('950721400123', '123456789'),
  country: field(mostly(['KAZ', 'RUS'], ['kaz', 'KZ', 'KAZA', 'ÄÖÜ'])),
  gender: field(mostly(['M', 'F'], ['m', 'X'])),
  nationality: field('citizen of the world'),
  patronymic: field('Serikovna'),
  password: field('Zhanna-Pass1', 'Sandbox123!')
}

const create = requests({ method: 'POST', path: '/api/v1/oauth/user', auth, body: bodies(fields(profile)) })
const update = requests({
  method: 'PUT',
  path: '/api/v1/oauth/user',
  auth,
  body: bodies(fields({ freedom_id: field(...PERSONA_IDS, fc.uuid(), 'not-a-uuid', PERSONA_IDS[0]!.toUpperCase()), ...profile }))
})

for (const [name, arbitrary] of [['GET', userData], ['POST', create], ['PUT', update]] as const) {
  for (const mode of PROVIDER_MODES) {
    t.test(`${name} /api/v1/oauth/user, ${mode.name}`, async (t) => {
      const world = await propertyWorld(t, mode, { modes: PROVIDER_MODES.length })
      await world.check(t, arbitrary, 'json')
    })
  }
}
