import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-atomic-write-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let count = 0
/** A fresh, empty directory per test. */
async function fresh(): Promise<string> {
  const dir = path.join(root, `case-${++count}`)
  await mkdir(dir)
  return dir
}

describe('writeFileAtomic', () => {
  it('creates the file', async () => {
    const dir = await fresh()
    await writeFileAtomic(path.join(dir, 'state.txt'), 'first\n')
    expect(await readFile(path.join(dir, 'state.txt'), 'utf8')).toBe('first\n')
    expect(await readdir(dir)).toEqual(['state.txt'])
  })

  it('replaces the content wholly, a longer file with a shorter one included, and leaves no temporary file', async () => {
    const dir = await fresh()
    const file = path.join(dir, 'state.txt')
    await writeFile(file, 'a long old content that is longer than the new one\n')
    await writeFileAtomic(file, 'short\n')
    expect(await readFile(file, 'utf8')).toBe('short\n')
    await writeFileAtomic(file, '')
    expect(await readFile(file, 'utf8')).toBe('')
    expect(await readdir(dir)).toEqual(['state.txt'])
  })

  it('creates missing parent directories', async () => {
    const dir = await fresh()
    const file = path.join(dir, 'a', 'b', 'c', 'record.json')
    await writeFileAtomic(file, '{}')
    expect(await readFile(file, 'utf8')).toBe('{}')
    expect(await readdir(path.join(dir, 'a', 'b', 'c'))).toEqual(['record.json'])
  })

  it('leaves every file whole when writes to one file race', async () => {
    const dir = await fresh()
    const file = path.join(dir, 'state.txt')
    const contents = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(10_000)}\n`)
    await Promise.all(contents.map((content) => writeFileAtomic(file, content)))
    expect(contents).toContain(await readFile(file, 'utf8'))
    expect(await readdir(dir)).toEqual(['state.txt'])
  })

  it('leaves the old content, and no temporary file, when the write fails', async () => {
    const dir = await fresh()
    // 250 characters is a valid name; its temporary sibling (`<name>.<pid>.<hex>.tmp`) is over 255.
    const file = path.join(dir, 'x'.repeat(250))
    await writeFile(file, 'old\n')
    await expect(writeFileAtomic(file, 'new\n')).rejects.toMatchObject({
      code: 'ENAMETOOLONG',
      syscall: 'open',
    })
    expect(await readFile(file, 'utf8')).toBe('old\n')
    expect(await readdir(dir)).toEqual(['x'.repeat(250)])
  })

  it('removes its temporary file when the rename fails', async () => {
    const dir = await fresh()
    const target = path.join(dir, 'taken')
    await mkdir(path.join(target, 'inside'), { recursive: true })
    await expect(writeFileAtomic(target, 'new\n')).rejects.toMatchObject({
      code: 'EISDIR',
      syscall: 'rename',
    })
    expect(await readdir(dir)).toEqual(['taken'])
    expect(await readdir(target)).toEqual(['inside'])
  })
})

describe('writeJsonAtomic', () => {
  it('writes pretty-printed JSON with a trailing newline', async () => {
    const dir = await fresh()
    const file = path.join(dir, 'record.json')
    await writeJsonAtomic(file, { id: 'env.db.1', ports: { main: 41000 } })
    expect(await readFile(file, 'utf8')).toBe(
      '{\n  "id": "env.db.1",\n  "ports": {\n    "main": 41000\n  }\n}\n',
    )
  })
})
