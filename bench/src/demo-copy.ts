import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** A copy of the demo using the test images (no registry here), its dependencies linked. */
export function demoCopy(): { root: string; cleanup(): void } {
  const source = path.join(repo, 'examples/demo')
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-demo-'))
  cpSync(source, root, {
    recursive: true,
    filter: (from) => !from.split(path.sep).some((part) => part === 'node_modules' || part === '.hearth'),
  })
  for (const dir of [
    '.',
    ...['apps', 'packages'].flatMap((group) =>
      readdirSync(path.join(source, group)).map((name) => path.join(group, name)),
    ),
  ]) {
    const modules = path.join(source, dir, 'node_modules')
    if (!existsSync(modules)) continue
    if (dir !== '.') {
      symlinkSync(modules, path.join(root, dir, 'node_modules'))
      continue
    }
    // The root's own folder of links, so that hearth's cache (node_modules/.cache) stays in the copy.
    mkdirSync(path.join(root, 'node_modules'))
    for (const entry of readdirSync(modules)) {
      if (entry !== '.cache') symlinkSync(path.join(modules, entry), path.join(root, 'node_modules', entry))
    }
  }
  const environment = path.join(root, 'environments/backend.ts')
  writeFileSync(
    environment,
    readFileSync(environment, 'utf8')
      .replace(
        "postgres({ database: 'invoices' })",
        "postgres({ database: 'invoices', image: 'hearth-test/postgres:15', fallback: false })",
      )
      .replace('redis()', "redis({ image: 'hearth-test/redis:7', fallback: false })"),
  )
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}
