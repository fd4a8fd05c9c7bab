import type { Client } from './fixtures.js'
import type { Grant } from './grants.js'
import { digest, matchesDigest } from './secrets.js'

export interface ClientRegistry {
  all(): Client[]
  get(clientId: string): Client | undefined
  /** The client when the secret matches, compared in constant time (unknown ids cost the same). */
  verify(clientId: string, secret: string): Client | undefined
  allowsRedirect(client: Client, redirectUri: string): boolean
  allowsGrant(client: Client, grant: Grant): boolean
}

export function createClientRegistry (clients: Client[]): ClientRegistry {
  const byId = new Map(clients.map((c) => [c.client_id, { client: c, secret: digest(c.client_secret) }]))
  const decoy = digest('no such client')
  return {
    all: () => clients,
    get: (clientId) => byId.get(clientId)?.client,
    verify (clientId, secret) {
      const entry = byId.get(clientId)
      const matches = matchesDigest(secret, entry?.secret ?? decoy)
      return matches && entry !== undefined ? entry.client : undefined
    },
    allowsRedirect: (client, redirectUri) => client.redirect_uris === undefined || client.redirect_uris.includes(redirectUri),
    allowsGrant: (client, grant) => client.grants === undefined || client.grants.includes(grant)
  }
}
