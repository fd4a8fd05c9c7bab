#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8'
import { runCli } from './cli.js'

// The CLI's own heap policy (the library leaves its host's alone): after each full GC the heap
// may grow by 40% before the next, not by V8's adaptive factor of up to 4x, which let RSS climb
// to four times the live heap under load (bench/memory.js; the figures in docs/performance.md).
// A growth factor, not a limit: it never runs out of heap.
setFlagsFromString('--heap-growing-percent=40')

process.exitCode = (await runCli(process.argv.slice(2), process.env, { out: console.log, err: console.error })).code
