import t from 'tap'
import { escapeHtml, html } from '../../src/views/html.js'

t.test('values are escaped unless they are html themselves', async (t) => {
  t.equal(escapeHtml('<a href="x">\'&`</a>'), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#96;&lt;/a&gt;')
  const inner = html`<b>${'<i>'}</b>`
  t.equal(html`<p>${inner}${[html`<br>`, '<br>']}</p>`.value, '<p><b>&lt;i&gt;</b><br>&lt;br&gt;</p>')
  t.equal(html`${undefined}${null}${false}${0}${'x'}`.value, '0x')
  t.equal(html`${{ value: '<raw>' }}`.value, '[object Object]', 'a look-alike object is not trusted')
})
