import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import t from 'tap'
import { SETTINGS } from '../../src/config.js'
import { TABLE_END, TABLE_START, settingsTable, withSettingsTable } from '../../scripts/settings-table.js'
import { ROOT } from './blocks.js'

t.test('docs/settings.md holds the table SETTINGS generates (npm run docs:settings rewrites it)', async (t) => {
  const page = await readFile(join(ROOT, 'docs', 'settings.md'), 'utf8')
  t.equal(page, withSettingsTable(page, SETTINGS), 'docs/settings.md differs from SETTINGS in src/config.ts: run npm run docs:settings')
  for (const setting of Object.values(SETTINGS)) t.match(page, `| \`${setting.env}\` | \`--${setting.flag}\` |`, setting.env)
})

t.test('a new setting becomes a new row, its text escaped; the rest of the page stays', async (t) => {
  const page = `# Settings\n\nbefore\n\n${TABLE_START}\n| stale |\n${TABLE_END}\n\nafter\n`
  const settings = {
    ...SETTINGS,
    exampleFormat: {
      env: 'EXAMPLE_FORMAT',
      flag: 'example-format',
      schema: Type.Union([Type.Literal('pretty'), Type.Literal('json')], { default: 'pretty' }),
      expected: '"pretty" or "json"',
      shown: 'pretty',
      help: 'pretty on a terminal | json for <machines> (see `jq`)'
    }
  }
  const updated = withSettingsTable(page, settings)
  t.match(updated, /^# Settings\n\nbefore\n\n<!-- settings-table: [^\n]+-->\n\| env \| flag \|/)
  t.match(updated, /\n<!-- \/settings-table -->\n\nafter\n$/)
  t.notMatch(updated, 'stale')
  t.match(updated, '| `EXAMPLE_FORMAT` | `--example-format` | `exampleFormat` | `pretty` | "pretty" or "json" | pretty on a terminal \\| json for \\<machines\\> (see \\`jq\\`) |\n<!-- /settings-table -->')
  t.equal(settingsTable(settings).split('\n').length, Object.keys(SETTINGS).length + 3)
  t.equal(withSettingsTable(updated, settings), updated, 'a second run changes nothing')
})

t.test('a page without the markers is refused, not silently left alone', async (t) => {
  t.throws(() => withSettingsTable('# Settings\n', SETTINGS), /has no "<!-- settings-table/)
  t.throws(() => withSettingsTable(`${TABLE_END}\n${TABLE_START}\n`, SETTINGS), /has no/)
})
