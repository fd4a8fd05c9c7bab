import t from 'tap'
import fc from 'fast-check'
import { SECRET_PARAMS, safeUrl } from '../../src/http/logging.js'
import { testApp } from '../helpers/app.js'
import { RUNS_PER_ENDPOINT } from '../helpers/property/runs.js'

/*
 * A secret in a query string is masked in the log under any spelling a server would read as its
 * name: percent-encoded letters, other case, PHP/qs brackets (`access_token[]`, `x[code]`).
 */

const SECRET_VALUE = 'S3cr3t-v4lue-9f8e'
const RUNS = Math.max(200, Math.round(RUNS_PER_ENDPOINT / 10))

const percent = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`

/** The name spelled some way a query parser still reads as the name. */
const spelling = fc.tuple(
  fc.constantFrom(...SECRET_PARAMS),
  fc.array(fc.constantFrom('plain', 'upper', 'percent', 'PERCENT', 'twice'), { minLength: 1, maxLength: 40 }),
  fc.constantFrom('', '[]', '[0]', 'wrap', '+')
).map(([name, hows, shape]) => {
  const spelled = [...name].map((c, i) => {
    switch (hows[i % hows.length]) {
      case 'upper': return c.toUpperCase()
      case 'percent': return percent(c)
      case 'PERCENT': return percent(c).toUpperCase()
      case 'twice': return `%25${c.charCodeAt(0).toString(16)}`
      default: return c
    }
  }).join('')
  return shape === 'wrap' ? `x[${spelled}]` : shape === '+' ? `+${spelled}` : spelled + shape
})

t.test('safeUrl masks every spelling of every secret parameter', async () => {
  fc.assert(fc.property(spelling, fc.constantFrom('/cb?', '/cb?a=1&', '/openid?scope=openid&'), (name, head) => {
    const masked = safeUrl(`${head}${name}=${SECRET_VALUE}&state=keep`)
    return !masked.includes(SECRET_VALUE) && masked.endsWith('&state=keep') && masked.includes(`${name}=[redacted]`)
  }), { numRuns: RUNS })
})

t.test('what is not a secret stays readable', async (t) => {
  t.equal(safeUrl('/login?track_id=1&expire_at=2&codes=3&x%5Bstate%5D=4&%ZZ=5'), '/login?track_id=1&expire_at=2&codes=3&x%5Bstate%5D=4&%ZZ=5')
  t.equal(safeUrl('/cb?code'), '/cb?code', 'a name without a value has nothing to mask')
  t.equal(safeUrl('/nothing'), '/nothing')
})

t.test('the request log line, from a real app, under the issue\'s spellings', async (t) => {
  const { app, logs } = await testApp(t)
  const names = ['%61ccess_token', 'access_token[]', 'code_verifier', 'id_token', 'ID_TOKEN', 'x[refresh_token]', '%2561ccess_token', 'client%5Fsecret']
  for (const name of names) await app.inject({ url: `/api/v1/oauth/user?${name}=${SECRET_VALUE}` })
  const lines = logs.filter((line) => line.msg === 'request')
  t.equal(lines.length, names.length)
  t.notOk(JSON.stringify(logs).includes(SECRET_VALUE), 'the value is in no line')
  t.same(lines.map((line) => line.url), names.map((name) => `/api/v1/oauth/user?${name}=[redacted]`))
})
