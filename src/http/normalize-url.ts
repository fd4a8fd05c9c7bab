import type { IncomingMessage } from 'node:http'

const ABSOLUTE_FORM = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i
// RFC 3986 section 2.3: these mean the same encoded or not.
const ENCODED_UNRESERVED = /%(2[dDeE]|3\d|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g

/**
 * The one spelling of a request target that routing, faults, the journal, the control API's
 * token check and the log all read (Fastify's `rewriteUrl`, before routing): the path of an
 * absolute-form target (`GET http://host/__sandbox/clock`), with percent-encoded unreserved
 * characters decoded (`/%5f%5fsandbox` is `/__sandbox`, as the router already took it). Other
 * escapes and the query string are left as sent.
 */
export function normalizeUrl (url: string): string {
  const target = url.replace(ABSOLUTE_FORM, '')
  const start = target.startsWith('/') || target === '*' ? target : `/${target}`
  const query = start.indexOf('?')
  const path = query === -1 ? start : start.slice(0, query)
  const decoded = path.replace(ENCODED_UNRESERVED, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return query === -1 ? decoded : decoded + start.slice(query)
}

// A server's request always has a url (only a client's IncomingMessage lacks one).
export const rewriteUrl = (request: IncomingMessage): string => normalizeUrl(request.url!)
