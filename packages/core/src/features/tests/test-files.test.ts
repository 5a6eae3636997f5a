import { describe, expect, it } from 'vitest'
import { configOf } from '../../testing/fixtures.js'
import { classifyTestFiles, coverageWarnings, filterTestFiles, selectEmptyGroups } from './test-files.js'

const ROOT = '/project'

function config() {
  return {
    ...configOf({ name: 'backend', services: { db: { kind: 'process' as const, command: 'db' } } }),
    tests: [
      { name: 'api', include: ['tests/api/**'], exclude: [], environment: 'backend', triggers: [] },
      {
        name: 'unit',
        include: ['packages/*/src/**/*.test.ts'],
        exclude: [],
        environment: null,
        triggers: [],
      },
      {
        name: 'valkey',
        include: ['packages/valkey/test/**'],
        exclude: [],
        environment: 'backend',
        triggers: [],
      },
    ],
  }
}

const FILES = [
  'tests/api/orders.test.ts',
  'packages/core/src/keys.test.ts',
  'scripts/check.test.ts',
  'tools/lint.test.ts',
  'tools/format.test.ts',
  'tools/release.test.ts',
].map((file) => `${ROOT}/${file}`)

describe('test files and groups', () => {
  const files = classifyTestFiles(config(), FILES)

  it('finds the groups that match no test file', () => {
    expect(selectEmptyGroups(config(), files)).toEqual(['valkey'])
  })

  it('narrows to groups and to paths (files or folders), their union; everything when neither is given', () => {
    const paths = (picked: ReturnType<typeof filterTestFiles>) => picked.map((file) => file.path)
    expect(paths(filterTestFiles(files, {}))).toHaveLength(FILES.length)
    expect(paths(filterTestFiles(files, { groups: ['api'] }))).toEqual(['tests/api/orders.test.ts'])
    expect(paths(filterTestFiles(files, { paths: [`${ROOT}/tools`] }))).toEqual([
      'tools/format.test.ts',
      'tools/lint.test.ts',
      'tools/release.test.ts',
    ])
    // A folder whose name only starts like another's is not inside it.
    expect(paths(filterTestFiles(files, { paths: [`${ROOT}/tool`] }))).toEqual([])
    expect(
      paths(filterTestFiles(files, { groups: ['unit'], paths: [`${ROOT}/scripts/check.test.ts`] })),
    ).toEqual(['packages/core/src/keys.test.ts', 'scripts/check.test.ts'])
  })

  it('warns of an empty group and of the files in no group, naming a few and the fix', () => {
    expect(coverageWarnings(config(), files)).toMatchInlineSnapshot(`
      [
        {
          "code": "empty-group",
          "fix": "check its include globs in hearth.config.ts against the test files Vitest finds, or remove the group",
          "message": "test group "valkey" matches no test file (include: packages/valkey/test/**)",
        },
        {
          "code": "ungrouped-files",
          "fix": "add them to a group in hearth.config.ts if they need one",
          "message": "4 test files are in no test group and run without an environment: scripts/check.test.ts, tools/format.test.ts, tools/lint.test.ts and 1 more",
        },
      ]
    `)
  })
})
