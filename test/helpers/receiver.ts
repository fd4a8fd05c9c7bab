import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received { method: string, path: string, contentType: string, body: unknown }

/** Counts what is open at once and the most ever open; one can be shared by several receivers. */
export class Gauge {
  now = 0
  most = 0
  up (): void { this.most = Math.max(this.most, ++this.now) }
  down (): void { this.now-- }
}

export interface ReceiverOptions {
  /** Real milliseconds before each answer, so calls overlap. */
  delayMs?: number
  /** Requests being answered at once, over this receiver and any other given the same gauge. */
  requests?: Gauge
}

/**
 * A real HTTP receiver on 127.0.0.1 for back-channel calls: it records each request and answers
 * with what `respond` says for the Nth call (a status, or 'hang' to never answer). `connections`
 * counts the TCP connections clients hold open to it.
 */
export async function startReceiver (respond: (n: number) => number | 'hang' = () => 204, options: ReceiverOptions = {}) {
  const received: Received[] = []
  const hanging: ServerResponse[] = []
  const connections = new Gauge()
  const requests = options.requests ?? new Gauge()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.up()
    let text = ''
    req.on('data', (chunk) => { text += String(chunk) })
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, contentType: String(req.headers['content-type']), body: JSON.parse(text) })
      const answer = respond(received.length)
      if (answer === 'hang') hanging.push(res)
      else {
        setTimeout(() => {
          requests.down()
          res.writeHead(answer).end()
        }, options.delayMs ?? 0)
      }
    })
  })
  server.on('connection', (socket) => {
    connections.up()
    socket.on('close', () => connections.down())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    received,
    connections,
    /** Answers every hanging call with this status, and those to come too. */
    release (status: number) {
      respond = () => status
      for (const res of hanging.splice(0)) {
        requests.down()
        res.writeHead(status).end()
      }
    },
    close: () => new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
