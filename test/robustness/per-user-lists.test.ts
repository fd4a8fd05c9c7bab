import t from 'tap'
import { SESSION_CAP } from '../../src/domain/tokens.js'
import { testApp } from '../helpers/app.js'
import { AIGERIM } from '../helpers/flow.js'

/*
 * The pairs of each user are listed for a logout, one list per user. At MAX_RECORDS=1000, 5,000
 * users issued one pair each (as a load test of freshly provisioned users does) leave at most
 * 1,000 lists: the others indexed only pairs the token collections had already pushed out.
 */
t.test('per-user pair lists: at most MAX_RECORDS of them after many users, the newest kept and still ended by a logout', async (t) => {
  const { app } = await testApp(t, { logLevel: 'silent', maxRecords: 1000 })
  const { tokens, store } = app.sandbox
  const users = Array.from({ length: 5000 }, (_, n) => `user-${n}`)
  for (const user of users) await tokens.issue({ client_id: 'c', user_id: user, track_id: 't', grants: ['read.email'] })
  const aigerim = await tokens.issue({ client_id: 'c', user_id: AIGERIM, track_id: 't', grants: ['read.email'] })
  const listOf = (user: string) => store.list(`sessions:${user}`, SESSION_CAP, { group: 'sessions' })
  let kept = 0
  for (const user of users) if ((await listOf(user).items()).length > 0) kept++
  t.ok(kept < 1000, `${kept} of 5,000 users' lists kept`)
  t.same((await listOf(AIGERIM).items()).map((pair) => (pair as { id: string }).id), [aigerim.id], 'the newest is kept')
  const res = await app.inject({ method: 'POST', url: `/__sandbox/users/${AIGERIM}/logout` })
  t.equal(res.json().tokens_ended, 1, 'and its pair is ended by a logout')
  t.equal((await tokens.findAccess(aigerim.access_token)), undefined)
})
