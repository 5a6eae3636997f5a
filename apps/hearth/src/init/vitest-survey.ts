import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import type { Vitest } from 'vitest/node'
import type {
  SurveyedOwner,
  SurveyOwner,
  SurveyProgress,
  SurveyRequest,
  SurveyResponse,
} from './survey-protocol.js'

/**
 * The Vitest surveyor: a child process `hearth init` starts (`survey-vitest.ts`), never imported by
 * hearth itself. It loads the project's own Vitest (each owner's, from the owner's folder, since a
 * config may read process.cwd()), lists the test files as `vitest run` would and says which project
 * runs each, then exits. No test runs here.
 */

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback()
    },
  })
}

async function survey(owner: SurveyOwner): Promise<SurveyedOwner> {
  process.chdir(owner.root)
  const { createVitest } = (await import(pathToFileURL(owner.nodeEntry).href)) as typeof import('vitest/node')
  const vitest: Vitest = await createVitest(
    'test',
    { root: owner.root, config: owner.configFile ?? false, watch: false, coverage: { enabled: false } },
    {},
    { stdout: discard(), stderr: discard() },
  )
  const specs = await vitest.globTestSpecifications()
  const files = specs
    .filter((spec) => spec.pool !== 'typescript')
    .map((spec) => ({ file: spec.moduleId, project: spec.project.name }))
  const projects = vitest.projects.map((project) => ({
    name: project.name,
    root: project.config.root,
    dir: project.config.dir ?? project.config.root,
    include: [...project.config.include],
    exclude: [...project.config.exclude],
    setupFiles: [...project.config.setupFiles],
    globalSetup: [...(project.config.globalSetup ?? [])],
    configFile: project.vite.config.configFile ?? null,
  }))
  return { root: owner.root, configFile: vitest.vite.config.configFile ?? owner.configFile, projects, files }
}

process.once('message', (request: SurveyRequest) => {
  void (async () => {
    const owners: SurveyedOwner[] = []
    for (const owner of request.owners) {
      process.send?.({ loading: owner } satisfies SurveyProgress)
      try {
        owners.push(await survey(owner))
      } catch (error) {
        owners.push({
          root: owner.root,
          configFile: owner.configFile,
          error: error instanceof Error ? error.message : String(error),
        })
      }
    }
    // The instances are not closed: they ran nothing, and the process ends here.
    process.send?.({ owners } satisfies SurveyResponse, () => process.exit(0))
  })()
})
process.on('disconnect', () => process.exit(1))
