import { execFile } from 'node:child_process'
import { realpathSync } from 'node:fs'
import path from 'node:path'
import { isInside } from './tsconfig.js'

/** A git command failed; `message` says what and `fix` what to do. */
export class GitError extends Error {
  override readonly name = 'GitError'
  readonly fix: string
  constructor(message: string, fix: string) {
    super(message)
    this.fix = fix
  }
}

export function isGitError(error: unknown): error is GitError {
  return error instanceof GitError
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || error.message
          reject(Object.assign(new Error(`git ${args.join(' ')}: ${detail}`), { stderr }))
        } else {
          resolve(stdout)
        }
      },
    )
  })
}

/**
 * The files that differ from `ref`, as `hearth ci --since REF` needs them: what changed between
 * the merge base of `ref` and HEAD, plus uncommitted changes (staged or not) and untracked files
 * (not ignored ones). Deleted and renamed-away paths are included: a deleted file still selects
 * the tests that imported it. Absolute paths under `root`, sorted.
 */
export async function changedSince(root: string, ref: string): Promise<string[]> {
  const realRoot = realpathSync(root)
  let top: string
  try {
    top = realpathSync((await git(realRoot, ['rev-parse', '--show-toplevel'])).trim())
  } catch (error) {
    throw new GitError(
      `${root} is not in a git repository (${firstLine(error)})`,
      'run hearth inside a git checkout',
    )
  }
  let base: string
  try {
    base = (await git(realRoot, ['merge-base', ref, 'HEAD'])).trim()
  } catch (error) {
    const known = await git(realRoot, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).then(
      () => true,
      () => false,
    )
    throw known
      ? new GitError(
          `${ref} and HEAD have no common ancestor here (${firstLine(error)})`,
          'fetch more history (for a shallow clone: `git fetch --deepen=100`, or `fetch-depth: 0` in actions/checkout)',
        )
      : new GitError(
          `unknown git revision ${ref}`,
          `fetch it first (\`git fetch origin\`) or name an existing branch or commit`,
        )
  }
  const [diff, untracked] = await Promise.all([
    git(realRoot, ['diff', '--name-only', '--no-renames', '--no-relative', '-z', base, '--']),
    git(realRoot, ['ls-files', '--others', '--exclude-standard', '--full-name', '-z']),
  ])
  const files = new Set<string>()
  for (const name of [...diff.split('\0'), ...untracked.split('\0')]) {
    if (name === '') continue
    const file = path.join(top, name)
    if (isInside(file, realRoot)) files.add(file)
  }
  return [...files].sort()
}

/**
 * The commit `ref` names now (`origin/main` → its SHA), so that a plan made with `--since
 * origin/main` means the same changes on every machine that runs it, even after the branch moves.
 */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  try {
    return (await git(realpathSync(root), ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim()
  } catch {
    throw new GitError(
      `unknown git revision ${ref}`,
      `fetch it first (\`git fetch origin\`) or name an existing branch or commit`,
    )
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n').find((line) => line.trim() !== '') ?? text
}
