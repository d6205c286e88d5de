// Prints the gzipped size of the JS+CSS the first page loads (entry script, module preloads,
// stylesheets referenced by dist/index.html) and fails when it reaches the budget.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const BUDGET = 150 * 1024
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const refs = new Set()
for (const m of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+\.(?:js|css))"/g)) refs.add(m[1])
let total = 0
for (const ref of refs) {
  const buf = readFileSync(join(dist, ref.replace(/^\.?\//, '')))
  const gz = gzipSync(buf, { level: 9 }).length
  total += gz
  console.log(`  ${ref.padEnd(40)} ${String(buf.length).padStart(8)} B  gzip ${String(gz).padStart(7)} B`)
}
const kb = (total / 1024).toFixed(1)
console.log(`first page JS+CSS gzipped: ${kb} KB (budget ${BUDGET / 1024} KB)`)
if (refs.size === 0 || total >= BUDGET) {
  console.error(refs.size === 0 ? 'no JS/CSS found in dist/index.html' : 'bundle over budget')
  process.exit(1)
}
