import t from 'tap'
import { DEMO, testApp } from '../../../helpers/app.js'
import { approve, exchange } from '../../../helpers/flow.js'
import { findings } from '../../../helpers/report.js'

const A = '1f0e2d3c-4b5a-4968-8776-655443322110'
const B = '2f0e2d3c-4b5a-4968-8776-655443322110'

async function kycClient (t: Parameters<typeof testApp>[0]) {
  const { app } = await testApp(t)
  const { trackId, code } = await approve(app, { body: { redirect_uri: 'https://shop.example/callback', grants: ['read.profile'] } })
  const { access_token: token } = (await exchange(app, code)).json()
  const headers = { authorization: `Bearer ${token}` }
  return {
    app,
    trackId,
    ask: (requestId: string) => app.inject({ method: 'POST', url: '/api/v1/oauth/get-profile', headers, payload: { request_id: requestId } }),
    poll: (requestId: string) => app.inject({ method: 'GET', url: `/api/v1/oauth/get-profile/status${requestId === '' ? '' : `?request_id=${requestId}`}`, headers })
  }
}

t.test('kyc-never-polled: accepted, and the status never asked for', async (t) => {
  const { app, trackId, ask, poll } = await kycClient(t)
  t.equal((await ask(A)).json().status, 'accepted')
  t.equal((await ask(B)).json().status, 'accepted')
  t.equal((await poll(B)).statusCode, 200)
  t.equal((await poll('')).statusCode, 422, 'a poll without request_id polls nothing')
  t.same(await findings(app, 'kyc-never-polled'), [[DEMO.id, `Request ${A} was accepted (entry 5, 2030-01-01T00:00:00.000Z) and its status was never asked for`, [5], [trackId]]])
  await poll(A)
  t.same(await findings(app, 'kyc-never-polled'), [], 'polled at last')
})

t.test('kyc-polled-too-fast: five polls of one request within a second', async (t) => {
  const { app, trackId, ask, poll } = await kycClient(t)
  await ask(A)
  for (let i = 0; i < 4; i++) await poll(A)
  t.same(await findings(app, 'kyc-polled-too-fast'), [], 'four in a second is not yet a flood')
  await poll(A)
  t.same(await findings(app, 'kyc-polled-too-fast'), [[DEMO.id, `The status of request ${A} was polled 5 times within a second (real time), 5 times in all`, [6, 7, 8, 9, 10], [trackId]]])
})

t.test('kyc-polled-too-fast: polls a second apart are fine, by the real clock', async (t) => {
  const { app, ask, poll } = await kycClient(t)
  await ask(A)
  for (let i = 0; i < 5; i++) {
    await poll(A)
    await new Promise((resolve) => setTimeout(resolve, 260))
  }
  t.same(await findings(app, 'kyc-polled-too-fast'), [], 'five polls over more than a second (the sandbox clock stood still throughout)')
})
