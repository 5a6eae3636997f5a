import { readFileSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'

/**
 * The file system as module resolution sees it: existence checks, JSON files and real paths, each
 * cached until {@link CachedFileSystem.invalidate}. Every existence check a resolution makes is
 * recorded in the current probe set, so the graph knows which resolutions a new or deleted file can
 * change (that is what makes incremental updates exact, and what lets a deleted file still select
 * the tests that imported it).
 */
export class CachedFileSystem {
  #isFile = new Map<string, boolean>()
  #isDirectory = new Map<string, boolean>()
  #json = new Map<string, unknown>()
  #realpath = new Map<string, string>()
  #parsed = new Map<string, unknown>()
  /** The probes of the resolution in progress (resolution is synchronous: one at a time). */
  probes: Set<string> | undefined

  isFile(file: string): boolean {
    this.probes?.add(file)
    let known = this.#isFile.get(file)
    if (known === undefined) {
      known = statSync(file, { throwIfNoEntry: false })?.isFile() ?? false
      this.#isFile.set(file, known)
    }
    return known
  }

  /** What is cached about `file` being a file, without looking (undefined: not known). */
  knownIsFile(file: string): boolean | undefined {
    return this.#isFile.get(file)
  }

  isDirectory(dir: string): boolean {
    let known = this.#isDirectory.get(dir)
    if (known === undefined) {
      known = statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false
      this.#isDirectory.set(dir, known)
    }
    return known
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

  realpath(file: string): string {
    let real = this.#realpath.get(file)
    if (real === undefined) {
      try {
        real = realpathSync.native(file)
      } catch {
        real = file
      }
      this.#realpath.set(file, real)
    }
    return real
  }

  /** Forget what is known about `file` (and its folders: one may have appeared or gone with it). */
  invalidate(file: string): void {
    this.#isFile.delete(file)
    this.#json.delete(file)
    this.#parsed.delete(file)
    this.#realpath.delete(file)
    for (let dir = file; ; ) {
      this.#isDirectory.delete(dir)
      const parent = path.dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }

  clear(): void {
    this.#isFile.clear()
    this.#isDirectory.clear()
    this.#json.clear()
    this.#parsed.clear()
    this.#realpath.clear()
  }
}
