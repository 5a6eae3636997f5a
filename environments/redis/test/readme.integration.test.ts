import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createSession } from '@hearth/core'
import { outputEnvName } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { Redis } from 'ioredis'
import { afterAll, expect, it } from 'vitest'
import { processesOf } from './servers.js'
import { drivers, redisService } from './sessions.js'

/**
 * The README's quick start is real: its two config files, written into a fresh project, load and
 * validate; on a machine without Docker (a Docker driver with no engine behind it) the environment
 * comes up on the stand-in; and the client snippet works against it.
 */
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
const [environmentFile = '', configFile = '', clientSnippet = ''] = blocks

// The project has no node_modules: its imports point at this workspace's sources instead.
const here = path.dirname(fileURLToPath(import.meta.url))
const imports: Record<string, string> = {
  // hearth re-exports the authoring API of @hearth/environments.
  hearth: path.resolve(here, '../../../packages/environments/src/index.ts'),
  '@hearth/env-redis': path.resolve(here, '../src/index.ts'),
  ioredis: createRequire(import.meta.url).resolve('ioredis'),
}
const rewrite = (source: string): string =>
  source.replace(/from '([^'.][^']*)'/g, (whole, name: string) =>
    imports[name] === undefined ? whole : `from '${imports[name]}'`,
  )

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-env-redis-readme-')))
afterAll(() => rmSync(root, { recursive: true, force: true }))

it('has the two config files and the client snippet', () => {
  expect(environmentFile).toContain("import { redis } from '@hearth/env-redis'")
  expect(configFile).toContain("import { cache } from './environments/cache.ts'")
  expect(clientSnippet).toContain('process.env.HEARTH_REDIS_URL')
})

it('comes up without Docker, on the stand-in, and the client snippet talks to it', async () => {
  mkdirSync(path.join(root, 'environments'))
  writeFileSync(path.join(root, 'environments/cache.ts'), rewrite(environmentFile))
  writeFileSync(path.join(root, 'hearth.config.ts'), rewrite(configFile))
  const exported = (await import(pathToFileURL(path.join(root, 'hearth.config.ts')).href)) as {
    default: unknown
  }
  const result = validateConfig(exported.default, { root, file: 'hearth.config.ts', defaultProject: 'shop' })
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  expect(result.config.tests.map((group) => group.environment)).toEqual(['cache'])

  const stateDir = path.join(root, '.hearth')
  const session = createSession({
    config: result.config,
    drivers: drivers(stateDir, { docker: { socketPath: path.join(root, 'no-docker.sock') } }),
    version: '0.0.0-test',
    stateDir,
  })
  try {
    const service = redisService(await session.up())
    expect([service.status, service.instance?.driver, service.fallback !== null]).toEqual([
      'ready',
      'process',
      true,
    ])

    const variable = outputEnvName('redis', 'url')
    expect(variable).toBe('HEARTH_REDIS_URL')
    process.env[variable] = service.outputs.url
    writeFileSync(path.join(root, 'client.ts'), `${rewrite(clientSnippet)}\nclient.disconnect()\n`)
    await import(pathToFileURL(path.join(root, 'client.ts')).href)
    const check = new Redis(service.outputs.url as string)
    expect(await check.get('greeting')).toBe('hello')
    check.disconnect()
  } finally {
    delete process.env.HEARTH_REDIS_URL
    await session.down()
    await session.close()
  }
  expect(processesOf(session.project.id)).toEqual([])
})
