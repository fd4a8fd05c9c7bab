import { ProviderError } from '../errors.js'

/** Deeper JSON is refused before parsing: no provider body comes close, and deep values overflow recursive code. */
export const MAX_JSON_DEPTH = 64

/** The deepest nesting of arrays and objects in a JSON text, strings skipped; one pass, no parsing. */
export function nestingDepth (text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // a backslash escapes the next character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) deepest = Math.max(deepest, ++depth)
    else if (c === 125 || c === 93) depth--
  }
  return deepest
}

/** The 400 for a body over the limit, or undefined when it is within it. */
export const tooDeep = (text: string): ProviderError | undefined => nestingDepth(text) > MAX_JSON_DEPTH
  ? new ProviderError('badRequest', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`)
  : undefined
