import { readFile } from 'node:fs/promises'
import t from 'tap'

// The README's memory figures hold for the CLI as `npm start` runs it; the image must run it alike.
t.test('the image runs the CLI with the same node flags as npm start', async (t) => {
  const { scripts } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }
  t.equal(scripts.start, 'node --max-semi-space-size=2 dist/cli.mjs')
  const dockerfile = await readFile(new URL('../Dockerfile', import.meta.url), 'utf8')
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)
  t.ok(cmd, 'the Dockerfile has an exec-form CMD')
  t.same(JSON.parse(cmd![1]!), scripts.start.split(' '))
})
