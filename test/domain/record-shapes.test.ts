import t from 'tap'
import { codeRecord, type CodeInput } from '../../src/domain/codes.js'
import { tokenRecord, type TokenInput } from '../../src/domain/tokens.js'
import { retainedBytesEach } from '../helpers/heap.js'

const input: TokenInput = { client_id: 'client', user_id: 'user', track_id: 'track', grants: ['read.email'], auth_time: undefined, kind: undefined }
const issued = { id: 'id', access_token: 'access', refresh_token: 'refresh', issued_at: 1, access_expires_at: 2, refresh_expires_at: 3 }
const binding = { redirect_uri: 'https://shop.example/callback', nonce: 'n' }
const code: CodeInput = { track_id: 'track', client_id: 'client', user_id: 'user', grants: input.grants }

t.test('tokenRecord: the input and the issued fields, the optional ones only when set', async (t) => {
  const plain = tokenRecord(input, issued)
  t.same(plain, { ...issued, client_id: 'client', user_id: 'user', track_id: 'track', grants: ['read.email'] })
  t.same(Object.keys(plain), ['id', 'access_token', 'refresh_token', 'client_id', 'user_id', 'track_id', 'grants', 'issued_at', 'access_expires_at', 'refresh_expires_at'], 'no undefined fields')
  t.same(tokenRecord({ ...input, auth_time: 7, kind: 'oidc' }, issued), { ...plain, auth_time: 7, kind: 'oidc' })
})

t.test('codeRecord: the input, the code and its expiry, the optional ones only when set', async (t) => {
  const plain = { code: 'c', ...code, expires_at: 5 }
  t.same(codeRecord({ ...code, oidc: undefined, tamper: undefined }, 'c', 5), plain)
  t.same(Object.keys(codeRecord({ ...code, oidc: undefined }, 'c', 5)), Object.keys(plain), 'no undefined fields')
  t.same(codeRecord({ ...code, oidc: binding, tamper: 'wrong_aud' }, 'c', 5), { ...plain, oidc: binding, tamper: 'wrong_aud' })
})

// Records the memory store keeps as they are: made by spreading (`{ ...input, ...pair }`), a pair kept about 520 bytes, a code about 340.
t.test('records keep the small layout of a literal', async (t) => {
  const pair = await retainedBytesEach(20_000, (i) => tokenRecord(input, { ...issued, issued_at: i }))
  t.ok(pair < 200, `a token pair's record keeps ${pair} bytes`)
  const oidcPair = await retainedBytesEach(20_000, (i) => tokenRecord({ ...input, auth_time: i, kind: 'oidc' }, { ...issued, issued_at: i }))
  t.ok(oidcPair < 240, `an OIDC pair's record keeps ${oidcPair} bytes`)
  const plainCode = await retainedBytesEach(20_000, (i) => codeRecord(code, 'c', i))
  t.ok(plainCode < 120, `a code's record keeps ${plainCode} bytes`)
  const oidcCode = await retainedBytesEach(20_000, (i) => codeRecord({ ...code, oidc: binding }, 'c', i))
  t.ok(oidcCode < 140, `an OIDC code's record keeps ${oidcCode} bytes`)
})
