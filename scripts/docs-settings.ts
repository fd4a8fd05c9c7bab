import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SETTINGS } from '../src/config.js'
import { withSettingsTable } from './settings-table.js'

// `npm run docs:settings`: rewrites the table in docs/settings.md from SETTINGS (a test fails while they differ).
// npm runs scripts in the package's root.
const page = join(process.cwd(), 'docs', 'settings.md')
const before = await readFile(page, 'utf8')
const after = withSettingsTable(before, SETTINGS)
if (after === before) {
  console.log('docs/settings.md: the settings table is up to date')
} else {
  await writeFile(page, after)
  console.log(`docs/settings.md: the settings table rewritten (${Object.keys(SETTINGS).length} settings)`)
}
