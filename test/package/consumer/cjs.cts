// The same test in a CommonJS module: tsc turns the import into require(), which the package's
// "require" export answers with dist/index.cjs and the declarations in dist/cjs/.
import * as library from 'freedom-id-sandbox'
import type { SandboxOptions } from 'freedom-id-sandbox'
import { signInThrough } from './flow.cjs'

// @ts-expect-error: the types are real, a TTL is a number of seconds
const wrong: SandboxOptions = { trackTtl: '10m' }
const options: SandboxOptions = { seed: 'consumer', clock: '2030-01-01T00:00:00Z' }
const format = typeof require === 'function' && typeof module === 'object' ? 'cjs' : 'not cjs'
const entry = require.resolve('freedom-id-sandbox')
void signInThrough(library, options).then((result) => { console.log(JSON.stringify({ format, entry, ...result, wrong: wrong.trackTtl })) })
