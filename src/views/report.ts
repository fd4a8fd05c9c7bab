import { hash } from 'node:crypto'
import type { Finding, Report } from '../domain/report/types.js'
import { html, type SafeHtml } from './html.js'

const STYLE = `body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d2733;background:#eef2f6}
main{max-width:60rem;margin:1.5rem auto;padding:0 1rem}
section,article{background:#fff;border-radius:10px;padding:1rem 1.25rem;margin:0 0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin:0 0 .5rem}h3{font-size:1rem;margin:0 0 .25rem}
.error{border-left:6px solid #c62828}.warning{border-left:6px solid #ef8f00}.notice{border-left:6px solid #1565c0}
.ok{color:#0a7d3c}code,.mono{font-family:ui-monospace,monospace;font-size:.9em}
table{border-collapse:collapse}td,th{padding:.1rem .6rem .1rem 0;text-align:left}`

/** The CSP lets exactly this stylesheet in (it holds nothing the html tag escapes, so the page carries it as hashed). */
export const REPORT_CSP = `default-src 'none'; style-src 'sha256-${hash('sha256', STYLE, 'base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`

const finding = (f: Finding): SafeHtml => html`<article class="${f.severity}" data-testid="finding" data-rule="${f.rule}">
<h3>${f.severity}: ${f.title} <code>${f.rule}</code></h3>
<p>${f.seen.summary}</p>
${f.seen.entries.length === 0
  ? ''
  : html`<table><tr><th>entry</th><th>time</th><th>request</th><th>status</th></tr>${f.seen.entries.map((e) => html`<tr><td>#${e.id}</td><td class="mono">${e.time}</td><td class="mono">${e.method} ${e.path}</td><td>${e.status}</td></tr>`)}</table>`}
${f.seen.track_ids.length === 0 ? '' : html`<p>Tracks: <span class="mono">${f.seen.track_ids.join(', ')}</span></p>`}
<p><strong>Why it matters:</strong> ${f.why}</p>
<p><strong>Fix:</strong> ${f.fix}</p>
</article>`

/** The report as a page for people: a section per client, a card per finding. Everything is escaped. */
export function reportPage (report: Report): string {
  const { summary } = report
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Integration report - Freedom ID sandbox</title><style>${STYLE}</style></head>
<body><main>
<h1>Integration report</h1>
<section><p>${summary.error} error(s), ${summary.warning} warning(s), ${summary.notice} notice(s) over ${report.journal.entries} journal entries${report.journal.oldest === undefined ? '' : html` (${report.journal.oldest} to ${report.journal.newest})`}; generated ${report.generated_at} (sandbox clock).</p>
${report.journal.enabled ? '' : html`<p class="error">The journal is off (JOURNAL=off): there is nothing to report on.</p>`}</section>
${report.clients.map((client) => html`<section data-testid="client" data-client-id="${client.client_id}">
<h2>${client.name ?? client.client_id} <span class="mono">${client.client_id}</span></h2>
${client.findings.length === 0 ? html`<p class="ok">No findings.</p>` : client.findings.map(finding)}
${client.omitted === 0 ? '' : html`<p>${client.omitted} more finding(s) not shown.</p>`}
</section>`)}
</main></body></html>
`.value
}
