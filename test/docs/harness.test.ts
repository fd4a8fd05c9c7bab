import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { MarkerError, ROOT, parseBlocks, type Block } from './blocks.js'
import { runProblems, snippetFolder, typeProblems } from './snippets.js'
import { consoleProblems, consoleSteps, jsonProblems, outputMatches, shellProblems, yamlProblems } from './verdicts.js'

// The doc tests, tested: each check is fed broken blocks and must catch them, naming the line.

t.setTimeout(300_000)

const fence = (lang: string, code: string, above = '') => `# Page\n\nSome text.\n${above}\`\`\`${lang}\n${code}\n\`\`\`\n`
const only = (markdown: string): Block => {
  const blocks = parseBlocks('docs/x.md', markdown)
  if (blocks.length !== 1) throw new Error(`expected one block, got ${blocks.length}`)
  return blocks[0]!
}

t.test('blocks: their line, language and markers', async (t) => {
  const block = only(fence('sh', 'echo hi', '<!-- doc-test: env SANDBOX_TOKEN=tok SEED=ci -->\n<!-- doc-test: expect-errors 401 422 -->\n'))
  t.same(block, { file: 'docs/x.md', line: 6, kind: 'sh', lang: 'sh', code: 'echo hi\n', env: { SANDBOX_TOKEN: 'tok', SEED: 'ci' }, expectErrors: [401, 422] })
  t.equal(only(fence('sh', 'x', '<!-- doc-test: skip: needs Docker -->\n')).skip, 'needs Docker')
  t.same(parseBlocks('README.md', '```\ndiagram\n```\n\n```json\n{}\n```\n').map((b) => [b.kind, b.line]), [['text', 1], ['json', 5]])
  t.equal(only('- a list item\n\n  ```bash\n  echo indented\n  ```\n').code, 'echo indented\n')

  const refused: Array<[string, RegExp]> = [
    [fence('sh', 'x', '<!-- doc-test: skip: -->\n'), /^docs\/x\.md:4: "skip:" needs a reason$/],
    [fence('sh', 'x', '<!-- doc-test: env PORTX=1 -->\n'), /PORTX is not a setting of the sandbox/],
    [fence('sh', 'x', '<!-- doc-test: env SEED -->\n'), /"SEED" is not NAME=value/],
    [fence('sh', 'x', '<!-- doc-test: expect-errors 200 -->\n'), /"200" is not an HTTP error status/],
    [fence('sh', 'x', '<!-- doc-test: retry 3 -->\n'), /unknown doc-test marker "retry 3"/],
    [fence('sh', 'x', '<!-- doc-test: skip: reason -->\n\n'), /^docs\/x\.md:4: a doc-test marker must sit directly above a fence$/],
    [fence('zsh', 'x'), /^docs\/x\.md:4: a ```zsh block: the doc tests know no such language/]
  ]
  for (const [markdown, message] of refused) t.throws(() => parseBlocks('docs/x.md', markdown), { name: 'MarkerError', message }, String(message))
  t.throws(() => parseBlocks('docs/x.md', fence('sh', 'x', '<!-- doc-test: skip: a -->\n<!-- other -->\n')), MarkerError)
})

t.test('sh: exits 0 against its own sandbox, the documented address rewritten, login links through it too', async (t) => {
  const good = only(fence('sh', [
    'curl -s http://127.0.0.1:8080/health',
    'LINK=$(curl -s -u 0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70:demo-shop-secret -H \'content-type: application/json\' \\',
    '  -d \'{"redirect_uri":"https://shop.example/cb","grants":["read.email"]}\' http://localhost:8080/api/v1/oauth/authorize | jq -r .redirect_uri)',
    'curl -s -o /dev/null "$LINK"'
  ].join('\n')))
  t.same(await shellProblems(t, good), [])
})

t.test('sh: a failing command, an unset variable, a silent HTTP error, a promise broken, a hang: each is caught', async (t) => {
  t.match(await shellProblems(t, only(fence('sh', 'echo before\nfalse\necho after'))), [/^docs\/x\.md:4: exited with 1; it printed:\nbefore$/])
  t.match(await shellProblems(t, only(fence('sh', 'curl -s "http://127.0.0.1:8080/__sandbox/tracks/$TRACK"'))), [/^docs\/x\.md:4: exited with 1; .*TRACK: unbound variable/s])
  t.match(await shellProblems(t, only(fence('sh', 'curl -s -u nobody:wrong -d \'{}\' -H \'content-type: application/json\' http://127.0.0.1:8080/api/v1/oauth/authorize'))),
    [/^docs\/x\.md:4: POST \/api\/v1\/oauth\/authorize answered 401: \{"error":\{"message":"Unauthenticated\.".* \(not announced: curl -s does not fail on it; fix the example, or add <!-- doc-test: expect-errors 401 -->\)$/])
  t.same(await shellProblems(t, only(fence('sh', 'curl -s http://127.0.0.1:8080/nope', '<!-- doc-test: expect-errors 404 -->\n'))), [], 'an announced error is fine')
  t.same(await shellProblems(t, only(fence('sh', 'curl -s http://127.0.0.1:8080/health', '<!-- doc-test: expect-errors 404 -->\n'))),
    ['docs/x.md:5: announces expect-errors 404, but no request answered 404'])
  t.match(await shellProblems(t, only(fence('sh', 'echo waiting; sleep 30')), 500), [/^docs\/x\.md:4: still running after 0\.5 s \(stopped\); it printed:\nwaiting$/])
})

t.test('sh: the env marker sets the sandbox\'s settings, not the shell\'s; a skipped block must still parse', async (t) => {
  const guarded = '<!-- doc-test: env SANDBOX_TOKEN=qa-token -->\n'
  t.same(await shellProblems(t, only(fence('sh', 'curl -s -H "authorization: Bearer qa-token" http://127.0.0.1:8080/__sandbox/clock', guarded))), [])
  t.match(await shellProblems(t, only(fence('sh', 'curl -s http://127.0.0.1:8080/__sandbox/clock', guarded))), [/answered 401/])
  t.match(await shellProblems(t, only(fence('sh', 'echo "$SANDBOX_TOKEN"', guarded))), [/SANDBOX_TOKEN: unbound variable/])
  t.same(await shellProblems(t, only(fence('sh', 'docker compose up -d', '<!-- doc-test: skip: Docker -->\n'))), [])
  t.match(await shellProblems(t, only(fence('sh', 'if docker info; then echo up', '<!-- doc-test: skip: Docker -->\n'))), [/^docs\/x\.md:5: not valid bash/])
  t.same(await shellProblems(t, only(fence('sh', 'curl -s -X POST http://127.0.0.1:8080/__sandbox/tracks/<track_id>/approve', '<!-- doc-test: skip: Docker -->\n'))),
    ['docs/x.md:5: <track_id> is a placeholder: set it from an earlier answer, so the block runs as printed'])
  t.same(await shellProblems(t, only(fence('sh', '# prints {"error":"needs <SANDBOX_TOKEN>"}\ntrue  # <not a placeholder> here either'))), [], 'in comments, for people')
})

t.test('a doc change that breaks the README\'s flow fails, at the README\'s line', async (t) => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const flow = parseBlocks('README.md', readme).find((block) => block.kind === 'sh' && block.skip === undefined)!
  t.same(await shellProblems(t, flow), [], 'as it is')
  const changed = readme.replace('\\"authorization_code\\":\\"$CODE', '\\"authorization_code\\":\\"x$CODE')
  t.not(changed, readme, 'the edit applies')
  const broken = parseBlocks('README.md', changed)
  t.match(await shellProblems(t, broken.find((block) => block.line === flow.line)!), [new RegExp(`^README\\.md:${flow.line}: POST /api/v1/oauth/token answered 400: \\{"error":\\{"message":"Invalid authorization_code\\."`)])
})

t.test('console: each command prints what is shown (… stands for any text); a server is stopped once it has', async (t) => {
  t.same(consoleSteps('$ echo a \\\n  b\na b\n$ true\n'), [{ command: 'echo a \\\n  b', expected: ['a b'] }, { command: 'true', expected: [] }])
  t.same(consoleSteps('output first\n$ echo\n'), [])
  t.ok(outputMatches(['id: …, done'], 'id: 42-x, done\n\n'))
  t.notOk(outputMatches(['id: …, done'], 'id: 42, done\nmore'))
  t.notOk(outputMatches(['a.c'], 'abc'), 'only … is special')

  t.same(await consoleProblems(t, only(fence('console', '$ curl -s http://127.0.0.1:8080/health\n{"status":"ok"}\n$ echo oops >&2; exit 3\noops'))), [])
  t.same(await consoleProblems(t, only(fence('console', '$ node -e "console.log(\'listening on http://127.0.0.1:8080\'); setInterval(() => {}, 1000)"\nlistening on http://127.0.0.1:8080'))), [], 'the rewrite applies to the output too')
  t.match(await consoleProblems(t, only(fence('console', '$ echo actual\nexpected'))), [/^docs\/x\.md:4: "\$ echo actual" printed\nactual\ninstead of\nexpected$/])
  t.same(await consoleProblems(t, only(fence('console', 'no command'))), ['docs/x.md:4: a console block starts with a "$ command" line'])
})

t.test('yaml parses; a GitHub workflow passes GitHub\'s schema; json parses', async (t) => {
  const plain = 'jobs:\n  it:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -s -H \'authorization: Bearer ci-token\' "$URL"\n'
  t.match(await yamlProblems(only(fence('yaml', plain))), [/^docs\/x\.md:9: not valid YAML: Nested mappings are not allowed in compact mappings/])
  t.match(await yamlProblems(only(fence('yaml', 'a: 1\na: 2'))), [/^docs\/x\.md:6: not valid YAML: Map keys must be unique/])
  t.same(await yamlProblems(only(fence('yaml', 'services:\n  shop:\n    build: .'))), [], 'not a workflow: parsing is all')
  const workflow = 'on: push\njobs:\n  it:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          curl -s "$URL"\n'
  t.same(await yamlProblems(only(fence('yaml', workflow))), [])
  t.match(await yamlProblems(only(fence('yaml', workflow.replace('      - run', '      - bogus: 1\n        run')))), [/^docs\/x\.md:10: not a valid GitHub Actions workflow: Unexpected value 'bogus'/])
  t.match(await yamlProblems(only(fence('yaml', workflow.replace('on: push\n', '')))), [/^docs\/x\.md:5: not a valid GitHub Actions workflow: Required property is missing: on/])
  t.same(await yamlProblems(only(fence('yaml', 'a: [', '<!-- doc-test: skip: a fragment -->\n'))), [])
  t.same(jsonProblems(only(fence('json', '{"a":1}'))), [])
  t.match(jsonProblems(only(fence('json', '{"a":…}'))), [/^docs\/x\.md:4: not valid JSON/])
})

t.test('ts and js snippets: type errors at the doc\'s line; a snippet that fails when run', async (t) => {
  const dir = await snippetFolder(t)
  const typed = only(fence('ts', "import { startSandbox } from 'freedom-id-sandbox'\nconst sandbox = await startSandbox({ port: 'x' })\nawait sandbox.close()"))
  const untyped = only(fence('js', 'const user = await fetch(URL_NEVER_SET)\nconsole.log(user)'))
  const fine = only(fence('ts', "import { startSandbox } from 'freedom-id-sandbox'\nconst sandbox = await startSandbox()\nconst res = await fetch('http://127.0.0.1:8080/health')\nif (!res.ok) process.exit(1)\nawait sandbox.close()"))
  const problems = await typeProblems(dir, [typed, untyped, fine])
  t.match(problems.get(typed), [/^docs\/x\.md:6: Type 'string' is not assignable to type 'number/])
  t.match(problems.get(untyped), [/^docs\/x\.md:5: Cannot find name 'URL_NEVER_SET'/])
  t.same(problems.get(fine), [])
  t.same(await runProblems(t, dir, fine), [], 'the documented address is rewritten for snippets too')
  t.match(await runProblems(t, dir, only(fence('js', "throw new Error('broken example')"))), [/^docs\/x\.md:4: node exited with 1; it printed:\n.*broken example/s])
})
