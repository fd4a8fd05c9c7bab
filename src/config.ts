import { fileURLToPath } from 'node:url'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import './domain/formats.js'
import { DEFAULT_MAX_ENTRIES } from './domain/store.js'

export const BUNDLED_FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url))

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const LOG_FORMATS = ['auto', 'pretty', 'json'] as const

/** One row of SETTINGS: what --help, the error messages and docs/settings.md say of it. */
export interface Setting {
  env: string
  flag: string
  schema: TSchema
  /** What a valid value looks like, for the error message. */
  expected: string
  /** The default as `--help` shows it. */
  shown: string
  help: string
}

const seconds = (help: string, shown: string, fallback?: number) => ({
  schema: Type.Integer({ minimum: 1, default: fallback }),
  expected: 'a whole number of seconds, at least 1',
  shown,
  help
})

/** Every setting, in the order `--help` lists them. The key is the library option's name. */
export const SETTINGS = {
  port: {
    env: 'PORT',
    flag: 'port',
    schema: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    expected: 'an integer from 0 to 65535',
    shown: '8080',
    help: 'port to listen on; 0 picks a free one (the URL is printed)'
  },
  host: {
    env: 'HOST',
    flag: 'host',
    schema: Type.String({ minLength: 1, default: '127.0.0.1' }),
    expected: 'a host name or IP address',
    shown: '127.0.0.1',
    help: 'interface to listen on (the container image sets 0.0.0.0)'
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    flag: 'public-url',
    schema: Type.String({ format: 'http-url' }),
    expected: 'an absolute http(s) URL',
    shown: 'http://localhost:<port>',
    help: 'base of the login links, for a sandbox behind a proxy or a container name; also fixes the OIDC issuer and endpoints (with neither PUBLIC_URL nor ISSUER set, they follow the Host the client used)'
  },
  fixturesDir: {
    env: 'FIXTURES_DIR',
    flag: 'fixtures',
    schema: Type.String({ minLength: 1, default: BUNDLED_FIXTURES }),
    expected: 'a folder path',
    shown: 'the bundled fixtures/',
    help: 'folder with clients.json and users.json'
  },
  trackTtl: { env: 'TRACK_TTL', flag: 'track-ttl', ...seconds('life of a login link (expire_at - now)', '600', 600) },
  codeTtl: { env: 'CODE_TTL', flag: 'code-ttl', ...seconds('life of an authorization code', '300', 300) },
  accessTtl: { env: 'ACCESS_TTL', flag: 'access-ttl', ...seconds('life of an access token', '604800 (7 days)', 604800) },
  refreshTtl: {
    env: 'REFRESH_TTL',
    flag: 'refresh-ttl',
    ...seconds('life of a refresh token', 'one calendar month')
  },
  errorStatus: {
    env: 'ERROR_STATUS',
    flag: 'error-status',
    schema: Type.Union([Type.Literal('http'), Type.Literal('200')], { default: 'http' }),
    expected: '"http" or "200"',
    shown: 'http',
    help: 'http: errors carry 4xx/5xx statuses; 200: every envelope comes with HTTP 200 (not OIDC_ERRORS=oauth\'s)'
  },
  seed: {
    env: 'SEED',
    flag: 'seed',
    schema: Type.String({ minLength: 1 }),
    expected: 'a non-empty string',
    shown: 'unset (random ids)',
    help: 'makes every generated id repeatable: same seed + same requests = same output'
  },
  clock: {
    env: 'CLOCK',
    flag: 'clock',
    schema: Type.String({ format: 'iso-instant' }),
    expected: 'an ISO 8601 instant such as 2030-01-01T00:00:00Z',
    shown: 'real time',
    help: 'start the sandbox clock at this instant; it stands still until moved or unfrozen (POST /__sandbox/clock {"freeze": false})'
  },
  sandboxToken: {
    env: 'SANDBOX_TOKEN',
    flag: 'sandbox-token',
    schema: Type.String({ minLength: 1 }),
    expected: 'a non-empty string',
    shown: 'unset (open)',
    help: 'when set, /__sandbox routes need "Authorization: Bearer <token>"'
  },
  journal: {
    env: 'JOURNAL',
    flag: 'journal',
    schema: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
    expected: '"on" or "off"',
    shown: 'on',
    help: 'off stops recording requests in the /__sandbox/requests journal (load tests)'
  },
  issuer: {
    env: 'ISSUER',
    flag: 'issuer',
    schema: Type.String({ format: 'http-url' }),
    expected: 'an absolute http(s) URL',
    shown: 'PUBLIC_URL, else the Host used',
    help: "the OIDC issuer (iss), e.g. production's https://passport.freedompay.kz; with neither ISSUER nor PUBLIC_URL set, it follows the Host the client used"
  },
  oidcErrors: {
    env: 'OIDC_ERRORS',
    flag: 'oidc-errors',
    schema: Type.Union([Type.Literal('oauth'), Type.Literal('envelope')], { default: 'oauth' }),
    expected: '"oauth" or "envelope"',
    shown: 'oauth',
    help: 'OIDC token endpoint errors: oauth = RFC 6749 {error, error_description}; envelope = Freedom ID\'s'
  },
  signingKey: {
    env: 'SIGNING_KEY',
    flag: 'signing-key',
    schema: Type.String({ minLength: 1 }),
    expected: 'a path to a PEM or JWK file',
    shown: 'generated (stable under SEED)',
    help: 'file with the RS256 key that signs id_tokens'
  },
  store: {
    env: 'STORE',
    flag: 'store',
    schema: Type.String({ format: 'store-url', default: 'memory' }),
    expected: '"memory" or a URL such as redis://host:6379/0',
    shown: 'memory',
    help: 'where state lives: memory, or redis://[:password@]host:port/db shared by replicas'
  },
  storePrefix: {
    env: 'STORE_PREFIX',
    flag: 'store-prefix',
    schema: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', default: 'fid' }),
    expected: '1 to 64 letters, digits, "_", "." or "-"',
    shown: 'fid',
    help: 'prefix of every Redis key, so several environments can share one Redis'
  },
  maxRecords: {
    env: 'MAX_RECORDS',
    flag: 'max-records',
    schema: Type.Integer({ minimum: 1_000, maximum: 10_000_000, default: DEFAULT_MAX_ENTRIES }),
    expected: 'a whole number from 1000 to 10000000',
    shown: String(DEFAULT_MAX_ENTRIES),
    help: 'memory store: records kept per kind (tracks, codes, tokens...); beyond it the oldest 1% go'
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    schema: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: 'info' }),
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    shown: 'info',
    help: 'log level: info logs one line per request; credentials are never logged'
  },
  logFormat: {
    env: 'LOG_FORMAT',
    flag: 'log-format',
    schema: Type.Union(LOG_FORMATS.map((format) => Type.Literal(format)), { default: 'auto' }),
    expected: '"auto", "pretty" or "json"',
    shown: 'auto',
    help: 'auto: readable lines on a terminal, JSON lines otherwise (a pipe, a container); or pretty, json'
  }
} satisfies Record<string, Setting>

export type SettingName = keyof typeof SETTINGS

export const ConfigSchema = Type.Object({
  port: SETTINGS.port.schema,
  host: SETTINGS.host.schema,
  publicUrl: Type.Optional(SETTINGS.publicUrl.schema),
  fixturesDir: SETTINGS.fixturesDir.schema,
  trackTtl: SETTINGS.trackTtl.schema,
  codeTtl: SETTINGS.codeTtl.schema,
  accessTtl: SETTINGS.accessTtl.schema,
  refreshTtl: Type.Optional(SETTINGS.refreshTtl.schema),
  errorStatus: SETTINGS.errorStatus.schema,
  seed: Type.Optional(SETTINGS.seed.schema),
  clock: Type.Optional(SETTINGS.clock.schema),
  sandboxToken: Type.Optional(SETTINGS.sandboxToken.schema),
  journal: SETTINGS.journal.schema,
  issuer: Type.Optional(SETTINGS.issuer.schema),
  oidcErrors: SETTINGS.oidcErrors.schema,
  signingKey: Type.Optional(SETTINGS.signingKey.schema),
  store: SETTINGS.store.schema,
  storePrefix: SETTINGS.storePrefix.schema,
  maxRecords: SETTINGS.maxRecords.schema,
  logLevel: SETTINGS.logLevel.schema,
  logFormat: SETTINGS.logFormat.schema
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>

const INTEGER_SETTINGS = new Set(Object.entries(SETTINGS).filter(([, s]) => s.schema.type === 'integer').map(([name]) => name))

/** What `startSandbox` takes: every setting by its option name, all optional. */
export type SandboxOptions = {
  [K in SettingName]?: K extends 'clock' ? string | Date : Config[K]
}

/** One bad setting: its option name (or the unknown key given) and what is wrong with it. */
export interface ConfigProblem {
  setting: string
  problem: string
}

/** The CLI's name for a setting: its variable and its flag. */
const cliLabel = (setting: string): string => {
  const known = SETTINGS[setting as SettingName]
  return known === undefined ? `"${setting}"` : `${known.env} (--${known.flag})`
}

const listed = (heading: string, lines: string[]) => `${heading}\n${lines.map((line) => `  ${line}`).join('\n')}`

/**
 * Settings that cannot be used, every one named. Its message and `problems` speak the library's
 * words (`port: expected ...`); `inCliTerms()` the command line's (`PORT (--port): expected ...`).
 */
export class ConfigError extends Error {
  /** One line per bad option: `port: expected an integer from 0 to 65535, got -1`. */
  readonly problems: string[]
  readonly issues: ConfigProblem[]

  constructor (issues: ConfigProblem[]) {
    const problems = issues.map(({ setting, problem }) => `${setting}: ${problem}`)
    super(listed('invalid options, nothing was started:', problems))
    this.name = 'ConfigError'
    this.problems = problems
    this.issues = issues
  }

  /** The same problems as the CLI reports them, each setting by its variable and flag. */
  inCliTerms (): string {
    return listed('invalid settings, nothing was started:', this.issues.map(({ setting, problem }) => `${cliLabel(setting)}: ${problem}`))
  }
}

/** The values the environment gives, under their option names; empty variables count as unset. */
export function settingsFromEnv (env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const value = env[setting.env]
    if (value !== undefined && value !== '') out[name] = value
  }
  return out
}

/** Edits (insert, delete, replace) between two names, to suggest the one a typo meant. */
function distance (a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length]!
}

function unknownSetting (name: string): string {
  const [near] = Object.keys(SETTINGS)
    .map((known) => ({ known, edits: known.toLowerCase() === name.toLowerCase() ? 0 : distance(known, name) }))
    .filter(({ edits }) => edits <= 2)
    .sort((a, b) => a.edits - b.edits)
  return near === undefined ? 'is not a setting' : `is not a setting (did you mean ${near.known}?)`
}

/**
 * Validates the settings once: later sources override earlier ones (env, then flags, or library
 * options). Throws one ConfigError naming every bad setting.
 */
export function loadConfig (...sources: Array<Record<string, unknown>>): Config {
  const merged: Record<string, unknown> = Object.assign({}, ...sources)
  if (merged.clock instanceof Date) {
    merged.clock = Number.isNaN(merged.clock.getTime()) ? 'Invalid Date' : merged.clock.toISOString()
  }
  // Only whole decimal numbers become numbers: "80.5" or "1e3" stay strings and fail as such.
  const converted = Object.fromEntries(Object.entries(merged).map(([name, value]) =>
    [name, INTEGER_SETTINGS.has(name) && typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value]))
  const candidate = Value.Default(ConfigSchema, converted)
  const problems = new Map<string, string>()
  for (const error of Value.Errors(ConfigSchema, candidate)) {
    // One line per setting, whatever number of rules it broke.
    const name = error.path.split('/')[1]!
    const setting = SETTINGS[name as SettingName]
    problems.set(name, setting === undefined ? unknownSetting(name) : `expected ${setting.expected}, got ${JSON.stringify(merged[name])}`)
  }
  if (problems.size > 0) throw new ConfigError([...problems].map(([setting, problem]) => ({ setting, problem })))
  return candidate as Config
}

/** `--help` fits a 100-column terminal. */
export const HELP_WIDTH = 100

/** Words of `text` in lines of at most `width` characters (a longer word keeps a line of its own). */
function wrap (text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  return [...lines, line]
}

/** One entry per setting: flag, variable and default on its line, the help wrapped beneath the variable. */
export function helpText (): string {
  const rows = Object.values(SETTINGS).map((s) => [`--${s.flag} <value>`, s.env, s.shown, s.help] as const)
  const flagWidth = Math.max(...rows.map((r) => r[0].length))
  const envWidth = Math.max(...rows.map((r) => r[1].length))
  const indent = ' '.repeat(2 + flagWidth + 2)
  const entries = rows.flatMap(([flag, env, shown, help]) => [
    `  ${flag.padEnd(flagWidth)}  ${env.padEnd(envWidth)}  default: ${shown}`,
    ...wrap(help, HELP_WIDTH - indent.length).map((line) => indent + line)
  ])
  return [
    'Usage: freedom-id-sandbox [options]',
    '',
    'An offline sandbox of Freedom ID (passport.freedompay.kz).',
    ...wrap('Every option can also be given as the environment variable beside it; a flag wins over the variable.', HELP_WIDTH),
    '',
    ...entries,
    `  ${'--help'.padEnd(flagWidth)}  prints this text`,
    '',
    'Commands, each with its own --help:',
    '  freedom-id-sandbox probe   plays a user\'s browser against your app: which tampered sign-ins got in',
    '  freedom-id-sandbox report  the integration report of a running sandbox (JSON, JUnit, HTML)',
    ''
  ].join('\n')
}
