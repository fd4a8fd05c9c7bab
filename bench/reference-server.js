// The floor the sandbox is compared against: bare node:http doing no work beyond reading the
// request and writing a canned reply of the same shape and size as the sandbox's answer on that
// route (authorize, headless approve, token exchange and refresh, user data). It checks nothing:
// any code, any token is "valid", so the same load scripts drive it and the sandbox alike.
import http from 'node:http'
import { pathToFileURL } from 'node:url'

const alnum = (length, salt) => Array.from({ length }, (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[(i * 7 + salt) % 62]).join('')

const TOKEN_PAIR = JSON.stringify({
  id: '01a21734-3478-70ba-bf3f-671889702f7b',
  access_token: alnum(128, 1),
  refresh_token: alnum(128, 2),
  access_expire_at: '2026-12-03T09:33:47.000000Z',
  refresh_expire_at: '2026-12-26T09:33:47.000000Z'
})
const USER = JSON.stringify({ id: '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01', phone: '+77015550101', email: 'aigerim.sarsenbayeva@example.com' })
const APPROVED = JSON.stringify({ redirect_uri: `https://shop.example/callback?authorization_code=${alnum(64, 3)}` })
const APPROVE_PATH = /^\/__sandbox\/tracks\/[^/]+\/approve$/

export function startReference () {
  const replies = new Map()
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
    res.end(body)
  }
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const reply = replies.get(`${req.method} ${req.url}`) ??
        (req.method === 'POST' && APPROVE_PATH.test(req.url) ? replies.get('approve') : undefined)
      if (reply !== undefined) send(res, 200, reply)
      else if (req.url === '/api/v1/oauth/authorize') res.writeHead(405).end()
      else res.writeHead(404).end()
    })
  })
  // Same as the sandbox, so keep-alive behaves alike under load.
  server.keepAliveTimeout = 5_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      replies.set('POST /api/v1/oauth/authorize', Buffer.from(JSON.stringify({
        redirect_uri: `http://localhost:${port}/login?track_id=3f2b6c1e-8d4a-4f7b-9a2e-5c1d0b7e6a94&expire_at=1767225600`
      })))
      replies.set('approve', Buffer.from(APPROVED))
      replies.set('POST /api/v1/oauth/token', Buffer.from(TOKEN_PAIR))
      replies.set('PATCH /api/v1/oauth/token', Buffer.from(TOKEN_PAIR))
      replies.set('GET /api/v1/oauth/user', Buffer.from(USER))
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections() })
      })
    })
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, close } = await startReference()
  console.log(`Reference server listening on ${url}`)
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { close().then(() => process.exit(0)) })
}
