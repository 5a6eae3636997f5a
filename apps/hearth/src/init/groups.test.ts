import { describe, expect, it } from 'vitest'
import { classify, groupName, narrowDefaultInclude, planGroups, under } from './groups.js'
import type { SurveyedProject } from './survey-protocol.js'
import type { VitestOwnerSurvey } from './survey-vitest.js'

const ROOT = '/repo'
const DEFAULT_INCLUDE = '**/*.{test,spec}.?(c|m)[jt]s?(x)'

function project(overrides: Partial<SurveyedProject> & { root: string }): SurveyedProject {
  return {
    name: '',
    dir: overrides.root,
    include: [DEFAULT_INCLUDE],
    exclude: ['**/node_modules/**', '**/.git/**'],
    setupFiles: [],
    globalSetup: [],
    configFile: null,
    ...overrides,
  }
}

function owner(
  root: string,
  configFile: string | null,
  projects: SurveyedProject[],
  files: Array<[string, string]>,
) {
  return {
    root,
    configFile,
    projects,
    files: files.map(([file, projectName]) => ({ file: `${ROOT}/${file}`, project: projectName })),
  } satisfies VitestOwnerSurvey
}

describe('planGroups', () => {
  it('makes a group per package config, named after the package, globs from the root', () => {
    const owners = [
      owner(
        `${ROOT}/packages/api`,
        `${ROOT}/packages/api/vitest.config.ts`,
        [
          project({
            root: `${ROOT}/packages/api`,
            include: ['test/**/*.test.ts'],
            setupFiles: [`${ROOT}/packages/api/test/setup.ts`],
            configFile: `${ROOT}/packages/api/vitest.config.ts`,
          }),
        ],
        [['packages/api/test/orders.test.ts', '']],
      ),
      owner(
        `${ROOT}/packages/util`,
        null,
        [project({ root: `${ROOT}/packages/util` })],
        [
          ['packages/util/src/money.test.ts', ''],
          ['packages/util/src/dates.test.ts', ''],
        ],
      ),
    ]
    const groups = planGroups(ROOT, owners, [
      { dir: `${ROOT}/packages/api`, name: '@shop/api' },
      { dir: `${ROOT}/packages/util`, name: '@shop/util' },
    ])
    expect(groups).toEqual([
      {
        name: 'api',
        include: ['packages/api/test/**/*.test.ts'],
        exclude: [],
        files: [`${ROOT}/packages/api/test/orders.test.ts`],
        source: 'packages/api/vitest.config.ts',
        project: '',
        dir: 'packages/api',
        setupFiles: [`${ROOT}/packages/api/test/setup.ts`],
      },
      {
        name: 'util',
        include: ['packages/util/**/*.test.ts'],
        exclude: [],
        files: [`${ROOT}/packages/util/src/dates.test.ts`, `${ROOT}/packages/util/src/money.test.ts`],
        source: 'Vitest defaults in packages/util',
        project: '',
        dir: 'packages/util',
        setupFiles: [],
      },
    ])
  })

  it('makes a group per project of a root config, deeper folders first, keeping excludes', () => {
    const config = `${ROOT}/vitest.config.ts`
    const owners = [
      owner(
        ROOT,
        config,
        [
          project({
            name: 'unit',
            root: ROOT,
            include: ['src/**/*.test.ts'],
            exclude: ['**/node_modules/**', 'src/**/*.slow.test.ts'],
          }),
          project({
            name: '@shop/web',
            root: `${ROOT}/apps/web`,
            configFile: `${ROOT}/apps/web/vitest.config.ts`,
          }),
          project({ name: 'empty', root: ROOT, include: ['nothing/**'] }),
        ],
        [
          ['src/a.test.ts', 'unit'],
          ['apps/web/src/page.test.tsx', '@shop/web'],
          ['apps/web/src/page.spec.ts', '@shop/web'],
        ],
      ),
    ]
    const groups = planGroups(ROOT, owners, [])
    expect(groups.map(({ name, include, exclude, source }) => ({ name, include, exclude, source }))).toEqual([
      {
        name: 'web',
        include: ['apps/web/**/*.{spec,test}.{ts,tsx}'],
        exclude: [],
        source: 'apps/web/vitest.config.ts',
      },
      {
        name: 'unit',
        include: ['src/**/*.test.ts'],
        exclude: ['src/**/*.slow.test.ts'],
        source: 'vitest.config.ts',
      },
    ])
  })

  it('lists the files of a project whose globs another project’s globs would take', () => {
    // `**/cypress/**` is one of Vitest's default excludes, which groups leave out.
    const owners = [
      owner(
        ROOT,
        `${ROOT}/vitest.config.ts`,
        [
          project({ name: 'unit', root: ROOT, include: ['**/*.test.ts'], exclude: ['**/cypress/**'] }),
          project({ name: 'browser', root: ROOT, include: ['cypress/**/*.test.ts'] }),
        ],
        [
          ['src/a.test.ts', 'unit'],
          ['cypress/b.test.ts', 'browser'],
        ],
      ),
    ]
    const groups = planGroups(ROOT, owners, [])
    expect(groups.map(({ name, include, listedFiles }) => ({ name, include, listedFiles }))).toEqual([
      { name: 'browser', include: ['cypress/b.test.ts'], listedFiles: true },
      { name: 'unit', include: ['**/*.test.ts'], listedFiles: undefined },
    ])
    expect(classify(ROOT, groups).map((file) => [file.path, file.group])).toEqual([
      ['cypress/b.test.ts', 'browser'],
      ['src/a.test.ts', 'unit'],
    ])
  })

  it('gives unique names', () => {
    const owners = [
      owner(
        ROOT,
        `${ROOT}/vitest.config.ts`,
        [
          project({ name: 'API tests', root: ROOT, include: ['a/*.test.ts'] }),
          project({ name: 'api-tests', root: ROOT, include: ['b/*.test.ts'] }),
        ],
        [
          ['a/x.test.ts', 'API tests'],
          ['b/y.test.ts', 'api-tests'],
        ],
      ),
    ]
    expect(planGroups(ROOT, owners, []).map((group) => group.name)).toEqual(['api-tests', 'api-tests-2'])
  })
})

describe('globs', () => {
  it.each([
    [['a.test.ts', 'src/b.test.ts'], '**/*.test.ts'],
    [['a.spec.mts', 'b.test.ts'], '**/*.{spec,test}.{mts,ts}'],
    [[], DEFAULT_INCLUDE],
  ])('narrows the default include to %j', (files, glob) => {
    expect(narrowDefaultInclude(files)).toBe(glob)
  })

  it.each([
    ['', 'test/**/*.ts', 'test/**/*.ts'],
    ['packages/api', './test/**/*.ts', 'packages/api/test/**/*.ts'],
    ['packages/api', '!**/fixtures/**', '!packages/api/**/fixtures/**'],
    ['packages/api', '../shared/**/*.test.ts', 'packages/shared/**/*.test.ts'],
  ])('under %j: %s → %s', (dir, glob, expected) => {
    expect(under(dir, glob)).toBe(expected)
  })

  it.each([
    ['@shop/api', 'api'],
    ['Integration Tests', 'integration-tests'],
    ['2fa', 'fa'],
    ['---', null],
  ])('group name of %s', (text, name) => {
    expect(groupName(text)).toBe(name)
  })
})
