// Post-build step: write X.gz beside every compressible file in dist/ that is
// larger than 1 KiB. The C server serves X.gz when the client accepts gzip.
// Uses only node's built-in modules.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, extname, relative, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync, constants } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const EXTENSIONS = new Set(['.js', '.css', '.html', '.svg', '.json'])
const MIN_SIZE = 1024

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(p)
    else if (entry.isFile()) yield p
  }
}

let count = 0
let rawTotal = 0
let gzTotal = 0
for (const file of walk(root)) {
  if (!EXTENSIONS.has(extname(file))) continue
  const size = statSync(file).size
  if (size <= MIN_SIZE) continue
  // zlib writes mtime 0 in the gzip header, so output is deterministic.
  const gz = gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION })
  writeFileSync(file + '.gz', gz)
  count++
  rawTotal += size
  gzTotal += gz.length
  console.log(`  ${relative(root, file).padEnd(48)} ${(size / 1024).toFixed(1).padStart(8)} KiB -> ${(gz.length / 1024).toFixed(1).padStart(7)} KiB gz`)
}
console.log(`precompress: ${count} file(s), ${(rawTotal / 1024).toFixed(1)} KiB -> ${(gzTotal / 1024).toFixed(1)} KiB gzip`)
