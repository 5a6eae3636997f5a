import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { changedSince, GitError, isGitError } from './changed-since.js'
import { createFixtures, writeFiles } from './test-support.js'

const fixtures = createFixtures('git')
afterAll(() => fixtures.cleanup())

/** git in a temporary repository, with an identity and no hooks or signing from the machine's config. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=hearth',
      '-c',
      'user.email=hearth@example.test',
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  )
}

function repository(): string {
  const root = fixtures.write({
    'package.json': '{}',
    'src/a.ts': 'a',
    'src/b.ts': 'b',
    'src/c.ts': 'c',
    'src/d.ts': 'd',
    '.gitignore': 'ignored/\n',
  })
  git(root, 'init', '--quiet', '--initial-branch=main')
  git(root, 'add', '.')
  git(root, 'commit', '--quiet', '-m', 'base')
  return root
}

describe('changedSince', () => {
  it('lists commits since the merge base, staged, unstaged, deleted and untracked files', async () => {
    const root = repository()
    git(root, 'checkout', '--quiet', '-b', 'feature')
    writeFileSync(path.join(root, 'src/a.ts'), 'a2')
    git(root, 'commit', '--quiet', '-am', 'change a')
    // main moves on after the branch: its own changes are not ours.
    git(root, 'checkout', '--quiet', 'main')
    writeFileSync(path.join(root, 'src/d.ts'), 'd on main')
    git(root, 'commit', '--quiet', '-am', 'main moves')
    git(root, 'checkout', '--quiet', 'feature')
    writeFileSync(path.join(root, 'src/b.ts'), 'b2') // unstaged
    writeFiles(root, { 'src/new.ts': 'new', 'ignored/x.ts': 'x', 'with space/é.ts': 'u' }) // untracked
    git(root, 'add', 'src/new.ts') // staged
    rmSync(path.join(root, 'src/c.ts')) // deleted
    git(root, 'mv', 'package.json', 'package.renamed.json') // renamed: both paths
    const changed = await changedSince(root, 'main')
    expect(changed.map((file) => path.relative(root, file))).toEqual([
      'package.json',
      'package.renamed.json',
      'src/a.ts',
      'src/b.ts',
      'src/c.ts',
      'src/new.ts',
      'with space/é.ts',
    ])
    expect(changed.every((file) => path.isAbsolute(file))).toBe(true)
  })

  it('keeps only files under the root when the root is a folder of the repository', async () => {
    const repo = repository()
    mkdirSync(path.join(repo, 'app'))
    writeFileSync(path.join(repo, 'app/x.ts'), 'x')
    writeFileSync(path.join(repo, 'src/a.ts'), 'changed')
    const changed = await changedSince(path.join(repo, 'app'), 'HEAD')
    expect(changed).toEqual([path.join(repo, 'app/x.ts')])
  })

  it('says what to do about an unknown ref, and outside a repository', async () => {
    const root = repository()
    const error = await changedSince(root, 'origin/nope').catch((e: unknown) => e)
    expect(isGitError(error)).toBe(true)
    expect((error as GitError).message).toBe('unknown git revision origin/nope')
    expect((error as GitError).fix).toContain('git fetch')

    const plain = fixtures.write({ 'a.ts': '' })
    const outside = await changedSince(plain, 'main').catch((e: unknown) => e)
    expect(outside).toBeInstanceOf(GitError)
    expect((outside as GitError).message).toMatch(/is not in a git repository/)
  })

  it('says so when the ref shares no history with HEAD (a shallow clone)', async () => {
    const root = repository()
    git(root, 'checkout', '--quiet', '--orphan', 'other')
    git(root, 'commit', '--quiet', '-m', 'unrelated')
    const error = await changedSince(root, 'main').catch((e: unknown) => e)
    expect((error as GitError).message).toMatch(/^main and HEAD have no common ancestor here/)
    expect((error as GitError).fix).toContain('fetch-depth: 0')
  })
})
