import { connect, type Socket } from 'node:net'

/** A raw TCP client that records what the server sent and when it closed the connection. */
export interface RawClient {
  socket: Socket
  received: () => string
  /** Milliseconds from connecting until the server closed, or undefined while open. */
  closedAfterMs: () => number | undefined
  closed: Promise<void>
  /** Stops any trickle and destroys the socket. */
  destroy(): void
}

export async function rawClient (port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const opened = performance.now()
  let text = ''
  let closedAt: number | undefined
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { text += chunk })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => { closedAt = performance.now() - opened; resolve() }))
  return {
    socket,
    received: () => text,
    closedAfterMs: () => closedAt,
    closed,
    destroy: () => { socket.destroy() }
  }
}

/**
 * Writes `text` at once, then one byte of `trickle` every `everyMs`, at most `maxBytes` bytes:
 * a slow-loris client. Stops when the socket closes.
 */
export function trickle (client: RawClient, text: string, everyMs: number, maxBytes: number): () => void {
  client.socket.write(text)
  let sent = 0
  const timer = setInterval(() => {
    if (client.socket.destroyed || sent >= maxBytes) {
      clearInterval(timer)
      return
    }
    client.socket.write('a')
    sent++
  }, everyMs)
  return () => clearInterval(timer)
}
