// Format every file named on stdin (one path a line) with @reteps/dockerfmt (the module path is argv[2]);
// print JSON {path: formatted text | {error}}. Used by bench/formatter_compare.py.
import { readFileSync } from 'fs'
import { pathToFileURL } from 'url'

const { formatDockerfileContents } = await import(pathToFileURL(process.argv[2]).href)
const paths = readFileSync(0, 'utf8').split('\n').filter(Boolean)
const out = {}
for (const p of paths) {
  try {
    out[p] = await formatDockerfileContents(readFileSync(p, 'utf8'), { indent: 4, trailingNewline: true, spaceRedirects: false })
  } catch (e) {
    out[p] = { error: String(e) }
  }
}
process.stdout.write('\n@@JSON@@' + JSON.stringify(out))
