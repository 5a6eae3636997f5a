import path from 'node:path'
import type { CachedFileSystem } from './file-system.js'
import { pickEntrySource, readSourceMapSources, sourceMapFiles, stripOutputExtension } from './source-map.js'
import { isInside } from './tsconfig.js'
import type { Workspace, WorkspacePackage } from './workspace.js'

/**
 * Which rule mapped a build output to its source, most trusted first: the package's tsconfig
 * (`outDir`/`rootDir`), a source map or declaration map next to the output, its build tool's entry
 * config (tsdown, tsup, unbuild), the common `dist/x.*` ↔ `src/x.*` layout.
 */
export type OutputMapping = 'tsconfig' | 'source-map' | 'build-config' | 'layout'

export interface OutputSource {
  /** The source file (as found, not yet a real path). */
  source: string
  mappedBy: OutputMapping
}

/** A file a build may have written: JavaScript, or a declaration file. */
const OUTPUT_FILE = /\.(?:d\.[cm]?ts|[cm]?js|jsx)$/
/** The flavours a build emits for one entry, in the order their maps are looked at. */
const OUTPUT_FLAVOURS = ['.mjs', '.js', '.cjs', '.d.mts', '.d.ts', '.d.cts']

/**
 * The source extensions an output may come from, its own flavour first (`.mjs` ← `.mts` before
 * `.ts`): tsc keeps the flavour (`.mts` → `.mjs`), but bundlers write any flavour from any source
 * (tsdown: `src/index.ts` → `dist/index.mjs` and `dist/index.cjs`). TypeScript before JavaScript
 * within a flavour, as TypeScript resolves.
 */
export function sourceExtensionsFor(output: string): readonly string[] {
  const flavour = /\.(?:d\.)?([cm]?)[jt]sx?$/.exec(output)?.[1] ?? ''
  return SOURCE_EXTENSIONS[flavour]!
}

const SOURCE_EXTENSIONS: Record<string, readonly string[]> = {
  '': ['.ts', '.tsx', '.js', '.jsx', '.mts', '.cts', '.mjs', '.cjs'],
  m: ['.mts', '.ts', '.tsx', '.mjs', '.js', '.jsx', '.cts', '.cjs'],
  c: ['.cts', '.ts', '.tsx', '.cjs', '.js', '.jsx', '.mts', '.mjs'],
}

/**
 * Maps a package's build output back to its source, from what the package says, whether or not it
 * has been built (on a fresh clone there is no dist and no map, and the later rules still map).
 * Every file it looks at goes through the {@link CachedFileSystem}, so the graph records it as a
 * probe: a map or source that appears or goes re-resolves the imports that looked for it.
 */
export class OutputSources {
  readonly #fs: CachedFileSystem
  readonly #workspace: Workspace

  constructor(fs: CachedFileSystem, workspace: Workspace) {
    this.#fs = fs
    this.#workspace = workspace
  }

  /** The source of `output` (a path in `pkg`), or undefined when it is not build output (or no source is found). */
  sourceOf(pkg: WorkspacePackage, output: string): OutputSource | undefined {
    if (!OUTPUT_FILE.test(output)) return undefined
    const extensions = sourceExtensionsFor(output)

    // 1. tsconfig: tsc mirrors rootDir into outDir (and declarationDir).
    const tsconfig = this.#workspace.tsconfigLayout(pkg)
    const tsOutDir = tsconfig?.outDirs.find((dir) => isInside(output, dir) && output !== dir)
    if (tsconfig && tsOutDir) {
      const base = path.join(tsconfig.rootDir, stripOutputExtension(path.relative(tsOutDir, output)))
      const source = this.#withExtensions(base, extensions)
      if (source) return { source, mappedBy: 'tsconfig' }
    }

    // A file in the package's `src` that no build writes to is a source, not an output.
    const outputFolders = this.#workspace.outputFolders(pkg)
    const inOutputFolder = outputFolders.some((dir) => isInside(output, dir))
    if (!inOutputFolder && isInside(output, path.join(pkg.dir, 'src'))) return undefined

    // 2. Source maps and declaration maps, the output's own first, then its siblings' (one entry
    //    gives `index.mjs`, `index.cjs`, `index.d.mts`: any of their maps names the entry). A source
    //    in the output's own folder is not a source (a map of a map); `lib` may be either, so only
    //    the folder the output is in counts among the guessed ones.
    const outputFolder = outputFolders.find((dir) => isInside(output, dir) && output !== dir)
    for (const map of this.#mapsOf(output)) {
      const parsed = this.#fs.readParsed(map, readSourceMapSources)
      if (!parsed) continue
      const own = sourceMapFiles(parsed, map).filter(
        (file) =>
          isInside(file, pkg.dir) &&
          !file.split(path.sep).includes('node_modules') &&
          !(outputFolder && isInside(file, outputFolder)),
      )
      const configEntries = new Set(this.#workspace.buildEntries(pkg).entries.map((entry) => entry.input))
      const entry = pickEntrySource(own, output, path.join(pkg.dir, 'src'), configEntries)
      if (entry && this.#fs.isFile(entry)) return { source: entry, mappedBy: 'source-map' }
    }

    // 3. The build tool's entries: `<outDir>/<name>.<any output extension>` ← the entry.
    for (const entry of this.#workspace.buildEntries(pkg).entries) {
      if (!isInside(output, entry.outDir)) continue
      const name = stripOutputExtension(path.relative(entry.outDir, output)).split(path.sep).join('/')
      if (name !== entry.name) continue
      const source = this.#fs.isFile(entry.input)
        ? entry.input
        : this.#withExtensions(entry.input.replace(/\.[cm]?[jt]sx?$/, ''), extensions)
      if (source) return { source, mappedBy: 'build-config' }
    }

    // 4. The common layout: `dist/<name>.*` ↔ `src/<name>.*`, format folders skipped.
    for (const base of this.#workspace.sourceBasesOf(pkg, output)) {
      const source = this.#withExtensions(base, extensions)
      if (source) return { source, mappedBy: 'layout' }
    }
    return undefined
  }

  #mapsOf(output: string): string[] {
    const stem = output.replace(/(\.d)?\.[cm]?[jt]sx?$/, '')
    const own = `${output}.map`
    return [own, ...OUTPUT_FLAVOURS.map((ext) => `${stem}${ext}.map`).filter((map) => map !== own)].filter(
      (map) => this.#fs.isFile(map),
    )
  }

  #withExtensions(stem: string, extensions: readonly string[]): string | undefined {
    for (const ext of extensions) if (this.#fs.isFile(stem + ext)) return stem + ext
    return undefined
  }
}
