// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose files with `${VAR}` are the input here
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '@hearth/environments'
import { afterAll, describe, expect, it } from 'vitest'
import { writeCheckedConfig } from '../scaffold/write-config.js'
import {
  type ComposeConversion,
  type ConvertComposeOptions,
  composeVariables,
  convertCompose,
  renderComposeConfig,
} from './convert.js'

/**
 * The converter's output as TypeScript, loaded by hearth's real loader: what convert.test.ts checks
 * as data must also print as a config that imports, runs and validates (a constant that shadows an
 * import, or a `*\/` in the comment, passes every data check and breaks the file). The configs
 * import `hearth` and the presets, linked into the throwaway project's node_modules as a user's
 * install would hold them (their built `dist`: `pnpm build` first).
 */

const repo = fileURLToPath(new URL('../../../../', import.meta.url))
const fixtures = path.join(repo, 'apps/hearth/test/fixtures/compose')

const project = mkdtempSync(path.join(os.tmpdir(), 'hearth-compose-render-'))
writeFileSync(
  path.join(project, 'package.json'),
  '{ "name": "rendered", "private": true, "type": "module" }\n',
)
mkdirSync(path.join(project, 'node_modules/@hearth'), { recursive: true })
symlinkSync(path.join(repo, 'apps/hearth'), path.join(project, 'node_modules/hearth'))
symlinkSync(path.join(repo, 'environments/postgres'), path.join(project, 'node_modules/@hearth/env-postgres'))
symlinkSync(path.join(repo, 'environments/redis'), path.join(project, 'node_modules/@hearth/env-redis'))
afterAll(() => rmSync(project, { recursive: true, force: true }))

let folders = 0

/** A folder of its own for one config: a copy of a fixture, or one holding `compose` as its file. */
function folder(from: { fixture: string } | { compose: string }): string {
  const dir = path.join(project, `case-${++folders}`)
  if ('fixture' in from) cpSync(path.join(fixtures, from.fixture), dir, { recursive: true })
  else {
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'docker-compose.yml'), from.compose)
  }
  return dir
}

/** Converts `file` of `dir` as `hearth import-compose` does, writes the config there only once it loads. */
async function convertAndLoad(
  dir: string,
  file = 'docker-compose.yml',
  options: Partial<ConvertComposeOptions> = {},
) {
  const variables = await composeVariables(dir, file)
  const conversion = convertCompose(readFileSync(path.join(dir, file), 'utf8'), {
    file,
    root: dir,
    ...(variables === null ? {} : { variables: variables.variables, variablesFrom: variables.file }),
    ...options,
  })
  const source = renderComposeConfig(conversion, file)
  const target = path.join(dir, 'hearth.config.ts')
  const written = await writeCheckedConfig(target, source, ['hearth', ...Object.keys(conversion.imports)])
  expect(written).toEqual({ checked: true, missing: [] })
  expect(readFileSync(target, 'utf8')).toBe(source)
  const config = await loadConfig({ file: target })
  return { conversion, source, config }
}

const serviceNames = (conversion: ComposeConversion) => conversion.services.map((service) => service.name)

describe('the rendered config loads with the real loader', () => {
  it.each([
    ['webapp', 'docker-compose.yml', {}],
    ['webapp', 'docker-compose.yml', { presets: false, hostPorts: false }],
    ['analytics', 'compose.yaml', { profiles: ['debug'] }],
    ['worker-queue', 'ops/docker-compose.yaml', {}],
  ] as const)('the fixture %s (%s, %j)', async (fixture, file, options) => {
    const { conversion, config } = await convertAndLoad(folder({ fixture }), file, options)
    const name = conversion.environment.definition.name as string
    expect(Object.keys(config.environments)).toEqual([name])
    expect(Object.keys(config.environments[name]?.services ?? {}).sort()).toEqual(
      serviceNames(conversion).sort(),
    )
  })

  it('an environment named after an import: --name postgres, Compose’s name: redis', async () => {
    const named = await convertAndLoad(folder({ fixture: 'webapp' }), 'docker-compose.yml', {
      name: 'postgres',
    })
    expect(named.source).toContain("import { postgres } from '@hearth/env-postgres'")
    expect(named.source).toContain('const postgresEnvironment = defineEnvironment({')
    expect(named.source).toContain('environments: [postgresEnvironment]')
    expect(Object.keys(named.config.environments)).toEqual(['postgres'])

    const compose = 'name: redis\nservices:\n  redis: { image: "hearth-test/redis:7" }\n'
    const fromCompose = await convertAndLoad(folder({ compose }))
    expect(fromCompose.source).toContain('const redisEnvironment = defineEnvironment({')
    expect(fromCompose.config.environments.redis?.services.redis).toMatchObject({
      image: 'hearth-test/redis:7',
    })
  })

  it('environment and service names that are no identifiers: my-db, 2fa, my_db, Web', async () => {
    const compose = [
      'name: 2fa',
      'services:',
      '  my-db: { image: "hearth-test/postgres:15", environment: { POSTGRES_PASSWORD: pw } }',
      '  2fa: { image: "hearth-test/toolbox:1", depends_on: [my-db, my_db] }',
      '  my_db: { image: "hearth-test/toolbox:1" }',
      '  Web: { image: "hearth-test/toolbox:1", ports: ["8080"] }',
      '',
    ].join('\n')
    const { source, config } = await convertAndLoad(folder({ compose }))
    // Compose's `name: 2fa` is no hearth name: the environment is `compose`.
    expect(source).toContain('const compose = defineEnvironment({')
    expect(Object.keys(config.environments.compose?.services ?? {}).sort()).toEqual([
      'my-db',
      'my-db-2',
      'service-2fa',
      'web',
    ])
    expect(config.environments.compose?.services['service-2fa']?.dependsOn).toEqual(['my-db', 'my-db-2'])

    const named = await convertAndLoad(folder({ compose }), 'docker-compose.yml', { name: 'my-db' })
    expect(named.source).toContain('const myDb = defineEnvironment({')
    expect(Object.keys(named.config.environments)).toEqual(['my-db'])
  })

  it('values with quotes, backslashes, "*/", "${}", newlines: loaded as Compose meant them', async () => {
    // `$` is written as `<$>`: a template literal, even a raw one, reads `${…}` itself.
    const compose = String.raw`services:
  app:
    image: hearth-test/toolbox:1
    command: ["echo", "it's \"quoted\"", 'C:\dir\', "*/ end /*", "<$><$>{NOT_A_VAR}", "a\nb\tc", "\u2028"]
    environment:
      SINGLE: "it's"
      DOUBLE: 'say "hi"'
      BOTH: "it's \"both\""
      BACKSLASH: 'C:\dir\'
      COMMENT_END: "*/ oops /*"
      DOLLAR: "<$><$>{NOT_A_VAR} and <$><$>HOME"
      LINES: "one\ntwo\r\n\tthree"
      "X*/": not a variable name
    healthcheck:
      test: ["CMD-SHELL", "test -d /tmp || echo '*/' \\"]
      interval: 1s
`.replaceAll('<$>', '$')
    const { conversion, source, config } = await convertAndLoad(folder({ compose }))
    expect(conversion.unconverted.map((item) => item.field)).toContain('environment.X*/')
    expect(source).toContain(' * - app.environment.X*\\/ — ')
    const app = config.environments.compose?.services.app
    expect(app).toMatchObject({
      command: {
        argv: ['echo', `it's "quoted"`, 'C:\\dir\\', '*/ end /*', '${NOT_A_VAR}', 'a\nb\tc', '\u2028'],
      },
      env: {
        SINGLE: "it's",
        DOUBLE: 'say "hi"',
        BOTH: `it's "both"`,
        BACKSLASH: 'C:\\dir\\',
        COMMENT_END: '*/ oops /*',
        DOLLAR: '${NOT_A_VAR} and $HOME',
        LINES: 'one\ntwo\r\n\tthree',
      },
      healthcheck: { command: { shell: "test -d /tmp || echo '*/' \\" } },
    })
  })

  it('a config in another folder than the Compose file: paths relative to the config’s folder', async () => {
    const dir = folder({ fixture: 'worker-queue' })
    const sub = path.join(dir, 'sub')
    mkdirSync(sub)
    const { config } = await convertAndLoad(sub, '../ops/docker-compose.yaml')
    expect(config.environments.compose?.services.worker).toMatchObject({
      volumes: ['../ops/fixtures:/fixtures:ro'],
    })
  })
})
