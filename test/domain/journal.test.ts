import t from 'tap'
import { redactBody, redactHeaders } from '../../src/domain/journal.js'

t.test('credentials are redacted, the rest is kept', async (t) => {
  t.same(redactHeaders({ authorization: 'Basic abc', cookie: 'a=b', 'proxy-authorization': 'secret', 'x-many': ['1', '2'], gone: undefined, host: 'h' }), {
    authorization: 'Basic [redacted]', cookie: '[redacted]', 'proxy-authorization': '[redacted]', 'x-many': '1, 2', host: 'h'
  })
  t.same(redactBody({ password: 'p', nested: [{ client_secret: 's', code_verifier: 'v', keep: 1 }], n: null }), {
    password: '[redacted]', nested: [{ client_secret: '[redacted]', code_verifier: '[redacted]', keep: 1 }], n: null
  })
  t.equal(redactBody('text'), 'text')
})
