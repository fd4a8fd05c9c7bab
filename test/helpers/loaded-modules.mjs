// Loaded with `node --import`: appends the URL of every module this process loads to the file
// LOADED_MODULES names, one a line (module hooks run on their own thread in Node 20, hence a file).
import { register } from 'node:module'

register(`data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs'
export async function load (url, context, next) {
  appendFileSync(process.env.LOADED_MODULES, url + '\\n')
  return next(url, context)
}`)}`)
