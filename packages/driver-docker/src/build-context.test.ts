import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildKey, buildTag, readBuildContext } from './build-context.js'

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-build-context-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function write(file: string, content = file): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  writeFileSync(path.join(dir, file), content)
}

describe('readBuildContext', () => {
  it('sends every file, sorted, and leaves out what .dockerignore excludes', async () => {
    write('Dockerfile', 'FROM scratch\n')
    write('src/index.js')
    write('src/lib/util.js')
    write('node_modules/dep/index.js')
    write('debug.log')
    write('src/trace.log')
    write('.git/HEAD')
    write('.dockerignore', 'node_modules\n*.log\n**/*.log\n.git\n')
    const context = await readBuildContext(dir, 'Dockerfile', 'api')
    expect(context.files).toEqual(['.dockerignore', 'Dockerfile', 'src/index.js', 'src/lib/util.js'])
  })

  it('keeps what an exception re-includes, and always sends the Dockerfile and .dockerignore', async () => {
    write('docker/api.Dockerfile', 'FROM scratch\n')
    write('keep/a.txt')
    write('keep/b.txt')
    write('drop/c.txt')
    write('.dockerignore', '*\n!keep\nkeep/b.txt\n')
    const context = await readBuildContext(dir, 'docker/api.Dockerfile', 'api')
    expect(context.files).toEqual(['.dockerignore', 'docker/api.Dockerfile', 'keep/a.txt'])
  })

  it('hashes paths, modes and bytes: equal contexts hash alike, any change shows', async () => {
    write('Dockerfile', 'FROM scratch\n')
    write('app.sh', 'echo hi\n')
    const hash = async (): Promise<string> => (await readBuildContext(dir, 'Dockerfile', 'api')).contentHash
    const first = await hash()
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    expect(await hash()).toBe(first)

    write('app.sh', 'echo bye\n')
    const edited = await hash()
    expect(edited).not.toBe(first)
    write('app.sh', 'echo hi\n')
    expect(await hash()).toBe(first)

    chmodSync(path.join(dir, 'app.sh'), 0o755)
    expect(await hash()).not.toBe(first)
    chmodSync(path.join(dir, 'app.sh'), 0o644)

    rmSync(path.join(dir, 'app.sh'))
    write('renamed.sh', 'echo hi\n')
    expect(await hash()).not.toBe(first)
  })

  it('hashes a symlink by its target, without following it', async () => {
    write('Dockerfile', 'FROM scratch\n')
    write('real.txt', 'content')
    symlinkSync('real.txt', path.join(dir, 'link.txt'))
    const context = await readBuildContext(dir, 'Dockerfile', 'api')
    expect(context.files).toEqual(['Dockerfile', 'link.txt', 'real.txt'])
    rmSync(path.join(dir, 'link.txt'))
    symlinkSync('Dockerfile', path.join(dir, 'link.txt'))
    expect((await readBuildContext(dir, 'Dockerfile', 'api')).contentHash).not.toBe(context.contentHash)
  })

  it('says what is wrong with a context that cannot be built', async () => {
    await expect(readBuildContext(path.join(dir, 'missing'), 'Dockerfile', 'api')).rejects.toMatchObject({
      code: 'start-failed',
      message: `the build context ${path.join(dir, 'missing')} of api is not a folder`,
    })
    await expect(readBuildContext(dir, 'Dockerfile', 'api')).rejects.toMatchObject({
      code: 'start-failed',
      message: `api has no Dockerfile at ${path.join(dir, 'Dockerfile')}`,
    })
    await expect(readBuildContext(dir, '../Dockerfile', 'api')).rejects.toMatchObject({
      code: 'start-failed',
      message: `the Dockerfile ../Dockerfile of api is outside its build context ${dir}`,
    })
  })
})

describe('buildKey and buildTag', () => {
  it('keys a build by content, Dockerfile and args, in any order of the args', () => {
    const key = buildKey('abc', 'Dockerfile', { A: '1', B: '2' })
    expect(buildKey('abc', 'Dockerfile', { B: '2', A: '1' })).toBe(key)
    expect(buildKey('abc', 'Dockerfile', { A: '1', B: '3' })).not.toBe(key)
    expect(buildKey('abc', 'api.Dockerfile', { A: '1', B: '2' })).not.toBe(key)
    expect(buildKey('abd', 'Dockerfile', { A: '1', B: '2' })).not.toBe(key)
  })

  it('tags per checkout and service, lowercase, with the key', () => {
    const checkout = path.join(dir, 'My_Shop')
    mkdirSync(checkout)
    const tag = buildTag(checkout, 'api', 'f'.repeat(64))
    expect(tag).toMatch(/^hearth-build\/my-shop-[0-9a-f]{8}-api:f{16}$/)
    expect(buildTag(checkout, 'api', 'f'.repeat(64))).toBe(tag)
    const other = path.join(dir, 'my-shop')
    mkdirSync(other)
    expect(buildTag(other, 'api', 'f'.repeat(64))).not.toBe(tag)
  })
})
