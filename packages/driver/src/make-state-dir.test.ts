import { describe, expect, it, vi } from 'vitest'

/**
 * A state folder (the locks', a process record's) on a file system that refuses it. Node's recursive mkdir reports a read-only
 * file system as ENOENT; the real refusal (EROFS) needs a mount to happen for real (the `faults`
 * suite's state-writes test does that), so here `mkdir` answers as Node does there.
 */
const answers = vi.hoisted(() => ({ recursive: null as string | null, plain: null as string | null }))

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  const fail = (code: string, dir: string): never => {
    throw Object.assign(new Error(`${code}: mkdir '${dir}'`), { code, path: dir, syscall: 'mkdir' })
  }
  return {
    ...actual,
    mkdir: vi.fn(async (dir: string, options?: { recursive?: boolean }) => {
      const code = options?.recursive === true ? answers.recursive : answers.plain
      if (code !== null) fail(code, dir)
      return undefined
    }),
  }
})

const { makeStateDir } = await import('./atomic-write.js')

describe('makeStateDir', () => {
  it('a read-only file system that recursive mkdir calls ENOENT: the real cause, and the folder', async () => {
    Object.assign(answers, { recursive: 'ENOENT', plain: 'EROFS' })
    await expect(makeStateDir('/p/.hearth/locks')).rejects.toMatchObject({
      name: 'StateWriteError',
      message: 'cannot write /p/.hearth/locks: the file system is read-only (EROFS)',
      fix: 'run hearth where /p/.hearth can be written (a read-write checkout)',
    })
  })

  it('a full disk is named as such', async () => {
    Object.assign(answers, { recursive: 'ENOSPC', plain: null })
    await expect(makeStateDir('/p/.hearth/locks')).rejects.toMatchObject({
      name: 'StateWriteError',
      message: 'cannot write /p/.hearth/locks: the disk is full (ENOSPC)',
    })
  })

  it('a folder made meanwhile (EEXIST on the second try) is fine; a missing parent stays ENOENT', async () => {
    Object.assign(answers, { recursive: 'ENOENT', plain: 'EEXIST' })
    await expect(makeStateDir('/p/.hearth/locks')).resolves.toBeUndefined()
    Object.assign(answers, { recursive: 'ENOENT', plain: 'ENOENT' })
    await expect(makeStateDir('/p/.hearth/locks')).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
