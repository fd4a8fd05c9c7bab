/** Parameters the sandbox itself appends to a merchant's redirect_uri. */
const APPENDED = new Set(['authorization_code', 'error_code', 'code', 'state', 'error', 'error_description'])

/**
 * Why a Location header is not safe, or undefined when it is: either a path on the sandbox's own
 * login pages, or exactly the stored redirect_uri of the track with only the sandbox's own
 * parameters appended (its existing query kept, in order).
 */
export function unsafeLocation (location: string | undefined, storedRedirectUri: string | undefined): string | undefined {
  if (location === undefined) return undefined
  if (/[\r\n\t\\]/.test(location)) return `control characters or a backslash in ${JSON.stringify(location)}`
  if (location.startsWith('/')) {
    if (location.startsWith('//')) return `protocol-relative ${location}`
    return /^\/login(\/consent)?\?track_id=[0-9a-f-]{36}(&expire_at=\d+)?$/.test(location) ? undefined : `unexpected same-origin path ${location}`
  }
  if (storedRedirectUri === undefined) return `absolute ${location} with no stored redirect_uri to match`
  const got = new URL(location)
  const stored = new URL(storedRedirectUri)
  if (got.origin !== stored.origin || got.pathname !== stored.pathname || got.hash !== stored.hash) {
    return `${location} is not at the stored redirect_uri ${storedRedirectUri}`
  }
  const kept = [...stored.searchParams]
  const all = [...got.searchParams]
  if (JSON.stringify(all.slice(0, kept.length)) !== JSON.stringify(kept)) return `${location} lost the stored query of ${storedRedirectUri}`
  const extra = all.slice(kept.length).map(([name]) => name).filter((name) => !APPENDED.has(name))
  return extra.length === 0 ? undefined : `${location} carries parameters the sandbox does not append: ${extra.join(', ')}`
}
