import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received { method: string, path: string, contentType: string, body: unknown }

/**
 * A real HTTP receiver on 127.0.0.1 for back-channel calls: it records each request and answers
 * with what `respond` says for the Nth call (a status, or 'hang' to never answer).
 */
export async function startReceiver (respond: (n: number) => number | 'hang' = () => 204) {
  const received: Received[] = []
  const hanging: ServerResponse[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = ''
    req.on('data', (chunk) => { text += String(chunk) })
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, contentType: String(req.headers['content-type']), body: JSON.parse(text) })
      const answer = respond(received.length)
      if (answer === 'hang') hanging.push(res)
      else res.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    received,
    close: () => new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
