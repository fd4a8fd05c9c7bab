// The floor the sandbox is compared against: bare node:http doing no work beyond reading the
// request and writing a reply of the same shape and size as the sandbox's authorize answer.
import http from 'node:http'
import { pathToFileURL } from 'node:url'

export function startReference () {
  let reply = Buffer.alloc(0)
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': reply.length })
      res.end(reply)
    })
  })
  // Same as the sandbox, so keep-alive behaves alike under load.
  server.keepAliveTimeout = 5_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      reply = Buffer.from(JSON.stringify({
        redirect_uri: `http://localhost:${port}/login?track_id=3f2b6c1e-8d4a-4f7b-9a2e-5c1d0b7e6a94&expire_at=1767225600`
      }))
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
