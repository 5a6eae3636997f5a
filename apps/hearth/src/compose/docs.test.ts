import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { convertCompose, renderComposeConfig } from './convert.js'

const repo = (file: string) => fileURLToPath(new URL(`../../../../${file}`, import.meta.url))

/** The fenced blocks of a language in the doc's "An example" section. */
function exampleBlocks(language: string): string[] {
  const doc = readFileSync(repo('docs/import-compose.md'), 'utf8')
  const section = doc.slice(
    doc.indexOf('## An example'),
    doc.indexOf('\n## ', doc.indexOf('## An example') + 1),
  )
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(
    (match) => match[1] as string,
  )
}

describe('docs/import-compose.md', () => {
  it('shows the web app fixture as it is, and the config hearth import-compose writes for it', () => {
    const [compose] = exampleBlocks('yaml')
    const [config] = exampleBlocks('ts')
    expect(compose).toBe(
      readFileSync(repo('apps/hearth/test/fixtures/compose/webapp/docker-compose.yml'), 'utf8'),
    )
    const conversion = convertCompose(compose as string, { file: 'docker-compose.yml', root: '/project' })
    expect(renderComposeConfig(conversion, 'docker-compose.yml')).toBe(config)
  })
})
