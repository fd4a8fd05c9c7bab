import type { Delivery } from '../../deliveries.js'
import type { RawFinding, Rule } from '../types.js'

type Attempt = Delivery['attempts'][number]

const TIMED_OUT = /^no answer within \d+ ms$/
const timedOut = (a: Attempt): boolean => a.error !== undefined && TIMED_OUT.test(a.error)
const refused = (a: Attempt): boolean => a.status === undefined ? !timedOut(a) : a.status < 200 || a.status >= 300

const findings = (deliveries: Delivery[], bad: (a: Attempt) => boolean, say: (a: Attempt) => string): RawFinding[] =>
  deliveries.flatMap((d) => {
    const attempts = d.attempts.filter(bad)
    return attempts.length === 0
      ? []
      : [{
          client_id: d.client_id,
          summary: `POST ${d.target} (delivery ${d.id}, token id ${d.body.id}): ${attempts.map((a) => `${say(a)} at ${a.at}`).join('; ')}; outcome ${d.outcome}`,
          times: attempts.map((a) => Date.parse(a.at))
        }]
  })

export const revokeUriFailed: Rule = {
  id: 'revoke-uri-failed',
  severity: 'error',
  title: 'The revoke_uri answered an error',
  why: 'When a user ends their Freedom ID session, Freedom ID posts {"id": "<token id>"} to the client\'s revoke_uri; a receiver that answers non-2xx (or refuses the connection) keeps the user signed in at the merchant after they signed out everywhere.',
  fix: 'Answer 2xx to POST {"id": "<token id>"} (the id the token answer gave), then end the sessions that token pair belongs to.',
  evaluate: (s) => findings(s.deliveries, refused, (a) => a.status === undefined ? `failed (${a.error})` : `answered ${a.status}`)
}

export const revokeUriSlow: Rule = {
  id: 'revoke-uri-slow',
  severity: 'error',
  title: 'The revoke_uri answered slower than the delivery timeout',
  why: 'A logout notification that is not answered in time counts as not delivered: the back-channel may give up, and the user stays signed in at the merchant.',
  fix: 'Answer the revoke_uri at once (2xx) and end the sessions afterwards, in the background if it takes long.',
  evaluate: (s) => findings(s.deliveries, timedOut, () => `no answer within ${s.deliveryTimeoutMs} ms`)
}

export const revokeRules = [revokeUriFailed, revokeUriSlow]
