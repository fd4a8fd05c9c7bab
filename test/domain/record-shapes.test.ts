import t from 'tap'
import { codeRecord, type CodeRecord } from '../../src/domain/codes.js'
import { tokenRecord, type TokenInput } from '../../src/domain/tokens.js'
import { retainedBytesEach } from '../helpers/heap.js'

const input: TokenInput = { client_id: 'client', user_id: 'user', track_id: 'track', grants: ['read.email'], auth_time: undefined, kind: undefined }
const issued = { id: 'id', access_token: 'access', refresh_token: 'refresh', issued_at: 1, access_expires_at: 2, refresh_expires_at: 3 }
const binding = { redirect_uri: 'https://shop.example/callback', nonce: 'n' }
const code = { track_id: 'track', client_id: 'client', user_id: 'user', grants: input.grants }

t.test('tokenRecord: the same fields, the optional ones only when set', async (t) => {
  const plain = tokenRecord({ ...input, ...issued })
  t.same(plain, { ...issued, client_id: 'client', user_id: 'user', track_id: 'track', grants: ['read.email'] })
  t.same(Object.keys(plain), ['id', 'access_token', 'refresh_token', 'client_id', 'user_id', 'track_id', 'grants', 'issued_at', 'access_expires_at', 'refresh_expires_at'], 'no undefined fields')
  t.same(tokenRecord({ ...plain, auth_time: 7, kind: 'oidc' }), { ...plain, auth_time: 7, kind: 'oidc' })
})

t.test('codeRecord: the same fields, the optional ones only when set', async (t) => {
  const plain: CodeRecord = { code: 'c', track_id: 'track', client_id: 'client', user_id: 'user', grants: ['openid'], expires_at: 5 }
  t.same(codeRecord({ ...plain, oidc: undefined, tamper: undefined }), plain)
  t.same(Object.keys(codeRecord({ ...plain, oidc: undefined })), Object.keys(plain), 'no undefined fields')
  t.same(codeRecord({ ...plain, oidc: binding, tamper: 'wrong_aud' }), { ...plain, oidc: binding, tamper: 'wrong_aud' })
})

// Records the memory store keeps as they are: built by spreading, a pair kept about 520 bytes, a code about 340.
t.test('records built from a spread keep the small layout of a literal', async (t) => {
  const pair = await retainedBytesEach(5_000, (i) => tokenRecord({ ...input, ...issued, issued_at: i }))
  t.ok(pair < 200, `a token pair's record keeps ${pair} bytes`)
  const oidcPair = await retainedBytesEach(5_000, (i) => tokenRecord({ ...input, ...issued, issued_at: i, auth_time: i, kind: 'oidc' }))
  t.ok(oidcPair < 240, `an OIDC pair's record keeps ${oidcPair} bytes`)
  const plainCode = await retainedBytesEach(5_000, (i) => codeRecord({ ...code, code: 'c', expires_at: i }))
  t.ok(plainCode < 120, `a code's record keeps ${plainCode} bytes`)
  const oidcCode = await retainedBytesEach(5_000, (i) => codeRecord({ ...code, oidc: binding, code: 'c', expires_at: i }))
  t.ok(oidcCode < 140, `an OIDC code's record keeps ${oidcCode} bytes`)
})
