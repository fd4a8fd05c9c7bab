import t from 'tap'
import { BUNDLED_FIXTURES, ConfigError, ConfigSchema, HELP_WIDTH, SETTINGS, helpText, loadConfig, settingsFromEnv } from '../src/config.js'

t.test('defaults', async (t) => {
  t.same(loadConfig(), {
    port: 8080,
    host: '127.0.0.1',
    fixturesDir: BUNDLED_FIXTURES,
    trackTtl: 600,
    codeTtl: 300,
    accessTtl: 604800,
    errorStatus: 'http',
    journal: 'on',
    oidcErrors: 'oauth',
    store: 'memory',
    storePrefix: 'fid',
    maxRecords: 10000,
    logLevel: 'info',
    logFormat: 'auto'
  })
})

t.test('every setting from the environment, converted', async (t) => {
  const env = {
    PORT: '0',
    HOST: '0.0.0.0',
    PUBLIC_URL: 'https://sandbox.example',
    FIXTURES_DIR: '/tmp/fx',
    TRACK_TTL: '60',
    CODE_TTL: '30',
    ACCESS_TTL: '3600',
    REFRESH_TTL: '7200',
    ERROR_STATUS: '200',
    SEED: '42',
    CLOCK: '2030-01-01T00:00:00Z',
    SANDBOX_TOKEN: 's3cret',
    JOURNAL: 'off',
    ISSUER: 'https://passport.freedompay.kz',
    OIDC_ERRORS: 'envelope',
    SIGNING_KEY: '/keys/id.pem',
    STORE: 'redis://redis:6379/1',
    STORE_PREFIX: 'qa',
    MAX_RECORDS: '200000',
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
    UNRELATED: 'ignored'
  }
  t.same(loadConfig(settingsFromEnv(env)), {
    port: 0,
    host: '0.0.0.0',
    publicUrl: 'https://sandbox.example',
    fixturesDir: '/tmp/fx',
    trackTtl: 60,
    codeTtl: 30,
    accessTtl: 3600,
    refreshTtl: 7200,
    errorStatus: '200',
    seed: '42',
    clock: '2030-01-01T00:00:00Z',
    sandboxToken: 's3cret',
    journal: 'off',
    issuer: 'https://passport.freedompay.kz',
    oidcErrors: 'envelope',
    signingKey: '/keys/id.pem',
    store: 'redis://redis:6379/1',
    storePrefix: 'qa',
    maxRecords: 200000,
    logLevel: 'debug',
    logFormat: 'json'
  })
})

t.test('an empty variable counts as unset; later sources win', async (t) => {
  t.same(settingsFromEnv({ PORT: '', SEED: '' }), {})
  t.equal(loadConfig(settingsFromEnv({ PORT: '1234' }), { port: '4321' }).port, 4321)
})

t.test('one error names every bad setting: by option name, or by variable and flag for the CLI', async (t) => {
  const error = t.throws(() => loadConfig(settingsFromEnv({ PORT: 'abc', TRACK_TTL: '-1' }))) as ConfigError
  t.ok(error instanceof ConfigError)
  t.same(error.problems, [
    'port: expected an integer from 0 to 65535, got "abc"',
    'trackTtl: expected a whole number of seconds, at least 1, got "-1"'
  ])
  t.equal(error.message, 'invalid options, nothing was started:\n' +
    '  port: expected an integer from 0 to 65535, got "abc"\n' +
    '  trackTtl: expected a whole number of seconds, at least 1, got "-1"')
  t.equal(error.inCliTerms(), 'invalid settings, nothing was started:\n' +
    '  PORT (--port): expected an integer from 0 to 65535, got "abc"\n' +
    '  TRACK_TTL (--track-ttl): expected a whole number of seconds, at least 1, got "-1"')
})

t.test('each setting rejects what it should', async (t) => {
  const bad: Array<[string, string, string]> = [
    ['PORT', '65536', 'PORT (--port): expected an integer from 0 to 65535, got "65536"'],
    ['PORT', '80.5', 'PORT (--port): expected an integer from 0 to 65535, got "80.5"'],
    ['PUBLIC_URL', 'localhost:8080', 'PUBLIC_URL (--public-url): expected an absolute http(s) URL, got "localhost:8080"'],
    ['CODE_TTL', '0', 'CODE_TTL (--code-ttl): expected a whole number of seconds, at least 1, got "0"'],
    ['ACCESS_TTL', '1h', 'ACCESS_TTL (--access-ttl): expected a whole number of seconds, at least 1, got "1h"'],
    ['REFRESH_TTL', 'month', 'REFRESH_TTL (--refresh-ttl): expected a whole number of seconds, at least 1, got "month"'],
    ['ERROR_STATUS', '500', 'ERROR_STATUS (--error-status): expected "http" or "200", got "500"'],
    ['CLOCK', '2030-01-01', 'CLOCK (--clock): expected an ISO 8601 instant such as 2030-01-01T00:00:00Z, got "2030-01-01"'],
    ['CLOCK', '2030-02-31T00:00:00Z', 'CLOCK (--clock): expected an ISO 8601 instant such as 2030-01-01T00:00:00Z, got "2030-02-31T00:00:00Z"'],
    ['JOURNAL', 'no', 'JOURNAL (--journal): expected "on" or "off", got "no"'],
    ['ISSUER', 'passport.freedompay.kz', 'ISSUER (--issuer): expected an absolute http(s) URL, got "passport.freedompay.kz"'],
    ['OIDC_ERRORS', 'rfc6749', 'OIDC_ERRORS (--oidc-errors): expected "oauth" or "envelope", got "rfc6749"'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL (--log-level): expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['LOG_FORMAT', 'text', 'LOG_FORMAT (--log-format): expected "auto", "pretty" or "json", got "text"'],
    ['STORE', 'redis', 'STORE (--store): expected "memory" or a URL such as redis://host:6379/0, got "redis"'],
    ['STORE', 'http://127.0.0.1:6379', 'STORE (--store): expected "memory" or a URL such as redis://host:6379/0, got "http://127.0.0.1:6379"'],
    ['STORE', 'redis://', 'STORE (--store): expected "memory" or a URL such as redis://host:6379/0, got "redis://"'],
    ['STORE', 'redis://redis:6379/zero', 'STORE (--store): expected "memory" or a URL such as redis://host:6379/0, got "redis://redis:6379/zero"'],
    ['STORE', 'redis://redis:6379/0?tls=1', 'STORE (--store): expected "memory" or a URL such as redis://host:6379/0, got "redis://redis:6379/0?tls=1"'],
    ['STORE', 'redis://[::1', 'STORE (--store): expected "memory" or a URL such as redis://host:6379/0, got "redis://[::1"'],
    ['STORE_PREFIX', 'qa:1', 'STORE_PREFIX (--store-prefix): expected 1 to 64 letters, digits, "_", "." or "-", got "qa:1"'],
    ['STORE_PREFIX', 'qa*', 'STORE_PREFIX (--store-prefix): expected 1 to 64 letters, digits, "_", "." or "-", got "qa*"'],
    ['MAX_RECORDS', '999', 'MAX_RECORDS (--max-records): expected a whole number from 1000 to 10000000, got "999"'],
    ['MAX_RECORDS', '10000001', 'MAX_RECORDS (--max-records): expected a whole number from 1000 to 10000000, got "10000001"'],
    ['MAX_RECORDS', '25k', 'MAX_RECORDS (--max-records): expected a whole number from 1000 to 10000000, got "25k"']
  ]
  for (const [env, value, problem] of bad) {
    const error = t.throws(() => loadConfig(settingsFromEnv({ [env]: value }))) as ConfigError
    t.equal(error.inCliTerms(), `invalid settings, nothing was started:\n  ${problem}`, `${env}=${value}`)
    const [name] = Object.entries(SETTINGS).find(([, setting]) => setting.env === env)!
    t.same(error.problems, [`${name}: ${problem.slice(problem.indexOf(': ') + 2)}`], `${env}=${value}, as an option`)
  }
})

t.test('STORE: memory by default, or a redis:// or rediss:// URL; STORE_PREFIX fid by default', async (t) => {
  t.match(loadConfig({}), { store: 'memory', storePrefix: 'fid' })
  for (const store of ['redis://redis:6379/0', 'redis://127.0.0.1', 'rediss://:secret@cache.example:6380/2', 'redis://[::1]:6379/']) {
    t.equal(loadConfig(settingsFromEnv({ STORE: store })).store, store)
  }
  t.equal(loadConfig(settingsFromEnv({ STORE_PREFIX: 'qa-env_2.v1' })).storePrefix, 'qa-env_2.v1')
})

t.test('library options: a Date clock, numbers, unknown names', async (t) => {
  t.equal(loadConfig({ clock: new Date('2031-05-06T07:08:09Z') }).clock, '2031-05-06T07:08:09.000Z')
  t.same((t.throws(() => loadConfig({ clock: new Date('nope') })) as ConfigError).problems,
    ['clock: expected an ISO 8601 instant such as 2030-01-01T00:00:00Z, got "Invalid Date"'])
  t.equal(loadConfig({ port: 0, trackTtl: 5 }).trackTtl, 5)
  const unknown = t.throws(() => loadConfig({ tracTtl: 5, TrackTTL: 5, seeds: 'x', colour: 'red' })) as ConfigError
  t.same(unknown.problems, [
    'tracTtl: is not a setting (did you mean trackTtl?)',
    'TrackTTL: is not a setting (did you mean trackTtl?)',
    'seeds: is not a setting (did you mean seed?)',
    'colour: is not a setting'
  ])
  t.match(unknown.inCliTerms(), /\n {2}"tracTtl": is not a setting \(did you mean trackTtl\?\)\n/)
})

t.test('the schema and the settings table list the same settings', async (t) => {
  t.same(Object.keys(ConfigSchema.properties), Object.keys(SETTINGS))
})

t.test('--help lists every setting with its variable and default', async (t) => {
  const help = helpText()
  for (const setting of Object.values(SETTINGS)) {
    t.match(help, new RegExp(`--${setting.flag} <value>\\s+${setting.env}\\s+default: ${setting.shown.replace(/[()]/g, '\\$&')}`), setting.env)
  }
  t.match(help, /^Usage: freedom-id-sandbox \[options\]/)
  t.match(help, /\n {2}freedom-id-sandbox probe {3}.*\n {2}freedom-id-sandbox report {2}.*\n$/, 'the subcommands listed last')
})

t.test('--help fits 100 columns: one entry per setting, its help wrapped beneath it', async (t) => {
  const lines = helpText().split('\n')
  t.same(lines.filter((line) => line.length > 100), [], 'no line over 100 columns')
  t.equal(HELP_WIDTH, 100)
  const entries = lines.join('\n').split(/\n(?= {2}--)/).slice(1)
  t.same(entries.map((entry) => entry.trimStart().split(' ')[0]), [...Object.values(SETTINGS).map((s) => `--${s.flag}`), '--help'], 'an entry per setting, in order')
  for (const [i, setting] of Object.values(SETTINGS).entries()) {
    const [head, ...body] = entries[i]!.split('\n')
    t.match(head, new RegExp(`^ {2}--${setting.flag} <value> +${setting.env} +default: `), setting.env)
    const column = head!.indexOf(` ${setting.env} `) + 1
    t.ok(body.length > 0 && body.every((line) => line.startsWith(' '.repeat(column)) && line[column] !== ' '), `${setting.env}: help beneath the variable`)
    t.equal(body.map((line) => line.trim()).join(' '), setting.help, `${setting.env}: the whole help, wrapped at word boundaries`)
  }
})
