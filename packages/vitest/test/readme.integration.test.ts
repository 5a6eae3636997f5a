import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createFixtureProject, removeFixtureProjects, SOURCE_CONDITIONS } from './fixture-project.js'

// The README's example is real: its hearth-side snippet runs against a project holding its test file,
// and prints what the README says it prints.
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const blocks = (lang: string) =>
  [...README.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '')
const [runnerSnippet = '', testSnippet = ''] = blocks('ts')
const [printed = '', missingError = ''] = blocks('text')
const ENTRY = pathToFileURL(fileURLToPath(new URL('../src/index.ts', import.meta.url))).href

afterAll(removeFixtureProjects)

describe('README example', () => {
  it('has the runner snippet, the test file and what it prints', () => {
    expect(
      runnerSnippet.startsWith("import { createTestRunner, testEnvironment } from '@hearth/vitest'"),
    ).toBe(true)
    expect(testSnippet.startsWith("import { output, outputs } from '@hearth/vitest/env'")).toBe(true)
    expect(printed).not.toBe('')
  })

  it('runs the test file with the env it builds, and prints what the README shows', async () => {
    const project = createFixtureProject(
      {
        'vitest.config.js': `${SOURCE_CONDITIONS}
export default {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hearth/source'] } },
  test: { include: ['tests/**/*.test.ts'] },
}
`,
        'tests/db.test.ts': testSnippet,
      },
      { linkHearth: true },
    )
    const script = project.write(
      'run-tests.ts',
      runnerSnippet.replaceAll("'@hearth/vitest'", `'${ENTRY}'`).replaceAll('/work/shop', project.root),
    )
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      await import(pathToFileURL(script).href)
      expect(log.mock.calls.map((args) => args.join(' ')).join('\n')).toBe(printed.trimEnd())
    } finally {
      log.mockRestore()
    }
  })

  it('shows the error a test gets outside hearth', async () => {
    const { output } = await import('../src/env.js')
    expect(() => output('db', 'url', {})).toThrow(missingError.trimEnd())
  })
})
