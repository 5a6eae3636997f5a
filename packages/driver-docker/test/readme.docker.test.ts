import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { leftovers, removeAll } from './helpers.js'

// The README's example is real: this runs it against the engine, as written.
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const example = /```ts\n([\s\S]*?)```/.exec(README)?.[1] ?? ''
const entry = (relative: string): string =>
  pathToFileURL(fileURLToPath(new URL(relative, import.meta.url))).href
const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-driver-docker-readme-'))
const projectId = 'shop-1a2b3c4d'

afterAll(async () => {
  await removeAll([projectId])
  rmSync(dir, { recursive: true, force: true })
})

it('runs the README example and leaves nothing behind', async () => {
  expect(example).toContain("import { DockerDriver } from '@hearth/driver-docker'")
  const file = path.join(dir, 'example.ts')
  writeFileSync(
    file,
    example
      .replaceAll("'@hearth/driver-docker'", `'${entry('../src/index.ts')}'`)
      .replaceAll("'@hearth/driver'", `'${entry('../../driver/src/index.ts')}'`)
      .replaceAll("'@hearth/environments'", `'${entry('../../environments/src/index.ts')}'`)
      .replaceAll("'@hearth/environments/validate'", `'${entry('../../environments/src/validate.ts')}'`),
  )
  await import(pathToFileURL(file).href)
  expect(leftovers(projectId)).toEqual([])
})
