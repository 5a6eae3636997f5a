import path from 'node:path'
import { BUILD_CONFIG_FILE } from './build-config.js'
import { CachedFileSystem } from './file-system.js'
import { type FileImports, ImportCache } from './import-cache.js'
import { type ImportKind, type ImportRef, parserMemoryPending, releaseParserMemory } from './parse-imports.js'
import {
  type BuildOutputLink,
  type BuildOutputPackage,
  type Resolution,
  type ResolutionMode,
  Resolver,
} from './resolver.js'
import { isInside, TsconfigLoader } from './tsconfig.js'
import { Workspace } from './workspace.js'

export interface ImportGraphOptions {
  /** The workspace root (where pnpm-workspace.yaml or the root package.json is). */
  root: string
  /** The test files the graph starts from, absolute or relative to the root. */
  testFiles: readonly string[]
  /**
   * Export conditions to prefer as pointing at sources, beyond those named `source` (or ending in
   * `/source`) and each importer's tsconfig `customConditions`.
   */
  conditions?: readonly string[]
  /**
   * Files every test loads without importing them (Vitest `setupFiles`): each test gets an edge to
   * each of them (kind `setup`), so a change to one, or to what it imports, selects every test.
   */
  setupFiles?: readonly string[]
  /**
   * Keep the files' imports in `node_modules/.cache/hearth/` under the root, so the next graph
   * reads and parses only the files that changed (default true; see {@link ImportCache}).
   */
  cache?: boolean
}

/** How an edge came about: an import form, or a setup file every test loads. */
export type EdgeKind = ImportKind | 'setup'

/** One file importing another (several imports of one file from one file make one edge). */
export interface ImportEdge {
  from: string
  to: string
  /** The first specifier in `from` that names `to` (for a setup file: its path from the root). */
  specifier: string
  kind: EdgeKind
  /** True when every import of `to` in `from` is type-only. */
  typeOnly: boolean
  /** Set when the specifier named the build output of a workspace package and `to` is its source. */
  buildOutput?: BuildOutputLink
}

/** An import the graph could not follow: it never throws, it records. */
export interface UnresolvedImport {
  from: string
  /** The specifier, or `(expression)` for an `import()` / `require()` of a computed value. */
  specifier: string
  kind: ImportKind | 'non-literal'
  reason: string
}

/** A file a test reaches, with one shortest import chain (the test first, the file last). */
export interface ReachedFile {
  file: string
  chain: string[]
  /** True when every chain from the test to the file passes through a type-only import. */
  typeOnly: boolean
}

/** A test selected because it reaches a changed file through imports. */
export interface ImportSelection {
  test: string
  changed: string
  /** One shortest chain: the test, the files it imports on the way, the changed file. */
  chain: string[]
  /**
   * True when every import chain from the test to the changed file passes through a type-only
   * import: the change cannot alter what runs, but can break the test's compile.
   */
  typeOnly: boolean
  /**
   * The workspace package holding the changed file, when the test reaches that file through the
   * package's build output (`main: dist/index.js`): rebuild it before running the test.
   */
  viaBuildOutput?: BuildOutputPackage
  /**
   * True when the changed file is not in the graph but its presence or absence changes how the
   * chain's last import resolves (a deleted file that was imported, a new file that now shadows
   * another, the package.json or tsconfig the resolution read).
   */
  resolution?: true
}

/** A workspace package linked through its build output, and the imports that do it. */
export interface BuildOutputUse {
  package: BuildOutputPackage
  links: { from: string; specifier: string; output: string; source: string }[]
}

/** What an update did. */
export interface GraphUpdate {
  /** Files read and parsed again (changed files the graph held). */
  reparsed: string[]
  /** Files the graph reaches now and did not before. */
  added: string[]
  /** Files the graph no longer reaches. */
  removed: string[]
  /** How many files had their imports resolved again. */
  relinked: number
  /** True when a package.json, tsconfig or workspace file changed, so every import was resolved again. */
  configChanged: boolean
  durationMs: number
}

export interface ImportGraphStats {
  files: number
  edges: number
  tests: number
  unresolved: number
}

/**
 * The import graph of a workspace's test files. Queries are synchronous and read the graph as of
 * the last finished build or update; `update` and `setTestFiles` are serialized (call them from one
 * controller and await each, as core does).
 */
export interface ImportGraph {
  /** The workspace root, as a real path. */
  readonly root: string
  /** The test files, sorted. */
  tests(): string[]
  /** Every workspace file some test reaches (tests included), sorted. */
  files(): string[]
  /** What `file` imports. */
  dependenciesOf(file: string): ImportEdge[]
  /** What imports `file` (the reverse index). */
  dependentsOf(file: string): ImportEdge[]
  /** The files a test reaches (itself first), each with one shortest chain. */
  reach(testFile: string): ReachedFile[]
  /** The tests that reach any of the changed files, one selection per (test, changed file). */
  testsReaching(changedFiles: readonly string[]): ImportSelection[]
  /**
   * Re-reads the given files (changed, new or deleted) and re-resolves only the imports their
   * existence can affect; a package.json, tsconfig or pnpm-workspace.yaml among them re-resolves
   * every import (files are not re-read for that).
   */
  update(changedOrDeleted: readonly string[]): Promise<GraphUpdate>
  /** Replaces the test files (new tests are crawled, dropped ones and what only they reached go). */
  setTestFiles(testFiles: readonly string[]): Promise<GraphUpdate>
  /** Workspace packages some test reaches through their build output, sorted by folder. */
  buildOutputPackages(): BuildOutputUse[]
  /** Imports that could not be followed, sorted by file. */
  unresolved(): UnresolvedImport[]
  stats(): ImportGraphStats
}

interface FileNode {
  file: string
  imports: ImportRef[]
  nonLiteral: number
  missing: boolean
  parseError?: string
  edges: ImportEdge[]
  unresolved: UnresolvedImport[]
  keys: Set<string>
}

interface CachedResolution {
  resolution: Resolution
  probes: string[]
}

/** How long after an update the import cache is saved (see `#saveSoon`). */
const SAVE_DELAY_MS = 5_000
const CODE_FILE = /\.(d\.)?[cm]?[jt]sx?$/
const CONFIG_FILE = /(^|[\\/])(package\.json|[jt]sconfig[^\\/]*\.json|pnpm-workspace\.yaml)$/
/** A file whose content (not only its existence) changes how imports resolve. */
const isConfigFile = (file: string): boolean => CONFIG_FILE.test(file) || BUILD_CONFIG_FILE.test(file)

/**
 * Builds the import graph of `testFiles`: every workspace file they reach through imports,
 * resolved as the workspace resolves them (see the README for the rules).
 */
export async function createImportGraph(options: ImportGraphOptions): Promise<ImportGraph> {
  const graph = new WorkspaceImportGraph(options)
  await graph.setTestFiles(options.testFiles)
  return graph
}

class WorkspaceImportGraph implements ImportGraph {
  readonly root: string
  readonly #rootAsGiven: string
  readonly #fs = new CachedFileSystem()
  readonly #tsconfigs: TsconfigLoader
  readonly #workspace: Workspace
  readonly #resolver: Resolver
  readonly #cache: ImportCache
  #saveTimer: NodeJS.Timeout | undefined
  #tests = new Set<string>()
  readonly #setupFiles: string[]
  /** Set when an edge went away: only then can files become unreachable. */
  #edgeRemoved = false
  readonly #nodes = new Map<string, FileNode>()
  /** to → from → edge */
  readonly #dependents = new Map<string, Map<string, ImportEdge>>()
  readonly #resolutions = new Map<string, CachedResolution>()
  /** A probed path → the resolutions (keys) whose outcome depends on it. */
  readonly #probeIndex = new Map<string, Set<string>>()
  /** A resolution key → the files whose imports use it. */
  readonly #keyUsers = new Map<string, Set<string>>()
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: ImportGraphOptions) {
    this.#rootAsGiven = path.resolve(options.root)
    this.root = this.#fs.realpath(this.#rootAsGiven)
    this.#tsconfigs = new TsconfigLoader(this.#fs, this.root)
    this.#workspace = new Workspace(this.root, this.#fs, this.#tsconfigs)
    this.#setupFiles = [...new Set((options.setupFiles ?? []).map((file) => this.#normalize(file)))].sort()
    this.#resolver = new Resolver(this.#fs, this.#tsconfigs, this.#workspace, {
      conditions: options.conditions ?? [],
    })
    this.#cache = new ImportCache(this.root, this.#fs, options.cache ?? true)
  }

  tests(): string[] {
    return [...this.#tests].sort()
  }

  files(): string[] {
    return [...this.#nodes.keys()].sort()
  }

  dependenciesOf(file: string): ImportEdge[] {
    return (this.#nodes.get(this.#normalize(file))?.edges ?? []).map((edge) => ({ ...edge }))
  }

  dependentsOf(file: string): ImportEdge[] {
    const edges = this.#dependents.get(this.#normalize(file))
    return edges
      ? [...edges.values()].map((edge) => ({ ...edge })).sort((a, b) => compare(a.from, b.from))
      : []
  }

  reach(testFile: string): ReachedFile[] {
    const start = this.#normalize(testFile)
    if (!this.#nodes.has(start)) return []
    const forward = (file: string) => this.#nodes.get(file)?.edges ?? []
    const { parents, typeOnly } = twoPhaseSearch([start], forward, (edge) => edge.to)
    return [...parents.keys()].sort().map((file) => {
      const chain: string[] = []
      for (let at: string | undefined = file; at !== undefined; at = parents.get(at)) chain.push(at)
      return { file, chain: chain.reverse(), typeOnly: typeOnly.has(file) }
    })
  }

  testsReaching(changedFiles: readonly string[]): ImportSelection[] {
    const selections: ImportSelection[] = []
    const backward = (file: string) => [...(this.#dependents.get(file)?.values() ?? [])]
    const chainFrom = (parents: Map<string, string | undefined>, test: string) => {
      const chain: string[] = []
      for (let at: string | undefined = test; at !== undefined; at = parents.get(at)) chain.push(at)
      return chain
    }
    const buildEdges = this.#buildOutputEdges()
    for (const changed of [...new Set(changedFiles.map((file) => this.#normalize(file)))].sort()) {
      const selected = new Map<string, ImportSelection>()
      // The changed file itself, when some test reaches it.
      if (this.#nodes.has(changed)) {
        const { parents, typeOnly } = twoPhaseSearch([changed], backward, (edge) => edge.from)
        const viaBuild = this.#viaBuildOutput(changed, parents, buildEdges, backward)
        for (const test of this.#testsIn(parents.keys())) {
          const selection: ImportSelection = {
            test,
            changed,
            chain: chainFrom(parents, test),
            typeOnly: typeOnly.has(test),
          }
          const pkg = viaBuild.get(test)
          if (pkg) selection.viaBuildOutput = pkg
          selected.set(test, selection)
        }
      }
      // Importers whose resolution looked at the changed path (deleted, new, a package.json …).
      const importers = new Set<string>()
      for (const key of this.#probeIndex.get(changed) ?? []) {
        for (const user of this.#keyUsers.get(key) ?? []) if (user !== changed) importers.add(user)
      }
      for (const importer of [...importers].sort()) {
        const { parents, typeOnly } = twoPhaseSearch([importer], backward, (edge) => edge.from)
        for (const test of this.#testsIn(parents.keys())) {
          if (selected.has(test)) continue
          selected.set(test, {
            test,
            changed,
            chain: [...chainFrom(parents, test), changed],
            typeOnly: typeOnly.has(test),
            resolution: true,
          })
        }
      }
      selections.push(...selected.values())
    }
    return selections.sort((a, b) => compare(a.test, b.test) || compare(a.changed, b.changed))
  }

  update(changedOrDeleted: readonly string[]): Promise<GraphUpdate> {
    return this.#serialized(() => this.#update(changedOrDeleted))
  }

  setTestFiles(testFiles: readonly string[]): Promise<GraphUpdate> {
    return this.#serialized(async () => {
      const started = performance.now()
      const before = new Set(this.#nodes.keys())
      const previous = this.#tests
      this.#tests = new Set(testFiles.map((file) => this.#normalize(file)))
      // A new test file may be a new file, which what the file system cache knows of its folder
      // predates: the caller's word that it is a test file counts as a change.
      for (const file of this.#tests) if (!previous.has(file)) this.#fs.invalidate(file)
      // A file that became (or stopped being) a test gains (or loses) its setup file edges.
      const pending: string[] = []
      for (const file of new Set([...previous, ...this.#tests])) {
        const node = this.#nodes.get(file)
        if (node && previous.has(file) !== this.#tests.has(file)) pending.push(...this.#link(node))
      }
      await this.#crawl([...this.#tests, ...pending])
      const removed = this.#collectGarbage()
      this.#cache.save(this.#nodes.keys())
      return {
        reparsed: [],
        added: [...this.#nodes.keys()].filter((file) => !before.has(file)).sort(),
        removed,
        relinked: 0,
        configChanged: false,
        durationMs: performance.now() - started,
      }
    })
  }

  buildOutputPackages(): BuildOutputUse[] {
    const uses = new Map<string, BuildOutputUse>()
    for (const edge of this.#buildOutputEdges()) {
      const { package: pkg, output } = edge.buildOutput!
      let use = uses.get(pkg.dir)
      if (!use) {
        use = { package: pkg, links: [] }
        uses.set(pkg.dir, use)
      }
      use.links.push({ from: edge.from, specifier: edge.specifier, output, source: edge.to })
    }
    for (const use of uses.values())
      use.links.sort((a, b) => compare(a.from, b.from) || compare(a.source, b.source))
    return [...uses.values()].sort((a, b) => compare(a.package.dir, b.package.dir))
  }

  unresolved(): UnresolvedImport[] {
    return [...this.#nodes.values()]
      .flatMap((node) => node.unresolved)
      .sort((a, b) => compare(a.from, b.from) || compare(a.specifier, b.specifier))
  }

  stats(): ImportGraphStats {
    let edges = 0
    let unresolved = 0
    for (const node of this.#nodes.values()) {
      edges += node.edges.length
      unresolved += node.unresolved.length
    }
    return { files: this.#nodes.size, edges, tests: this.#tests.size, unresolved }
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Absolute, and under the real root when given under the root as the caller spelled it. */
  #normalize(file: string): string {
    const absolute = path.resolve(this.#rootAsGiven, file)
    if (this.root !== this.#rootAsGiven && isInside(absolute, this.#rootAsGiven)) {
      return path.join(this.root, path.relative(this.#rootAsGiven, absolute))
    }
    return absolute
  }

  async #update(changedOrDeleted: readonly string[]): Promise<GraphUpdate> {
    const started = performance.now()
    const changed = [...new Set(changedOrDeleted.map((file) => this.#normalize(file)))]
    // Resolution depends on which files exist, not on what they hold: only a file that appeared or
    // went (or whose existence was never looked at) can change how an import resolves.
    const appearedOrWent = changed.filter((file) => {
      const before = this.#fs.knownIsFile(file)
      this.#fs.invalidate(file)
      return before === undefined || before !== this.#fs.isFile(file)
    })
    const configChanged = changed.some((file) => isConfigFile(file) || this.#tsconfigs.files.has(file))
    const relink = new Set<string>()
    if (configChanged) {
      this.#fs.clear()
      this.#tsconfigs.clear()
      this.#workspace.clear()
      this.#resolutions.clear()
      this.#probeIndex.clear()
      this.#keyUsers.clear()
      for (const file of this.#nodes.keys()) relink.add(file)
    } else {
      for (const file of appearedOrWent) {
        for (const key of this.#probeIndex.get(file) ?? []) {
          this.#resolutions.delete(key)
          for (const user of this.#keyUsers.get(key) ?? []) relink.add(user)
        }
      }
    }
    const reparsed = changed.filter((file) => this.#nodes.has(file)).sort()
    const pending: string[] = []
    for (const file of reparsed) {
      const node = this.#nodes.get(file)!
      this.#setImports(node, this.#read(file, true))
      relink.add(file)
      if (parserMemoryPending()) await releaseParserMemory()
    }
    const before = new Set(this.#nodes.keys())
    for (const file of [...relink].sort()) {
      const node = this.#nodes.get(file)
      if (node) pending.push(...this.#link(node))
    }
    await this.#crawl(pending)
    const removed = this.#edgeRemoved ? this.#collectGarbage() : []
    this.#saveSoon()
    return {
      reparsed,
      added: [...this.#nodes.keys()].filter((file) => !before.has(file)).sort(),
      removed,
      relinked: relink.size,
      configChanged,
      durationMs: performance.now() - started,
    }
  }

  /**
   * Saves the import cache once edits pause: writing it (~30 ms on 10k files) after every save in
   * an editor would sit between the save and its test run. A process that ends before then
   * leaves the cache a little behind, which costs the next run only a few reads.
   */
  #saveSoon(): void {
    if (this.#saveTimer !== undefined) return
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined
      void this.#serialized(async () => this.#cache.save(this.#nodes.keys()))
    }, SAVE_DELAY_MS)
    this.#saveTimer.unref()
  }

  /**
   * Adds the files not yet in the graph, and everything they reach, a breadth at a time. Reads are
   * synchronous: thousands of small files read one after another beat as many promises (each read
   * through the thread pool costs more than the read itself), and no other work waits meanwhile.
   */
  async #crawl(files: readonly string[]): Promise<void> {
    let frontier = [...new Set(files)].filter((file) => !this.#nodes.has(file))
    while (frontier.length > 0) {
      const next = new Set<string>()
      for (const file of frontier) {
        const node: FileNode = {
          file,
          imports: [],
          nonLiteral: 0,
          missing: false,
          edges: [],
          unresolved: [],
          keys: new Set(),
        }
        this.#nodes.set(file, node)
        this.#setImports(node, this.#read(file))
        for (const target of this.#link(node)) if (!this.#nodes.has(target)) next.add(target)
        if (parserMemoryPending()) await releaseParserMemory()
      }
      frontier = [...next]
    }
  }

  /** A code file's imports (through the cache); another file only exists or not. */
  #read(file: string, changed = false): FileImports {
    if (CODE_FILE.test(file)) return this.#cache.imports(file, changed)
    return { missing: !this.#fs.stat(file)?.isFile, imports: [], nonLiteral: 0 }
  }

  #setImports(node: FileNode, read: FileImports): void {
    node.missing = read.missing
    node.imports = read.imports
    node.nonLiteral = read.nonLiteral
    if (read.parseError === undefined) delete node.parseError
    else node.parseError = read.parseError
  }

  /** Resolves a node's imports into edges; returns the targets. */
  #link(node: FileNode): string[] {
    const previousTargets = node.edges.map((edge) => edge.to)
    for (const edge of node.edges) this.#dependents.get(edge.to)?.delete(node.file)
    for (const key of node.keys) this.#keyUsers.get(key)?.delete(node.file)
    node.keys.clear()
    const edges = new Map<string, ImportEdge>()
    if (this.#tests.has(node.file)) {
      for (const setup of this.#setupFiles) {
        if (setup === node.file) continue
        const specifier = path.relative(this.root, setup).split(path.sep).join('/')
        edges.set(setup, { from: node.file, to: setup, specifier, kind: 'setup', typeOnly: false })
      }
    }
    const unresolved: UnresolvedImport[] = []
    for (const ref of node.imports) {
      const mode: ResolutionMode =
        ref.kind === 'require' || ref.kind === 'import-equals' ? 'require' : 'import'
      const key = `${mode}\0${path.dirname(node.file)}\0${ref.specifier}`
      node.keys.add(key)
      const resolution = this.#resolve(key, ref.specifier, node.file, mode)
      if (resolution.type === 'unresolved') {
        unresolved.push({
          from: node.file,
          specifier: ref.specifier,
          kind: ref.kind,
          reason: resolution.reason,
        })
        continue
      }
      if (resolution.type !== 'file') continue
      const known = edges.get(resolution.file)
      if (known) {
        known.typeOnly &&= ref.typeOnly
        if (resolution.buildOutput && !known.buildOutput) known.buildOutput = resolution.buildOutput
        continue
      }
      const edge: ImportEdge = {
        from: node.file,
        to: resolution.file,
        specifier: ref.specifier,
        kind: ref.kind,
        typeOnly: ref.typeOnly,
      }
      if (resolution.buildOutput) edge.buildOutput = resolution.buildOutput
      edges.set(resolution.file, edge)
    }
    if (node.nonLiteral > 0) {
      unresolved.push({
        from: node.file,
        specifier: '(expression)',
        kind: 'non-literal',
        reason: `${node.nonLiteral} import()/require() of a computed specifier`,
      })
    }
    if (node.missing)
      unresolved.push({ from: node.file, specifier: '', kind: 'import', reason: 'file not found' })
    if (node.parseError) {
      unresolved.push({
        from: node.file,
        specifier: '',
        kind: 'import',
        reason: `parse failed: ${node.parseError}`,
      })
    }
    node.edges = [...edges.values()]
    node.unresolved = unresolved
    if (previousTargets.some((target) => !edges.has(target))) this.#edgeRemoved = true
    for (const edge of node.edges) {
      let into = this.#dependents.get(edge.to)
      if (!into) {
        into = new Map()
        this.#dependents.set(edge.to, into)
      }
      into.set(node.file, edge)
    }
    for (const key of node.keys) {
      let users = this.#keyUsers.get(key)
      if (!users) {
        users = new Set()
        this.#keyUsers.set(key, users)
      }
      users.add(node.file)
    }
    return node.edges.map((edge) => edge.to)
  }

  #resolve(key: string, specifier: string, importer: string, mode: ResolutionMode): Resolution {
    const cached = this.#resolutions.get(key)
    if (cached) return cached.resolution
    const probes = new Set<string>()
    this.#fs.probes = probes
    let resolution: Resolution
    try {
      resolution = this.#resolver.resolve(specifier, importer, mode)
    } catch (error) {
      resolution = { type: 'unresolved', reason: `resolution failed: ${error}` }
    } finally {
      this.#fs.probes = undefined
    }
    this.#resolutions.set(key, { resolution, probes: [...probes] })
    for (const probe of probes) {
      let keys = this.#probeIndex.get(probe)
      if (!keys) {
        keys = new Set()
        this.#probeIndex.set(probe, keys)
      }
      keys.add(key)
    }
    return resolution
  }

  /** Drops the files no test reaches any more; returns them, sorted. */
  #collectGarbage(): string[] {
    this.#edgeRemoved = false
    const reached = new Set<string>()
    const stack = [...this.#tests]
    while (stack.length > 0) {
      const file = stack.pop()!
      if (reached.has(file)) continue
      reached.add(file)
      for (const edge of this.#nodes.get(file)?.edges ?? []) stack.push(edge.to)
    }
    const removed: string[] = []
    for (const [file, node] of this.#nodes) {
      if (reached.has(file)) continue
      for (const edge of node.edges) this.#dependents.get(edge.to)?.delete(file)
      for (const key of node.keys) this.#keyUsers.get(key)?.delete(file)
      this.#nodes.delete(file)
      removed.push(file)
    }
    for (const [file, into] of this.#dependents) if (into.size === 0) this.#dependents.delete(file)
    return removed.sort()
  }

  #testsIn(files: Iterable<string>): string[] {
    return [...files].filter((file) => this.#tests.has(file) && !this.#nodes.get(file)?.missing).sort()
  }

  #buildOutputEdges(): ImportEdge[] {
    const edges: ImportEdge[] = []
    for (const node of this.#nodes.values())
      for (const edge of node.edges) if (edge.buildOutput) edges.push(edge)
    return edges
  }

  /**
   * The tests that reach `changed` through the build output of the package holding it: those that
   * reach an edge into that package's build output whose source leads on to `changed`.
   */
  #viaBuildOutput(
    changed: string,
    leadsToChanged: Map<string, string | undefined>,
    buildEdges: ImportEdge[],
    backward: (file: string) => ImportEdge[],
  ): Map<string, BuildOutputPackage> {
    const result = new Map<string, BuildOutputPackage>()
    const pkg = this.#workspace.packageOf(changed)
    if (!pkg) return result
    const entries = buildEdges.filter(
      (edge) => edge.buildOutput!.package.dir === pkg.dir && leadsToChanged.has(edge.to),
    )
    if (entries.length === 0) return result
    const { parents } = twoPhaseSearch(
      entries.map((edge) => edge.from),
      backward,
      (edge) => edge.from,
    )
    const info = entries[0]!.buildOutput!.package
    for (const file of parents.keys()) if (this.#tests.has(file)) result.set(file, info)
    return result
  }
}

/**
 * Breadth-first search from `starts`, first over runtime edges only, then over all edges for what
 * the first pass missed: a file found only in the second pass is reached through types alone.
 * `parents` maps each file found to the one before it (toward the start), giving shortest chains.
 */
function twoPhaseSearch(
  starts: readonly string[],
  edgesOf: (file: string) => readonly ImportEdge[],
  other: (edge: ImportEdge) => string,
): { parents: Map<string, string | undefined>; typeOnly: Set<string> } {
  const search = (runtimeOnly: boolean) => {
    const parents = new Map<string, string | undefined>()
    let frontier = [...starts].sort()
    for (const start of frontier) parents.set(start, undefined)
    while (frontier.length > 0) {
      const next: string[] = []
      for (const file of frontier) {
        const neighbours = edgesOf(file)
          .filter((edge) => !runtimeOnly || !edge.typeOnly)
          .map(other)
          .sort()
        for (const neighbour of neighbours) {
          if (parents.has(neighbour)) continue
          parents.set(neighbour, file)
          next.push(neighbour)
        }
      }
      frontier = next
    }
    return parents
  }
  const runtime = search(true)
  const all = search(false)
  const typeOnly = new Set<string>()
  for (const [file, parent] of all) {
    if (runtime.has(file)) all.set(file, runtime.get(file))
    else {
      typeOnly.add(file)
      all.set(file, parent)
    }
  }
  return { parents: all, typeOnly }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
