import type { ImportGraph } from '@hearth/affected'
import { describe, expect, it } from 'vitest'
import { FakeTestRunner } from '../../testing/fake-test-runner.js'
import { configOf } from '../../testing/fixtures.js'
import { selectAffected, testConfigsOf } from './selection.js'
import { classifyTestFiles } from './test-files.js'

const ROOT = '/project'
const FILES = ['packages/a/test/a.test.ts', 'packages/b/test/b.test.ts', 'tests/root.test.ts'].map(
  (file) => `${ROOT}/${file}`,
)
/** A graph that reaches nothing: only the rules select. */
const NO_IMPORTS = { testsReaching: () => [] } as unknown as ImportGraph

describe('Vitest configs as triggers', () => {
  const config = configOf()
  const files = classifyTestFiles(config, FILES)
  const runner = new FakeTestRunner({})
  runner.ownersList = [
    { root: ROOT, configFile: null },
    {
      root: `${ROOT}/packages/a`,
      configFile: `${ROOT}/packages/a/vitest.config.ts`,
      configDependencies: [`${ROOT}/vitest.shared.ts`, `${ROOT}/node_modules/some-plugin/index.js`],
    },
    {
      root: `${ROOT}/packages/b`,
      configFile: `${ROOT}/packages/b/vitest.config.ts`,
      configDependencies: [`${ROOT}/vitest.shared.ts`],
    },
  ]
  const testConfigs = testConfigsOf(runner, files)
  const select = (changed: string) =>
    Object.entries(
      selectAffected({ config, graph: NO_IMPORTS, files, changed: [`${ROOT}/${changed}`], testConfigs })
        .files,
    ).map(([file, reasons]) => [file.slice(ROOT.length + 1), reasons])

  it('a config reruns the test files it owns', () => {
    expect(select('packages/a/vitest.config.ts')).toEqual([
      [
        'packages/a/test/a.test.ts',
        [
          {
            kind: 'rule',
            rule: 'config',
            name: 'packages/a/vitest.config.ts',
            glob: 'packages/a/vitest.config.ts',
            changed: 'packages/a/vitest.config.ts',
          },
        ],
      ],
    ])
  })

  it('so does a project file the config imports (a shared vitest.shared.ts), for every config importing it', () => {
    expect(select('vitest.shared.ts').map(([file]) => file)).toEqual([
      'packages/a/test/a.test.ts',
      'packages/b/test/b.test.ts',
    ])
    // What the config imports from node_modules is not the project's to watch.
    expect(select('node_modules/some-plugin/index.js')).toEqual([])
  })
})
