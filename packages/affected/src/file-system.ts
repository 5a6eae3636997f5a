import { lstatSync, readdirSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs'
import path from 'node:path'

/** What is kept of a path's status: a workspace's worth of Node's `Stats` objects is megabytes. */
export interface FileStatus {
  isFile: boolean
  isDirectory: boolean
  mtimeMs: number
  size: number
}

/**
 * The file system as module resolution sees it: file status, JSON files and real paths, each
 * cached until {@link CachedFileSystem.invalidate}. Every existence check a resolution makes is
 * recorded in the current probe set, so the graph knows which resolutions a new or deleted file can
 * change (that is what makes incremental updates exact, and what lets a deleted file still select
 * the tests that imported it).
 */
export class CachedFileSystem {
  /** A path's status, symbolic links followed; null: nothing there. */
  #stats = new Map<string, FileStatus | null>()
  /** Paths known to be symbolic links (their real path must be asked for). */
  #links = new Set<string>()
  #json = new Map<string, unknown>()
  #realpath = new Map<string, string>()
  #parsed = new Map<string, unknown>()
  /**
   * The names in a folder, read once: most paths a resolution asks about are not there (`x.tsx`,
   * `x.d.ts`, `x/index.ts` for an `./x` that is `x.ts`), and a name missing from its folder's
   * listing needs no system call of its own. Null: the folder could not be listed (absent, or no
   * permission to list it): each path is asked about on its own then.
   */
  #listings = new Map<string, Set<string> | null>()
  /** The probes of the resolution in progress (resolution is synchronous: one at a time). */
  probes: Set<string> | undefined

  isFile(file: string): boolean {
    this.probes?.add(file)
    return this.stat(file)?.isFile ?? false
  }

  /** What is cached about `file` being a file, without looking (undefined: not known). */
  knownIsFile(file: string): boolean | undefined {
    const known = this.#stats.get(file)
    return known === undefined ? undefined : (known?.isFile ?? false)
  }

  isDirectory(dir: string): boolean {
    return this.stat(dir)?.isDirectory ?? false
  }

  /** A path's status (symbolic links followed), or undefined when there is nothing there. Not a probe. */
  stat(file: string): FileStatus | undefined {
    let known = this.#stats.get(file)
    if (known === undefined && this.#absentFromListing(file)) {
      known = null
      this.#stats.set(file, known)
    }
    if (known === undefined) {
      // lstat first: it says whether the path is a link, which spares `realpath` a system call.
      let stats: Stats | undefined = lstatSync(file, { throwIfNoEntry: false })
      if (stats?.isSymbolicLink()) {
        this.#links.add(file)
        stats = statSync(file, { throwIfNoEntry: false })
      }
      known = stats
        ? {
            isFile: stats.isFile(),
            isDirectory: stats.isDirectory(),
            mtimeMs: stats.mtimeMs,
            size: stats.size,
          }
        : null
      this.#stats.set(file, known)
    }
    return known ?? undefined
  }

  /** Whether the listing of the file's folder says it is not there. */
  #absentFromListing(file: string): boolean {
    const dir = path.dirname(file)
    if (dir === file) return false
    let names = this.#listings.get(dir)
    if (names === undefined) {
      // No folder, nothing in it (asked of its own folder's listing in turn).
      if (!this.stat(dir)?.isDirectory) return true
      try {
        names = new Set(readdirSync(dir))
      } catch {
        names = null
      }
      this.#listings.set(dir, names)
    }
    return names !== null && !names.has(path.basename(file))
  }

  /** A JSON file's value, or undefined when it is missing or is not JSON. */
  readJson(file: string): unknown {
    if (!this.isFile(file)) return undefined
    if (!this.#json.has(file)) {
      let value: unknown
      try {
        value = JSON.parse(readFileSync(file, 'utf8'))
      } catch {
        value = undefined
      }
      this.#json.set(file, value)
    }
    return this.#json.get(file)
  }

  /**
   * `parse` of a file's text, cached like a JSON file until the file is invalidated (for source
   * maps: one parser per file, so the file is the key). Undefined when the file is missing.
   */
  readParsed<T>(file: string, parse: (text: string) => T): T | undefined {
    if (!this.isFile(file)) return undefined
    if (!this.#parsed.has(file)) {
      const text = this.readText(file)
      this.#parsed.set(file, text === undefined ? undefined : parse(text))
    }
    return this.#parsed.get(file) as T | undefined
  }

  /** A text file's content, or undefined when it is missing (not cached: sources change). */
  readText(file: string): string | undefined {
    if (!this.isFile(file)) return undefined
    try {
      return readFileSync(file, 'utf8')
    } catch {
      return undefined
    }
  }

  /**
   * The real path. A file whose status is known and is no link is its folder's real path and its
   * name: one `realpath` per folder rather than one per file.
   */
  realpath(file: string): string {
    let real = this.#realpath.get(file)
    if (real === undefined) {
      const parent = path.dirname(file)
      if (this.#stats.get(file) && !this.#links.has(file) && parent !== file) {
        real = path.join(this.realpath(parent), path.basename(file))
      } else {
        try {
          real = realpathSync.native(file)
        } catch {
          real = file
        }
      }
      this.#realpath.set(file, real)
    }
    return real
  }

  /** Forget what is known about `file` (and its folders: one may have appeared or gone with it). */
  invalidate(file: string): void {
    this.#json.delete(file)
    this.#parsed.delete(file)
    this.#realpath.delete(file)
    this.#links.delete(file)
    for (let dir = file; ; ) {
      this.#stats.delete(dir)
      this.#listings.delete(dir)
      const parent = path.dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }

  clear(): void {
    this.#stats.clear()
    this.#listings.clear()
    this.#links.clear()
    this.#json.clear()
    this.#parsed.clear()
    this.#realpath.clear()
  }
}
