import { createHash } from 'node:crypto'
import { createReadStream, realpathSync } from 'node:fs'
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises'
import path from 'node:path'
import dockerignoreModule from '@balena/dockerignore'
import { DriverError } from '@hearth/driver'
import { stableStringify } from '@hearth/environments'

type IgnoreFactory = (options?: { ignorecase?: boolean }) => {
  add(patterns: string): { ignores(pathname: string): boolean }
}
// A CommonJS module whose types say `export default`: under NodeNext the function is the module itself.
const dockerignore = ((dockerignoreModule as unknown as { default?: unknown }).default ??
  dockerignoreModule) as unknown as IgnoreFactory

/** Bumped when what the hash covers changes, so old tags are not taken for new builds. */
const CONTEXT_FORMAT = 1

export interface BuildContext {
  /** Absolute path of the context folder. */
  dir: string
  /** The files (and symlinks) sent to the engine, relative, `/`-separated, sorted. */
  files: string[]
  /** sha256 of the files' paths, types, modes and bytes, in that order. */
  contentHash: string
}

/**
 * The files of a build context as Docker would send them: everything under the folder except what
 * `.dockerignore` excludes (Docker's own pattern rules, through the library dockerode uses), with
 * the Dockerfile and `.dockerignore` always included, as the Docker CLI does. Empty folders are not
 * sent. An ignored folder is not even read, unless an exception (`!pattern`) could re-include
 * something inside it.
 */
export async function readBuildContext(
  dir: string,
  dockerfile: string,
  service: string,
): Promise<BuildContext> {
  const info = await stat(dir).catch(() => null)
  if (info === null || !info.isDirectory()) {
    throw new DriverError(
      'start-failed',
      `the build context ${dir} of ${service} is not a folder`,
      'create it, or fix build.context (relative to the project root)',
    )
  }
  const dockerfilePath = toPosix(path.normalize(dockerfile))
  if (dockerfilePath.startsWith('../') || path.isAbsolute(dockerfile)) {
    throw new DriverError(
      'start-failed',
      `the Dockerfile ${dockerfile} of ${service} is outside its build context ${dir}`,
      'move the Dockerfile into the context, or set build.dockerfile relative to the context',
    )
  }
  const ignoreText = await readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => '')
  const rules = dockerignore({ ignorecase: false }).add(ignoreText)
  const hasExceptions = ignoreText.split('\n').some((line) => line.trim().startsWith('!'))

  const files: string[] = []
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true })
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`
      const ignored = rules.ignores(child)
      if (entry.isDirectory()) {
        if (!ignored || hasExceptions) await walk(child)
      } else if (!ignored) {
        files.push(child)
      }
    }
  }
  await walk('')
  for (const always of [dockerfilePath, '.dockerignore']) {
    if (!files.includes(always) && (await lstat(path.join(dir, always)).catch(() => null)) !== null) {
      files.push(always)
    }
  }
  if (!files.includes(dockerfilePath)) {
    throw new DriverError(
      'start-failed',
      `${service} has no Dockerfile at ${path.join(dir, dockerfile)}`,
      'create it, or set build.dockerfile (relative to the build context)',
    )
  }
  files.sort()
  return { dir, files, contentHash: await hashFiles(dir, files) }
}

/**
 * sha256 over each file's path, type, permission bits and bytes (a symlink: its target). Times and
 * owners are left out: a fresh checkout of the same sources hashes the same.
 */
export async function hashFiles(dir: string, files: readonly string[]): Promise<string> {
  const hash = createHash('sha256')
  hash.update(`hearth-build-context ${CONTEXT_FORMAT}\0`)
  for (const file of files) {
    const absolute = path.join(dir, file)
    const info = await lstat(absolute)
    const mode = (info.mode & 0o7777).toString(8)
    if (info.isSymbolicLink()) {
      hash.update(`${file}\0l${mode}\0${await readlink(absolute)}\0`)
      continue
    }
    hash.update(`${file}\0f${mode}\0${info.size}\0`)
    for await (const chunk of createReadStream(absolute)) hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

/**
 * The key of one build: the context's content, the Dockerfile's name and the build args. Two
 * services (or two projects) with the same key share the image.
 */
export function buildKey(
  contentHash: string,
  dockerfile: string,
  args: Readonly<Record<string, string>>,
): string {
  return createHash('sha256').update(stableStringify({ contentHash, dockerfile, args })).digest('hex')
}

/**
 * `hearth-build/<checkout>-<service>:<key>`: per checkout of a project (its folder's name and a
 * digest of its real path, as the project id has) and service, tagged with the build key, so an
 * unchanged context finds its image by name. Repository names must be lowercase.
 */
export function buildTag(root: string, service: string, key: string): string {
  let real = root
  try {
    real = realpathSync(root)
  } catch {
    // A root that does not resolve still has a stable spelling.
  }
  const digest = createHash('sha256').update(real).digest('hex').slice(0, 8)
  const name = slug(path.basename(real)) || 'project'
  return `hearth-build/${name}-${digest}-${slug(service)}:${key.slice(0, 16)}`
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/')
}
