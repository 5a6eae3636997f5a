import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createFixtures, writeFiles } from './test-support.js'

// The README's example is real: its snippet runs here, on a git repository, and prints its text block.
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const ENTRY = pathToFileURL(fileURLToPath(new URL('./index.ts', import.meta.url))).href
const blocks = (lang: string) =>
  [...README.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '')

const fixtures = createFixtures('readme')
afterAll(() => fixtures.cleanup())

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    'git',
    [
      '-c',
      'user.name=hearth',
      '-c',
      'user.email=hearth@example.test',
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd, stdio: 'ignore' },
  )
}

describe('README example', () => {
  it('prints what the README says', async () => {
    const [snippet = ''] = blocks('ts')
    const [expected = ''] = blocks('text')
    expect(snippet).toContain("from '@hearth/affected'")
    const root = fixtures.write(
      {
        'package.json': { name: 'shop', private: true },
        'pnpm-workspace.yaml': 'packages:\n  - packages/*\n',
        'pnpm-lock.yaml': '',
        'tsconfig.json': { compilerOptions: { customConditions: ['@shop/source'] } },
        'packages/billing/package.json': {
          name: '@shop/billing',
          exports: { '.': { '@shop/source': './src/index.ts', default: './dist/index.js' } },
        },
        'packages/billing/src/index.ts': "export * from './tax.js'\n",
        'packages/billing/src/tax.ts': 'export const tax = 1\n',
        'packages/ledger/package.json': {
          name: '@shop/ledger',
          main: './dist/index.js',
          scripts: { build: 'tsc -p tsconfig.build.json' },
        },
        'packages/ledger/tsconfig.build.json': { compilerOptions: { rootDir: 'src', outDir: 'dist' } },
        'packages/ledger/src/index.ts': "export * from '@shop/billing'\nexport * from './journal.js'\n",
        'packages/ledger/src/journal.ts': 'export const post = 1\n',
        'tests/billing.test.ts': "import { tax } from '@shop/billing'\n",
        'tests/ledger.test.ts': "import { post } from '@shop/ledger'\n",
        'tests/other.test.ts': '',
        '.gitignore': 'node_modules\n',
      },
      {
        'node_modules/@shop/billing': '../../packages/billing',
        'node_modules/@shop/ledger': '../../packages/ledger',
        'packages/ledger/node_modules/@shop/billing': '../../../billing',
      },
    )
    git(root, 'init', '--quiet', '--initial-branch=main')
    git(root, 'add', '.')
    git(root, 'commit', '--quiet', '-m', 'base')
    writeFileSync(path.join(root, 'packages/billing/src/tax.ts'), 'export const tax = 2\n')
    writeFileSync(path.join(root, 'packages/ledger/src/journal.ts'), 'export const post = 2\n')
    writeFiles(root, { 'tests/fixtures/one.json': '{}' })

    mkdirSync(path.join(root, '.snippet'))
    const module = path.join(root, '.snippet/explain.ts')
    writeFileSync(module, snippet.replace("'@hearth/affected'", `'${ENTRY}'`))
    const { explainAffected } = (await import(pathToFileURL(module).href)) as {
      explainAffected: (root: string, ref: string, tests: string[]) => Promise<string[]>
    }
    const tests = ['tests/billing.test.ts', 'tests/ledger.test.ts', 'tests/other.test.ts']
    const lines = await explainAffected(root, 'HEAD', tests)
    expect(`${lines.join('\n')}\n`).toBe(expected)
  })
})
