#!/usr/bin/env node
import { runCli } from './cli.js'

process.exitCode = (await runCli(process.argv.slice(2), process.env, { out: console.log, err: console.error })).code
