import neostandard from 'neostandard'

export default neostandard({
  ts: true,
  ignores: ['.doc-snippets-*/**', 'dist/**', 'dist-examples/**', '.tap/**', 'node_modules/**', 'bench/.cli-snapshot-*']
})
