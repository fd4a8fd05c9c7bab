// A merchant's test in an ES module, compiled by tsc (strict, NodeNext) against the installed
// package: `import` gets dist/index.js and its declarations.
import * as library from 'freedom-id-sandbox'
import type { SandboxOptions } from 'freedom-id-sandbox'
import { signInThrough } from './flow.cjs'

// @ts-expect-error: the types are real, a port is a number
const wrong: SandboxOptions = { port: '8080' }
const options: SandboxOptions = { seed: 'consumer', clock: new Date('2030-01-01T00:00:00Z') }
const entry = import.meta.resolve('freedom-id-sandbox')
console.log(JSON.stringify({ format: 'esm', entry, ...await signInThrough(library, options), wrong: wrong.port }))
