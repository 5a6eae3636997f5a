import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { renderConfigSource } from '../scaffold/source.js'
import { loadCompose } from './compose-source.js'
import type { GroupFindings } from './plan-config.js'
import { planInit } from './plan-config.js'

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

/** A project folder with these files. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-init-compose-'))
  roots.push(root)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text)
  return root
}

/** One group whose tests read these variables. */
function reads(variables: Record<string, string[]>): GroupFindings {
  return {
    group: {
      name: 'api',
      include: ['test/**/*.test.ts'],
      exclude: [],
      files: ['/repo/test/a.test.ts'],
      source: 'vitest.config.ts',
      project: '',
      dir: '',
      setupFiles: [],
    },
    variables: new Map(Object.entries(variables)),
    foreign: new Set(),
    addresses: [],
  }
}

/** The environment init writes for this Compose file and these reads. */
async function environmentFor(files: Record<string, string>, variables: Record<string, string[]>) {
  const compose = await loadCompose(project(files), { hostPorts: false })
  const plan = planInit({
    project: 'shop',
    workspace: null,
    groups: [reads(variables)],
    compose,
    scripts: [],
  })
  const text = renderConfigSource(plan.source)
  return { plan, environment: text.slice(text.indexOf('const '), text.indexOf('export default')).trim() }
}

describe('loadCompose and planInit: the tests get their variables from the Compose services', () => {
  it('a postgres with init scripts stays a plain container, and hands the tests its url', async () => {
    const { plan, environment } = await environmentFor(
      {
        'docker-compose.yml': [
          'services:',
          '  postgres:',
          '    image: postgres:16',
          '    environment: { POSTGRES_USER: shop, POSTGRES_PASSWORD: shop, POSTGRES_DB: shop }',
          '    ports: ["5432:5432"]',
          '    volumes: ["./db:/docker-entrypoint-initdb.d:ro"]',
          '',
        ].join('\n'),
      },
      { DATABASE_URL: ['test/db.ts'], PGUSER: ['test/db.ts'] },
    )
    expect(environment).toMatchInlineSnapshot(`
      "const compose = defineEnvironment({
        name: 'compose',
        services: {
          postgres: {
            kind: 'container',
            image: 'postgres:16',
            ports: { postgres: 5432 },
            env: { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: 'shop', POSTGRES_DB: 'shop' },
            volumes: ['./db:/docker-entrypoint-initdb.d:ro'],
            readiness: { type: 'tcp', port: 'postgres' },
            outputs: { url: 'postgres://shop:shop@{{host}}:{{ports.postgres}}/shop' },
            testEnv: { DATABASE_URL: '{{url}}', PGUSER: 'shop' },
          },
        },
      })"
    `)
    expect(plan.presets).toEqual([])
    expect(plan.report.unprovided).toEqual([])
  })

  it('a postgres with trust auth: a url without a password', async () => {
    const { plan, environment } = await environmentFor(
      {
        'compose.yaml': [
          'services:',
          '  db:',
          '    image: postgres:16',
          '    environment: { POSTGRES_HOST_AUTH_METHOD: trust }',
          '    ports: ["5432:5432"]',
          '',
        ].join('\n'),
      },
      { DATABASE_URL: ['test/db.ts'] },
    )
    expect(environment).toMatchInlineSnapshot(`
      "const compose = defineEnvironment({
        name: 'compose',
        services: {
          db: {
            kind: 'container',
            image: 'postgres:16',
            ports: { postgres: 5432 },
            env: { POSTGRES_HOST_AUTH_METHOD: 'trust' },
            readiness: { type: 'tcp', port: 'postgres' },
            testEnv: { DATABASE_URL: 'postgres://postgres@{{host}}:{{postgresPort}}/postgres' },
          },
        },
      })"
    `)
    expect(plan.presets).toEqual([])
  })

  it('reads the .env beside the Compose file, as Compose does', async () => {
    const { environment } = await environmentFor(
      {
        'docker-compose.yml': [
          'services:',
          '  postgres:',
          '    image: postgres:16',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own syntax
          '    environment: { POSTGRES_USER: shop, POSTGRES_PASSWORD: "${DB_PASSWORD}" }',
          '',
        ].join('\n'),
        '.env': 'DB_PASSWORD=shop\n',
      },
      { DATABASE_URL: ['test/db.ts'] },
    )
    expect(environment).toMatchInlineSnapshot(`
      "const compose = defineEnvironment({
        name: 'compose',
        services: {
          postgres: postgres({
            image: 'postgres:16',
            user: 'shop',
            password: 'shop',
            database: 'shop',
            env: { DATABASE_URL: 'url' },
          }),
        },
      })"
    `)
  })
})
