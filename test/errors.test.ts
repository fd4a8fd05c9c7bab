import t from 'tap'
import { CONNECTION_ERRORS, ERRORS, LOGIN_FAILURES, ProviderError, codeFor, errorReply } from '../src/errors.js'
import { LoginError } from '../src/domain/login.js'
import { faultBody } from '../src/plugins/control-hooks.js'

const sections = { ERRORS, LOGIN_FAILURES, CONNECTION_ERRORS }

t.test("the sandbox's own codes are 100000 + the status; only the provider's documented two are not", async (t) => {
  t.equal(codeFor(404), 100404)
  const others = Object.values(sections).flatMap((section) => Object.entries(section)).filter(([, e]) => e.code !== codeFor(e.status))
  t.same(others.map(([name, e]) => [name, e.code]), [['invalidAuthorizationCode', 100101], ['userDenied', 100102]])
})

t.test('one registry: no name in two sections, so none hides another', async (t) => {
  const names = Object.values(sections).flatMap((section) => Object.keys(section))
  t.equal(new Set(names).size, names.length)
})

t.test('errorReply: the status and envelope of any registered error, in its words or in others', async (t) => {
  t.same(errorReply('notFound'), { status: 404, body: { error: { message: 'Not found.', code: 100404 } } })
  t.same(errorReply('expired'), { status: 410, body: { error: { message: 'This login link has expired. Go back to the shop and start again.', code: 100410 } } })
  t.same(errorReply('headersTooLarge', 'The request headers are larger than 8 KiB.'), { status: 431, body: { error: { message: 'The request headers are larger than 8 KiB.', code: 100431 } } })
})

t.test('a login failure is a ProviderError of the registry: status, code, the words given', async (t) => {
  const failure = new LoginError('not_signed_in')
  t.ok(failure instanceof ProviderError)
  t.match(failure, { name: 'LoginError', kind: 'not_signed_in', status: 409, code: 100409, message: 'Sign in before you allow or deny access.', headers: {} })
  t.match(new LoginError('used', 'Track x is already finished.'), { status: 409, code: 100409, message: 'Track x is already finished.' })
  t.equal(LOGIN_FAILURES.locked.title, 'Account locked')
  t.match(new ProviderError('requestTimeout'), { name: 'ProviderError', status: 408, code: 100408, message: 'Request timeout: the request did not arrive in time.' })
})

t.test("a fault's default body is the API's error of its status, never a login failure's or the parser's", async (t) => {
  t.same(faultBody(410), { error: { message: 'Gone.', code: 100410 } })
  t.same(faultBody(422), { error: { message: 'Unprocessable Entity.', code: 100422 } })
  t.same(faultBody(408), { error: { message: 'Request Timeout.', code: 100408 } })
  t.same(faultBody(431), { error: { message: 'Request Header Fields Too Large.', code: 100431 } })
  t.same(faultBody(503), { error: { message: 'Not ready.', code: 100503 } })
})
