import { describe, expect, it } from 'vitest'
import { parseBuildConfig } from './build-config.js'

/** The configs of a file, without the `file` field every one of them carries. */
const parse = (text: string, file: string, tool: 'tsdown' | 'tsup' | 'unbuild') =>
  parseBuildConfig(text, file, tool).map(({ file: _, ...config }) => config)

describe('parseBuildConfig', () => {
  it.each([
    [
      'tsdown: defineConfig with a string entry',
      "import { defineConfig } from 'tsdown'\nexport default defineConfig({ entry: 'src/index.ts', dts: true })\n",
      'tsdown.config.ts',
      [{ tool: 'tsdown', entries: [{ input: 'src/index.ts' }] }],
    ],
    [
      'tsdown: an array entry, outDir and root',
      "export default defineConfig({ entry: ['src/index.ts', 'src/cli/main.ts'], outDir: 'build', root: 'src' })",
      'tsdown.config.ts',
      [
        {
          tool: 'tsdown',
          entries: [{ input: 'src/index.ts' }, { input: 'src/cli/main.ts' }],
          outDir: 'build',
          root: 'src',
        },
      ],
    ],
    [
      'tsdown: no entry (its default applies)',
      "export default defineConfig({ format: ['esm', 'cjs'] })",
      'tsdown.config.mts',
      [{ tool: 'tsdown' }],
    ],
    [
      'tsup: an object entry, a glob, satisfies, and a const',
      [
        "import type { Options } from 'tsup'",
        "const entry = { index: 'src/index.ts', json: `src/json.ts` }",
        'export default { entry, format: ["esm", "cjs"] } satisfies Options',
      ].join('\n'),
      'tsup.config.ts',
      [
        {
          tool: 'tsup',
          entries: [
            { input: 'src/index.ts', name: 'index' },
            { input: 'src/json.ts', name: 'json' },
          ],
        },
      ],
    ],
    [
      'tsup: an array of configs from a function',
      [
        'export default defineConfig((options) => [',
        "  { entry: ['src/*.ts', '!src/*.test.ts'], format: 'esm' },",
        "  { entry: { 'cli/index': 'src/cli.ts' }, outDir: 'bin' },",
        '])',
      ].join('\n'),
      'tsup.config.ts',
      [
        { tool: 'tsup', entries: [{ input: 'src/*.ts' }, { input: '!src/*.test.ts' }] },
        { tool: 'tsup', entries: [{ input: 'src/cli.ts', name: 'cli/index' }], outDir: 'bin' },
      ],
    ],
    [
      'tsup: a function with a block body, CommonJS',
      "module.exports = function () { if (x) return { entry: ['a.ts'] }\n return { entry: ['src/b.ts'] } }",
      'tsup.config.cjs',
      [{ tool: 'tsup', entries: [{ input: 'src/b.ts' }] }],
    ],
    [
      'tsup: JSON',
      '{ "entry": ["src/index.ts"], "outDir": "out" }',
      'tsup.config.json',
      [{ tool: 'tsup', entries: [{ input: 'src/index.ts' }], outDir: 'out' }],
    ],
    [
      'unbuild: entries as strings and objects, a mkdist folder',
      [
        "import { defineBuildConfig } from 'unbuild'",
        'export default defineBuildConfig({',
        "  entries: ['src/index', { input: 'src/cli', name: 'bin' }, { builder: 'mkdist', input: 'src/runtime/', outDir: 'dist/runtime' }],",
        "  rootDir: '.',",
        '})',
      ].join('\n'),
      'build.config.ts',
      [
        {
          tool: 'unbuild',
          entries: [
            { input: 'src/index' },
            { input: 'src/cli', name: 'bin' },
            { input: 'src/runtime/', outDir: 'dist/runtime' },
          ],
          root: '.',
        },
      ],
    ],
    [
      'computed values are left out, not guessed',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own template literal
      'const dir = process.env.OUT\nexport default defineConfig({ entry: entries(), outDir: dir, root: `${x}` })',
      'tsdown.config.ts',
      [{ tool: 'tsdown' }],
    ],
    ['a const that names itself ends', 'const a = [a]\nexport default a', 'tsdown.config.ts', []],
    ['no default export', "export const config = { entry: 'src/a.ts' }", 'tsdown.config.ts', []],
  ])('%s', (_, text, file, expected) => {
    expect(
      parse(text, file, file.startsWith('build') ? 'unbuild' : file.startsWith('tsup') ? 'tsup' : 'tsdown'),
    ).toEqual(expected)
  })
})
