import t from 'tap'
import { JOURNAL_BODY_LIMIT, journalBody, journalResponse, journalTrackId, redactBody, redactHeaders } from '../../src/domain/journal.js'

t.test('credentials are redacted, the rest is kept', async (t) => {
  t.same(redactHeaders({ authorization: 'Basic abc', cookie: 'a=b', 'proxy-authorization': 'secret', 'x-many': ['1', '2'], gone: undefined, host: 'h' }), {
    authorization: 'Basic [redacted]', cookie: '[redacted]', 'proxy-authorization': '[redacted]', 'x-many': '1, 2', host: 'h'
  })
  t.same(redactBody({ password: 'p', nested: [{ client_secret: 's', code_verifier: 'v', keep: 1 }], n: null }), {
    password: '[redacted]', nested: [{ client_secret: '[redacted]', code_verifier: '[redacted]', keep: 1 }], n: null
  })
  t.equal(redactBody('text'), 'text')
  // A refresh token belongs in Authorization; one sent in a body (the report flags it) is still a secret.
  t.same(redactBody({ refresh_token: 'r', Access_Token: 'a', grant_type: 'refresh_token' }), { refresh_token: '[redacted]', Access_Token: '[redacted]', grant_type: 'refresh_token' })
  // Freedom ID's doc pages list CLIENT_ID / CLIENT_SECRET as body fields.
  t.same(redactBody({ CLIENT_ID: 'id', CLIENT_SECRET: 's', Password: 'p' }), { CLIENT_ID: 'id', CLIENT_SECRET: '[redacted]', Password: '[redacted]' })
})

t.test('bodies as the journal keeps them: plain JSON data, cut past 16 KiB', async (t) => {
  const hostile = JSON.parse('{"track_id":{"toString":1},"password":"p"}')
  t.same(journalBody(hostile), { track_id: { toString: 1 }, password: '[redacted]' })
  t.equal(journalBody(undefined), undefined)
  const big = { pad: 'a'.repeat(JOURNAL_BODY_LIMIT) }
  t.equal(journalBody(big), `${JSON.stringify(big).slice(0, JOURNAL_BODY_LIMIT)}…`)
  t.same(journalResponse('{"a":1}', true), { a: 1 })
  t.equal(journalResponse('{"a":', true), '{"a":', 'JSON that does not parse is kept as text')
  t.equal(journalResponse('<p>hi</p>', false), '<p>hi</p>')
  t.equal(journalResponse(`[${'1,'.repeat(JOURNAL_BODY_LIMIT)}1]`, true), `[${'1,'.repeat(JOURNAL_BODY_LIMIT)}1]`.slice(0, JOURNAL_BODY_LIMIT) + '…')
  t.equal(journalTrackId(undefined, { toString: 1 }, ['a', 'b'], 'x'.repeat(101), 'track-1'), 'track-1', 'the first short string')
  t.equal(journalTrackId(undefined, 5), undefined)
})
