import { spawnSync } from 'node:child_process'
import t from 'tap'
import { escapeXml, reportJunit } from '../../../src/domain/report/junit.js'
import type { Report } from '../../../src/domain/report/types.js'

t.test('escapeXml: the five entities, and what XML 1.0 cannot hold at all', async (t) => {
  t.equal(escapeXml('<a href="x">&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;')
  t.equal(escapeXml('bell\u0007 nul\u0000 tab\t nl\n'), 'bell\uFFFD nul\uFFFD tab\t nl\n')
  t.equal(escapeXml('lone \uD800 and \uDC00, pair \uD83D\uDE00'), 'lone \uFFFD and \uFFFD, pair \uD83D\uDE00')
})

t.test('a client without a name, a finding without journal entries: well-formed, exact', async (t) => {
  const report: Report = {
    generated_at: '2030-01-01T00:00:00.000Z',
    journal: { enabled: true, entries: 0 },
    summary: { error: 1, warning: 0, notice: 0 },
    rules: [{ id: 'revoke-uri-failed', severity: 'error', title: 'The revoke_uri answered an error' }],
    clients: [{
      client_id: 'unidentified',
      omitted: 0,
      findings: [{
        rule: 'revoke-uri-failed',
        severity: 'error',
        title: 'The revoke_uri answered an error',
        seen: { summary: 'POST http://x/?a=1&b=<2> answered 500', entries: [], track_ids: [], first: '2030-01-01T00:00:00.000Z', last: '2030-01-01T00:00:00.000Z' },
        why: 'w ]]> \u0001',
        fix: 'f'
      }]
    }]
  }
  const xml = reportJunit(report)
  t.equal(xml, `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="freedom-id-sandbox integration report" tests="1" failures="1" errors="0">
  <testsuite name="unidentified" tests="1" failures="1" errors="0" skipped="0" timestamp="2030-01-01T00:00:00">
    <testcase classname="freedom-id-sandbox.unidentified" name="revoke-uri-failed: The revoke_uri answered an error">
      <failure type="error" message="POST http://x/?a=1&amp;b=&lt;2&gt; answered 500">error: POST http://x/?a=1&amp;b=&lt;2&gt; answered 500
Why: w ]]&gt; \uFFFD
Fix: f</failure>
    </testcase>
  </testsuite>
</testsuites>
`)
  const parsed = spawnSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.buffer.read())'], { input: xml })
  t.equal(parsed.status, 0, String(parsed.stderr))
})
