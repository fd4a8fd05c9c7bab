import t from 'tap'
import { ECHOED_MAX } from '../../src/domain/oidc.js'
import { testApp } from '../helpers/app.js'
import { openidUrl } from '../helpers/oidc.js'

/*
 * What a client can make the sandbox keep has a byte budget: a track keeps an OIDC state and
 * nonce of at most 2,048 characters each (a URL may carry 16 KiB), so 10,000 tracks (MAX_RECORDS)
 * never hold more than 40 MB of them.
 */

t.test(`state and nonce: ${ECHOED_MAX} characters are kept, one more is refused with invalid_request`, async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent' })
  for (const name of ['state', 'nonce'] as const) {
    const fine = await app.inject({ url: openidUrl({ [name]: 's'.repeat(ECHOED_MAX) }) })
    t.match(fine.headers.location, /^\/login\?/, `${name}: ${ECHOED_MAX} characters make a track`)
    const long = 's'.repeat(ECHOED_MAX + 1)
    const res = await app.inject({ url: openidUrl({ [name]: long }) })
    t.equal(res.statusCode, 303)
    const params = Object.fromEntries(new URL(res.headers.location as string).searchParams)
    t.equal(params.error, 'invalid_request')
    t.equal(params.error_description, `${name} is longer than ${ECHOED_MAX} characters.`)
  }
})
