import { METHODS, validateHeaderName, validateHeaderValue } from 'node:http'
import fc from 'fast-check'
import { DEMO, DEMO_AUTH, KITAP, KITAP_AUTH, basic } from '../app.js'
import { encode, formText, jsonText } from './encoding.js'
import { Req, ref } from './req.js'
import { SANDBOX_TOKEN } from './runs.js'
import { chars, deep, huge, hugeParts, text } from './values.js'

/** Whole requests: headers, credentials of every kind, bodies, methods. */

const isHeaderValue = (value: string): boolean => {
  try {
    validateHeaderValue('x', value)
    return true
  } catch { return false }
}

/** Header values Node's HTTP parser would pass on: tab, printable ASCII and Latin-1 (anything else never reaches an app). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: chars([[0x20, 0x7e], [0x80, 0xff], [9, 9]]) }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t', 'gzip', '0', '-1', '99999999999', 'application/json', 'undefined', 'null', '%zz', 'é') },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 8000 }).map((n) => 'x'.repeat(n)) }
).filter(isHeaderValue)

const TOKEN_CHARS: Array<[number, number]> = [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x2d, 0x2d], [0x5f, 0x5f], [0x21, 0x21], [0x7e, 0x7e]]
const headerName = fc.oneof(
  fc.constantFrom('accept', 'accept-encoding', 'accept-language', 'cookie', 'origin', 'referer', 'user-agent', 'x-forwarded-for',
    'x-forwarded-proto', 'x-request-id', 'x-http-method-override', 'content-encoding', 'content-length', 'expect', 'host', 'range'),
  fc.string({ unit: chars(TOKEN_CHARS), minLength: 1, maxLength: 20 })
).filter((name) => {
  try {
    validateHeaderName(name)
    return name.toLowerCase() !== 'transfer-encoding'
  } catch { return false }
})

/** Usually none, sometimes a few more headers with random values. */
const extraHeaders = fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(headerName, headerValue, { maxKeys: 3 }) })

const b64 = (s: string) => Buffer.from(s).toString('base64')
const VALID_BASIC = b64(`${DEMO.id}:${DEMO.secret}`)

/** Authorization for Basic endpoints: mostly real clients, else wrong secrets, broken base64, other schemes, none. */
export const basicAuth: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(DEMO_AUTH) },
  { weight: 3, arbitrary: fc.constant(KITAP_AUTH) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(DEMO.id, KITAP.id), text).map(([id, secret]) => basic(id, secret)) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.uuid(), text), text).map(([id, secret]) => basic(id, secret)) },
  { weight: 1, arbitrary: headerValue.map((v) => `Basic ${v}`) },
  { weight: 1, arbitrary: text.map((s) => `Basic ${b64(s)}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('Basic', 'Basic ', `basic ${VALID_BASIC}`, `BASIC   ${VALID_BASIC}  `, `Basic ${VALID_BASIC.replace(/=+$/, '')}`,
      `Basic ${VALID_BASIC}==`, `Basic ${VALID_BASIC.slice(1)}`, `Basic\t${VALID_BASIC}`, `Basic ${b64(`${encodeURIComponent(DEMO.id)}:${encodeURIComponent(DEMO.secret)}`)}`,
      `Basic ${b64(`${DEMO.id}:${DEMO.secret}:extra`)}`, `Basic ${b64(`:${DEMO.secret}`)}`, `Basic ${b64(DEMO.id)}`, `Basic ${b64(`${DEMO.id.toUpperCase()}:${DEMO.secret}`)}`,
      `Basic ${VALID_BASIC}, Basic ${VALID_BASIC}`, `Bearer ${VALID_BASIC}`, `Digest username="${DEMO.id}"`)
  },
  { weight: 1, arbitrary: headerValue },
  { weight: 2, arbitrary: fc.constant(undefined) }
)

const alphanumeric = fc.string({ unit: chars([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]]), minLength: 128, maxLength: 128 })

/** Authorization for Bearer endpoints: mostly these tokens (refs), else near misses, random tokens, other schemes, none. */
export function bearerAuth (...tokens: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...tokens).map((token) => `Bearer ${token}`) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom('bearer ', 'BEARER ', 'Bearer   ', 'Bearer\t', 'Bearer', 'Basic ', ''), fc.constantFrom(...tokens), fc.constantFrom('', ' ', 'x', '=', '==', ' x', ', Bearer x'))
        .map(([scheme, token, tail]) => `${scheme}${token}${tail}`)
    },
    { weight: 2, arbitrary: alphanumeric.map((token) => `Bearer ${token}`) },
    { weight: 2, arbitrary: headerValue.map((v) => `Bearer ${v}`) },
    { weight: 1, arbitrary: fc.constantFrom(DEMO_AUTH, 'Bearer', 'Bearer ', 'Token abc', 'Bearer ../../', 'Bearer null', `Bearer ${'A'.repeat(5000)}`) },
    { weight: 1, arbitrary: headerValue },
    { weight: 2, arbitrary: fc.constant(undefined) }
  )
}

/** For /__sandbox: the SANDBOX_TOKEN (when one is set), near misses, other credentials, none. */
export const controlAuth: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 10, arbitrary: fc.constant(`Bearer ${SANDBOX_TOKEN}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(`bearer ${SANDBOX_TOKEN}`, `Bearer   ${SANDBOX_TOKEN}  `, `Bearer ${SANDBOX_TOKEN}x`, `Bearer ${SANDBOX_TOKEN.slice(0, -1)}`,
      `Bearer ${SANDBOX_TOKEN} ${SANDBOX_TOKEN}`, `Basic ${b64(`x:${SANDBOX_TOKEN}`)}`, SANDBOX_TOKEN, 'Bearer', `Bearer\t${SANDBOX_TOKEN}`, `Bearer ${SANDBOX_TOKEN.toUpperCase()}`)
  },
  { weight: 1, arbitrary: bearerAuth(ref('access')) },
  { weight: 2, arbitrary: fc.constant(undefined) }
)

export interface Body { type?: string, payload?: string | Buffer }

const JSON_TYPE = fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'Application/JSON',
  'application/json;charset=utf-16', 'application/json ; x=y', 'application/vnd.api+json')
const FORM = 'application/x-www-form-urlencoded'

/** Bodies of every shape a client may send, none of them built from the endpoint's fields. */
export const oddBody: fc.Arbitrary<Body> = fc.oneof(
  fc.tuple(JSON_TYPE, fc.jsonValue()).map(([type, v]) => ({ type, payload: JSON.stringify(v) })),
  fc.tuple(JSON_TYPE, fc.oneof(text, fc.json().map((s) => s.slice(0, -1)))).map(([type, payload]) => ({ type, payload })),
  fc.constantFrom<Body>({ type: 'application/json', payload: '' }, { type: 'application/json' }, {}, { payload: '' }, { type: FORM, payload: '' },
    { type: 'application/json', payload: '{"__proto__":{"x":1}}' }, { type: 'application/json', payload: '{"constructor":{"prototype":{"x":1}}}' },
    { type: 'application/json', payload: 'null' }, { type: 'application/json', payload: '\ufeff{}' }, { type: FORM, payload: 'a=%zz&track_id=%E0%A4%A&&=&x' }),
  text.map((payload) => ({ payload })),
  fc.tuple(fc.constantFrom('text/plain', 'text/html', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream',
    `${FORM}; charset=utf-8`, 'application/jsonx', 'json', '*/*', '', ' application/json'), text).map(([type, payload]) => ({ type, payload })),
  fc.tuple(headerValue, text).map(([type, payload]) => ({ type, payload })),
  fc.tuple(fc.oneof(JSON_TYPE, fc.constant(FORM)), fc.uint8Array({ maxLength: 300 })).map(([type, bytes]) => ({ type, payload: Buffer.from(bytes) })),
  fc.tuple(JSON_TYPE, huge).map(([type, s]) => ({ type, payload: JSON.stringify({ x: s }) })),
  hugeParts.map(({ char, count }) => ({ type: FORM, payload: `x=${encode(char).repeat(count)}` })),
  fc.tuple(JSON_TYPE, deep).map(([type, raw]) => ({ type, payload: raw.text }))
)

/** Bodies built from the endpoint's fields (JSON, or form where the endpoint takes forms), or odd ones. */
export function bodies (value: fc.Arbitrary<Record<string, unknown>>, options: { form?: boolean } = {}): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: options.form === true ? 3 : 12, arbitrary: fc.tuple(JSON_TYPE, value).map(([type, v]) => ({ type, payload: jsonText(v) })) },
    { weight: options.form === true ? 12 : 1, arbitrary: value.map((v) => ({ type: FORM, payload: formText(v) })) },
    { weight: 3, arbitrary: oddBody }
  )
}

/** A body on a route that reads none: usually nothing, sometimes anything. */
export const stray: fc.Arbitrary<Body> = fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: oddBody })

/** Every method Node knows, in any case (inject refuses others, as Node's parser does). */
export const anyMethod = fc.oneof(fc.constantFrom(...METHODS), fc.constantFrom(...METHODS).map((m) => m.toLowerCase()))

const arb = <T>(value: T | fc.Arbitrary<T>): fc.Arbitrary<T> => value instanceof fc.Arbitrary ? value : fc.constant(value)

export function requests (parts: {
  method: string | fc.Arbitrary<string>
  path: string | fc.Arbitrary<string>
  query?: fc.Arbitrary<string>
  auth?: fc.Arbitrary<string | undefined>
  body?: fc.Arbitrary<Body>
}): fc.Arbitrary<Req> {
  return fc.record({
    method: arb(parts.method),
    path: arb(parts.path),
    query: parts.query ?? fc.constant(''),
    auth: parts.auth ?? fc.constant(undefined),
    body: parts.body ?? stray,
    extra: extraHeaders
  }).map(({ method, path, query, auth, body, extra }) => {
    const headers: Record<string, string> = { ...extra }
    if (body.type !== undefined) headers['content-type'] = body.type
    if (auth !== undefined) headers.authorization = auth
    return new Req(method, query === '' ? path : `${path}?${query}`, headers, body.payload)
  })
}
