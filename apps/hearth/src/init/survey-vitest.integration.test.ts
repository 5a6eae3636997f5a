import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { UsageError } from '../args.js'
import { surveyVitest } from './survey-vitest.js'

/**
 * A workspace with its own Vitest (hearth's, linked) and one package, `packages/app`, with this
 * vitest.config.ts: the surveyor is what loads a package's config (a root config, hearth's Vitest
 * runner loads first, as `hearth ci` does).
 */
const roots: string[] = []
function project(config: string): string {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-init-survey-')))
  roots.push(root)
  writeFileSync(path.join(root, 'package.json'), '{ "name": "survey", "private": true, "type": "module" }\n')
  mkdirSync(path.join(root, 'packages/app'), { recursive: true })
  writeFileSync(path.join(root, 'packages/app/package.json'), '{ "name": "app", "type": "module" }\n')
  writeFileSync(path.join(root, 'packages/app/vitest.config.ts'), config)
  mkdirSync(path.join(root, 'node_modules'))
  const vitest = path.dirname(createRequire(import.meta.url).resolve('vitest/package.json'))
  symlinkSync(realpathSync(vitest), path.join(root, 'node_modules', 'vitest'))
  return root
}
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

/** The error, with the project's folder as <root>. */
async function failure(root: string): Promise<{ usage: boolean; message: string; fix: string }> {
  const error = await surveyVitest(root, [path.join(root, 'packages/app')]).then(
    () => new Error('the survey succeeded'),
    (caught: unknown) => caught as Error,
  )
  return {
    usage: error instanceof UsageError,
    message: error.message.split(root).join('<root>'),
    fix: (error instanceof UsageError ? error.fix : '').split(root).join('<root>'),
  }
}

describe('surveyVitest, when the Vitest config does not load', () => {
  const timeout = process.env.HEARTH_INIT_SURVEY_TIMEOUT_MS
  afterEach(() => {
    if (timeout === undefined) delete process.env.HEARTH_INIT_SURVEY_TIMEOUT_MS
    else process.env.HEARTH_INIT_SURVEY_TIMEOUT_MS = timeout
  })

  it('a config that stops the process: a usage error with its last lines', async () => {
    const root = project(
      "console.error('vitest.config.ts: no licence server')\nprocess.exit(3)\nexport default {}\n",
    )
    expect(await failure(root)).toEqual({
      usage: true,
      message:
        'Vitest stopped (exit code 3) while loading <root>/packages/app/vitest.config.ts. Its last lines on stderr:\n' +
        'vitest.config.ts: no licence server',
      fix: 'correct it until `vitest list` works in <root>/packages/app, then run hearth init again',
    })
  })

  it('a config that never settles: stopped after the timeout, named', { timeout: 180_000 }, async () => {
    // Per config: the root's defaults load in time even on a loaded machine, the app's never do.
    process.env.HEARTH_INIT_SURVEY_TIMEOUT_MS = '20000'
    const root = project('setInterval(() => {}, 1000)\nawait new Promise(() => {})\nexport default {}\n')
    expect(await failure(root)).toEqual({
      usage: true,
      message:
        '<root>/packages/app/vitest.config.ts did not finish loading in 20 s: hearth init stopped its Vitest',
      fix: 'run `vitest list` in <root>/packages/app to see where it waits (a config that starts a server or waits for input never settles), correct it, then run hearth init again; HEARTH_INIT_SURVEY_TIMEOUT_MS=<ms> gives it longer',
    })
  })
})
