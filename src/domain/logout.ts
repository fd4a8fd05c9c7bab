import { Type, type Static } from '@sinclair/typebox'
import { ProviderError } from '../errors.js'
import type { ClientRegistry } from './clients.js'
import { DeliverySchema, type Deliveries } from './deliveries.js'
import type { SignInSessions } from './sign-in-sessions.js'
import type { TokenService } from './tokens.js'
import type { UserDirectory } from './users.js'

export const LogoutReply = Type.Object({
  user_id: Type.String(),
  tokens_ended: Type.Integer({ description: 'Token pairs of this user that stopped working' }),
  deliveries: Type.Array(DeliverySchema, { description: 'The revoke_uri calls started (they finish in the background)' })
})
export type LoggedOut = Static<typeof LogoutReply>

/**
 * A user's Freedom ID session ends (`userRef`: id, phone or e-mail): their token pairs and browser
 * sign-ins stop working, and each client with a revoke_uri is told the id of each pair it held.
 */
export type Logout = (userRef: string) => Promise<LoggedOut>

export interface LogoutDeps {
  users: UserDirectory
  tokens: TokenService
  signInSessions: SignInSessions
  clients: ClientRegistry
  deliveries: Deliveries
  /** Where this process answers itself: the base of a revoke_uri given as a path. */
  selfUrl(): string
}

export function createLogout (deps: LogoutDeps): Logout {
  const { users, tokens, signInSessions, clients, deliveries } = deps
  return async (userRef) => {
    const user = await users.find(userRef)
    if (user === undefined) throw new ProviderError('notFound', `No user ${userRef}.`)
    const ended = await tokens.endSession(user.id)
    // The browser's sign-in ends too: prompt=none then answers login_required.
    await signInSessions.endFor(user.id)
    const started = []
    for (const pair of ended) {
      const revokeUri = clients.get(pair.client_id)?.revoke_uri
      if (revokeUri === undefined) continue
      // A path names this sandbox itself (the bundled client's built-in receiver).
      const target = revokeUri.startsWith('/') ? `${deps.selfUrl()}${revokeUri}` : revokeUri
      started.push(await deliveries.send({ target, body: { id: pair.id }, client_id: pair.client_id, user_id: user.id }))
    }
    return { user_id: user.id, tokens_ended: ended.length, deliveries: started }
  }
}
