// Shared by the benches: child servers, one-shot requests, /proc readings and a plain-text table.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const SANDBOX_MAIN = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))
export const REFERENCE_MAIN = fileURLToPath(new URL('./reference-server.js', import.meta.url))

export const AUTHORIZE = {
  path: '/api/v1/oauth/authorize',
  method: 'POST',
  headers: {
    authorization: 'Basic ' + Buffer.from('0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret').toString('base64'),
    'content-type': 'application/json'
  },
  body: JSON.stringify({ redirect_uri: 'https://shop.example/callback', grants: ['read.email', 'read.phone'] })
}

export const SANDBOX_ENV = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }

const children = new Set()

// A crash or Ctrl-C must not leave servers holding ports and CPU behind.
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { process.exit(128 + (signal === 'SIGINT' ? 2 : 15)) })
}

/**
 * Starts `node <args>` and resolves `url` with the first `listening on http://...` it prints.
 * `spawnedAt` is taken just before spawn(), for cold-start timing.
 */
export function spawnServer (args, env = {}) {
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { children.delete(child); resolve(code ?? signal) }))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk })
  const url = new Promise((resolve, reject) => {
    let seen = ''
    // Keeps draining stdout after the match so a chatty child never blocks on a full pipe.
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      if (seen === null) return
      seen += chunk
      const match = /listening on (http:\/\/[^\s/]+)/.exec(seen)
      if (match !== null) {
        seen = null
        resolve(match[1])
      }
    })
    exited.then((how) => reject(new Error(`node ${args.join(' ')} exited (${how}) before listening\n${stderr}`)))
  })
  url.catch(() => {})
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  return { child, url, spawnedAt, stop }
}

/** One request on a fresh connection; resolves { status, body } and rejects on socket errors. */
export function request (url, { path, method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method, headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

export function rssMiB (pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? NaN : Number(match[1]) / 1024
}

/** User+system CPU seconds a process has used so far (Linux /proc, USER_HZ is 100). */
export function cpuSeconds (pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Rows of strings (the first is the header) as aligned columns; a column of figures is right-aligned. */
export function table (rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)))
  const right = rows[0].map((_, i) => i > 0 && rows.slice(1).every((row) => /^[\d<>=-]/.test(String(row[i]))))
  return rows.map((row) => row.map((cell, i) => right[i] ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i]))
    .join('  ').trimEnd()).join('\n')
}

export const fmt = (value, digits = 0) => Number.isFinite(value)
  ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  : '-'
