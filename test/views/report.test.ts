import t from 'tap'
import type { Report } from '../../src/domain/report/types.js'
import { reportPage } from '../../src/views/report.js'

t.test('the page: a client with no findings, one without a name, a finding without journal entries', async (t) => {
  const report: Report = {
    generated_at: '2030-01-01T00:00:00.000Z',
    journal: { enabled: true, entries: 3, oldest: '2030-01-01T00:00:00.000Z', newest: '2030-01-01T00:00:00.000Z' },
    summary: { error: 1, warning: 0, notice: 0 },
    rules: [{ id: 'revoke-uri-failed', severity: 'error', title: 'The revoke_uri answered an error' }],
    clients: [
      { client_id: 'c1', name: 'Quiet <Shop>', findings: [], omitted: 0 },
      {
        client_id: 'unidentified',
        omitted: 2,
        findings: [{
          rule: 'revoke-uri-failed',
          severity: 'error',
          title: 'The revoke_uri answered an error',
          seen: { summary: 'POST http://x/?a=1&b=<2> answered 500', entries: [], track_ids: [], first: '2030-01-01T00:00:00.000Z', last: '2030-01-01T00:00:00.000Z' },
          why: 'why "it" matters',
          fix: 'fix <it>'
        }]
      }
    ]
  }
  const page = reportPage(report)
  t.match(page, '<section data-testid="client" data-client-id="c1">\n<h2>Quiet &lt;Shop&gt; <span class="mono">c1</span></h2>\n<p class="ok">No findings.</p>\n\n</section>')
  t.match(page, '<h2>unidentified <span class="mono">unidentified</span></h2>')
  t.match(page, '<article class="error" data-testid="finding" data-rule="revoke-uri-failed">\n<h3>error: The revoke_uri answered an error <code>revoke-uri-failed</code></h3>\n<p>POST http://x/?a=1&amp;b=&lt;2&gt; answered 500</p>\n\n\n<p><strong>Why it matters:</strong> why &quot;it&quot; matters</p>\n<p><strong>Fix:</strong> fix &lt;it&gt;</p>')
  t.match(page, '<p>2 more finding(s) not shown.</p>')
  t.notOk(page.includes('<table>'), 'no entries, no table')
})
