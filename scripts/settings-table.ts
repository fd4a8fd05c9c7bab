import type { Setting } from '../src/config.js'

export const TABLE_START = '<!-- settings-table: generated from SETTINGS in src/config.ts by `npm run docs:settings`; edit there, not here -->'
export const TABLE_END = '<!-- /settings-table -->'

/** Text in a cell: Markdown's punctuation escaped, so `<port>` or `a|b` show as written. */
const text = (value: string): string => value.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)
const code = (value: string): string => `\`${value}\``

/** The default as a literal (`8080`) when it is the schema's own default, else as words ("one calendar month"). */
const shownDefault = (setting: Setting): string =>
  setting.schema.default !== undefined && String(setting.schema.default) === setting.shown ? code(setting.shown) : text(setting.shown)

/** The settings page's table: one row per setting, in the order `--help` lists them. */
export function settingsTable (settings: Record<string, Setting>): string {
  const rows = Object.entries(settings).map(([option, setting]) =>
    `| ${code(setting.env)} | ${code(`--${setting.flag}`)} | ${code(option)} | ${shownDefault(setting)} | ${text(setting.expected)} | ${text(setting.help)} |`)
  return ['| env | flag | `startSandbox` option | default | values | meaning |', '|---|---|---|---|---|---|', ...rows].join('\n')
}

/** The page with its generated table replaced; throws when the markers are missing. */
export function withSettingsTable (page: string, settings: Record<string, Setting>): string {
  const start = page.indexOf(TABLE_START)
  const end = page.indexOf(TABLE_END)
  if (start === -1 || end < start) throw new Error(`the page has no "${TABLE_START}" ... "${TABLE_END}" markers`)
  return `${page.slice(0, start + TABLE_START.length)}\n${settingsTable(settings)}\n${page.slice(end)}`
}
