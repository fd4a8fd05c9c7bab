import t from 'tap'
import { createClientRegistry } from '../../src/domain/clients.js'

const open = { client_id: '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70', client_secret: 'a', name: 'Open' }
const strict = {
  client_id: 'b7d3e1f9-2a4c-4b6e-8d0f-1c3e5a7b9d21',
  client_secret: 'b',
  name: 'Strict',
  redirect_uris: ['https://x.example/cb'],
  grants: ['openid' as const]
}

t.test('verify compares secrets; unknown clients never pass', async (t) => {
  const registry = createClientRegistry([open, strict])
  t.equal(registry.verify(open.client_id, 'a'), open)
  t.equal(registry.verify(open.client_id, 'b'), undefined)
  t.equal(registry.verify(open.client_id, ''), undefined)
  t.equal(registry.verify('nobody', 'no such client'), undefined, 'not even with the decoy secret')
  t.equal(registry.get(strict.client_id), strict)
  t.same(registry.all(), [open, strict])
})

t.test('restrictions apply only where a client lists them', async (t) => {
  const registry = createClientRegistry([open, strict])
  t.ok(registry.allowsRedirect(open, 'https://anything.example'))
  t.ok(registry.allowsRedirect(strict, 'https://x.example/cb'))
  t.notOk(registry.allowsRedirect(strict, 'https://x.example/cb/'))
  t.ok(registry.allowsGrant(open, 'read.cards'))
  t.ok(registry.allowsGrant(strict, 'openid'))
  t.notOk(registry.allowsGrant(strict, 'read.cards'))
})
