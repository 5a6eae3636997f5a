// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose files with `${VAR}` are the input here
import { validateConfig } from '@hearth/environments/validate'
import { describe, expect, it } from 'vitest'
import { ComposeError } from './compose-file.js'
import {
  addTestEnv,
  type ComposeConversion,
  type ConvertComposeOptions,
  convertCompose,
  describeUnconverted,
  renderComposeConfig,
} from './convert.js'
import { PresetCall } from './presets.js'

const root = '/project'

function convert(text: string, options: Partial<ConvertComposeOptions> = {}): ComposeConversion {
  return convertCompose(text, { file: 'docker-compose.yml', root, ...options })
}

/** The service definitions as plain data (a preset as its call's text). */
function services(conversion: ComposeConversion): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const service of conversion.services) {
    out[service.name] =
      service.definition instanceof PresetCall
        ? service.definition.text
        : JSON.parse(JSON.stringify(service.definition))
  }
  return out
}

const listed = (conversion: ComposeConversion) => conversion.unconverted.map(describeUnconverted)

/**
 * Validates the environment with hearth's own validator. A preset call stands in as a container
 * with the preset's ports and outputs (the real presets are loaded by the e2e tests).
 */
function validate(conversion: ComposeConversion) {
  const definition = conversion.environment.definition as { name: string; services: Record<string, unknown> }
  const services = Object.fromEntries(
    Object.entries(definition.services).map(([name, service]) => {
      if (!(service instanceof PresetCall)) return [name, service]
      const port = service.preset === 'postgres' ? 'pg' : 'redis'
      const outputs = Object.fromEntries(
        ['url', 'host', 'port', 'user', 'password', 'database'].map((output) => [output, '{{host}}']),
      )
      return [name, { kind: 'container', image: 'x', ports: { [port]: 1 }, outputs }]
    }),
  )
  return validateConfig(
    { environments: [{ ...definition, services }] },
    { root, file: 'hearth.config.ts', defaultProject: 'test' },
  )
}

function expectValid(conversion: ComposeConversion): void {
  const result = validate(conversion)
  expect(result.ok ? [] : result.issues).toEqual([])
}

describe('convertCompose: a whole file', () => {
  const text = `
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: secret
    ports: ["5432:5432"]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
  migrate:
    image: flyway/flyway:10
    command: migrate
    depends_on:
      db: { condition: service_healthy }
  api:
    build: ./api
    ports: ["3000"]
    environment:
      DATABASE_URL: postgres://postgres:secret@db:5432/postgres
    depends_on:
      migrate: { condition: service_completed_successfully }
    entrypoint: ["/bin/tini", "--"]
`

  it('prints a config that imports the presets and lists what did not convert', () => {
    const conversion = convert(text)
    expect(renderComposeConfig(conversion, 'docker-compose.yml')).toMatchInlineSnapshot(`
      "// Written by \`hearth import-compose\` from docker-compose.yml.
      // hearth does not read the Compose file again: this file is the one to edit.

      import { postgres } from '@hearth/env-postgres'
      import { defineConfig, defineEnvironment } from 'hearth'

      /**
       * The services of docker-compose.yml, converted by \`hearth import-compose\`.
       *
       * Not converted (the Compose file has these, this config does not):
       * - api.entrypoint — hearth runs the image's own entrypoint: set ENTRYPOINT in a Dockerfile
       *   (build), or fold it into command
       */
      const compose = defineEnvironment({
        name: 'compose',
        services: {
          db: postgres({
            image: 'postgres:16',
            user: 'postgres',
            password: 'secret',
            database: 'postgres',
            hostPort: 5432,
          }),
          migrate: { kind: 'job', image: 'flyway/flyway:10', command: ['migrate'], dependsOn: ['db'] },
          api: {
            kind: 'container',
            build: { context: 'api' },
            ports: { http: 3000 },
            env: { DATABASE_URL: 'postgres://postgres:secret@db:5432/postgres' },
            readiness: { type: 'tcp', port: 'http' },
            dependsOn: ['migrate'],
            outputs: { url: 'http://{{host}}:{{ports.http}}' },
          },
        },
      })

      export default defineConfig({ environments: [compose] })
      "
    `)
    expect(conversion.imports).toEqual({ '@hearth/env-postgres': ['postgres'] })
    expectValid(conversion)
  })

  it('describes each service for `hearth init`: names, kinds, presets, outputs', () => {
    const conversion = convert(text)
    expect(
      conversion.services.map(({ name, composeName, environment, kind, preset, outputs }) => ({
        name,
        composeName,
        environment,
        kind,
        preset,
        outputs,
      })),
    ).toEqual([
      {
        name: 'db',
        composeName: 'db',
        environment: 'compose',
        kind: 'container',
        preset: 'postgres',
        outputs: ['host', 'url', 'port', 'user', 'password', 'database', 'pgPort'],
      },
      {
        name: 'migrate',
        composeName: 'migrate',
        environment: 'compose',
        kind: 'job',
        preset: null,
        outputs: ['host'],
      },
      {
        name: 'api',
        composeName: 'api',
        environment: 'compose',
        kind: 'container',
        preset: null,
        outputs: ['host', 'httpPort', 'url'],
      },
    ])
  })

  it('adds test variables to a preset (its env option) and to a plain service (testEnv)', () => {
    const conversion = convert(text)
    const [db, , api] = conversion.services
    addTestEnv(db!, { PG_URL: 'url' })
    addTestEnv(api!, { API_URL: 'url' })
    expect(services(conversion).db).toContain("env: { PG_URL: 'url' }")
    expect(
      (conversion.environment.definition.services as Record<string, { testEnv?: unknown }>).api?.testEnv,
    ).toEqual({
      API_URL: '{{url}}',
    })
    expect(() => addTestEnv(api!, { X: 'nope' })).toThrow(
      'api has no output "nope" for X: it has host, httpPort, url',
    )
    expectValid(conversion)
  })

  it('names the environment after Compose’s name, or as asked', () => {
    expect(convert('name: Shop_Stack\nservices: { a: { image: x } }').environment.definition.name).toBe(
      'shop-stack',
    )
    expect(convert('name: 42\nservices: { a: { image: x } }').environment.definition.name).toBe('compose')
    const named = convert('services: { a: { image: x } }', { name: 'backend' })
    expect(named.environment).toMatchObject({ variable: 'backend', definition: { name: 'backend' } })
    expect(named.services[0]?.environment).toBe('backend')
  })
})

describe('convertCompose: fields', () => {
  it('image, build (string or object, args as a map or a list) relative to the project root', () => {
    const conversion = convert(
      `
services:
  plain: { image: nginx:1.27 }
  short: { build: ./web }
  full:
    image: acme/full:dev
    build:
      context: ..
      dockerfile: docker/Dockerfile.dev
      args: [VERSION=1.2, FROM_SHELL]
      target: dev
      cache_from: [acme/full:cache]
  mapped:
    build: { context: ., args: { A: 1, B: "two" } }
`,
      { file: 'ops/compose.yaml', variables: {} },
    )
    expect(services(conversion)).toMatchObject({
      plain: { kind: 'container', image: 'nginx:1.27' },
      short: { build: { context: 'ops/web' } },
      full: { build: { context: '.', dockerfile: 'docker/Dockerfile.dev', args: { VERSION: '1.2' } } },
      mapped: { build: { context: 'ops', args: { A: '1', B: 'two' } } },
    })
    expect(services(conversion).full).not.toHaveProperty('image')
    expect(listed(conversion)).toEqual([
      'full.build.target — hearth builds the whole Dockerfile: move the stage you need into a Dockerfile of its own',
      'full.build.cache_from — hearth builds with the context, the Dockerfile and the build args only',
      'full.build.args.FROM_SHELL — takes its value from the shell Compose runs in: set it in the config (hearth never copies the shell)',
    ])
    expect(conversion.notes).toContain(
      'full: built from .; hearth tags its builds itself, not as acme/full:dev',
    )
    expectValid(conversion)
  })

  it('a build hearth cannot do: the image when there is one, else the service is left out', () => {
    const conversion = convert(`
services:
  outside: { build: ../elsewhere, image: acme/outside:1 }
  remote: { build: "https://github.com/acme/app.git#main" }
  inline: { build: { context: ., dockerfile_inline: "FROM busybox" } }
  escape: { build: { context: ./api, dockerfile: ../Dockerfile } }
  nothing: { environment: [A=1] }
`)
    expect(Object.keys(services(conversion))).toEqual(['outside'])
    expect(services(conversion).outside).toMatchObject({ image: 'acme/outside:1' })
    expect(listed(conversion)).toEqual([
      'outside.build — its build context ../elsewhere is outside the folder of the config: hearth builds from folders inside it; the image acme/outside:1 is used as it is',
      'remote.build — its build context https://github.com/acme/app.git#main is remote: hearth builds from folders in the project; with no image either, the service is left out',
      'inline.build.dockerfile_inline — hearth builds from a Dockerfile in the context: write this one to a file there',
      'inline.build — its Dockerfile is inline: hearth builds from a Dockerfile in the context; with no image either, the service is left out',
      'escape.build — its Dockerfile ../Dockerfile is outside its build context: hearth sends only the context to the engine; with no image either, the service is left out',
      'nothing.image — neither image nor build: nothing to run; left out',
    ])
  })

  it('ports: short and long syntax, named; fixed host ports kept, or left out with --free-ports', () => {
    const text = `
services:
  web:
    image: nginx
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443"
      - "9090"
      - "5353:53/udp"
      - target: 9000
        name: admin-ui
      - "3000-3002:3000-3002"
      - "8081:80"
    expose: ["7000"]
`
    const kept = convert(text)
    expect(services(kept).web).toMatchObject({
      ports: {
        http: { container: 80, host: 8080 },
        https: { container: 443, host: 8443 },
        p9090: 9090,
        p53: { container: 53, host: 5353, protocol: 'udp' },
        adminUi: 9000,
      },
      readiness: { type: 'tcp', port: 'http' },
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    })
    expect(listed(kept)).toEqual([
      'web.ports[5] — a port range: hearth names each port; list the ones the tests use, one per name',
      'web.ports[6] — container port 80/tcp is published twice: hearth publishes each container port once',
    ])
    expect(kept.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^kept the host ports Compose published \(web 8080, web 8443, web 5353\)/),
        "web: expose needs no counterpart: services reach each other's ports on hearth's network",
        'hearth publishes ports on 127.0.0.1 only, where Compose publishes them on every interface unless given an address',
      ]),
    )
    expectValid(kept)

    const free = convert(text, { hostPorts: false })
    expect(services(free).web).toMatchObject({
      ports: { http: 80, https: 443, p53: { container: 53, protocol: 'udp' } },
    })
    expect(free.notes).toContainEqual(
      expect.stringMatching(/^left out the host ports Compose published \(web 8080, web 8443, web 5353\)/),
    )
    expectValid(free)
  })

  it('a host port two services publish stays with the first', () => {
    const conversion = convert(`
services:
  a: { image: x, ports: ["8080:80"] }
  b: { image: y, ports: ["8080:8080", "8080:8080/udp"] }
`)
    expect(services(conversion)).toMatchObject({
      a: { ports: { http: { host: 8080 } } },
      b: { ports: { http: 8080, httpUdp: { container: 8080, host: 8080, protocol: 'udp' } } },
    })
    expect(listed(conversion)).toEqual([
      'b.ports[0] — host port 8080 is published by a too: this one gets a free port from the engine',
    ])
    expectValid(conversion)
  })

  it('ports: an IPv6 host address, bracketed or not (split from the right, as Docker does)', () => {
    const conversion = convert(`
services:
  web:
    image: nginx
    ports: ["::1:8081:81", "[::1]:8082:82", "[::1]::83", "::1::84/udp", "[::1:8085:85", "1.2.3:8086:86"]
`)
    expect(services(conversion).web).toMatchObject({
      ports: {
        p81: { container: 81, host: 8081 },
        p82: { container: 82, host: 8082 },
        p83: 83,
        p84: { container: 84, protocol: 'udp' },
      },
    })
    expect(listed(conversion)).toEqual([
      'web.ports[4] — cannot read "[::1:8085:85"',
      'web.ports[5] — cannot read "1.2.3:8086:86": "1.2.3" is not an IP address',
    ])
    // ::1 is the loopback address: no note that Compose published on every interface.
    expect(conversion.notes.join('\n')).not.toContain('every interface')
    expectValid(conversion)
  })

  it('environment as a map or a list; a variable without a value comes from .env or is listed', () => {
    const conversion = convert(
      `
services:
  app:
    image: x
    environment:
      - PLAIN=1
      - EMPTY=
      - WITH_EQUALS=a=b
      - FROM_DOTENV
      - FROM_SHELL
      - spring.profile=dev
      - TEMPLATE={{ not ours }}
  mapped:
    image: x
    environment: { NUMBER: 5, BOOL: true, NULL_ONE: null, TEXT: hello }
`,
      { variables: { FROM_DOTENV: 'dot' }, variablesFrom: '.env' },
    )
    expect(services(conversion)).toMatchObject({
      app: { env: { PLAIN: '1', EMPTY: '', WITH_EQUALS: 'a=b', FROM_DOTENV: 'dot' } },
      mapped: { env: { NUMBER: '5', BOOL: 'true', TEXT: 'hello' } },
    })
    expect(listed(conversion)).toEqual([
      'app.environment.spring.profile — hearth takes variable names of letters, digits and "_" only',
      'app.environment.TEMPLATE — hearth reads "{{" and "}}" as a template: write the value in the config yourself',
      'app.environment.FROM_SHELL — takes its value from the shell Compose runs in: set it in env (hearth never copies the shell)',
      'mapped.environment.NULL_ONE — takes its value from the shell Compose runs in: set it in env (hearth never copies the shell)',
    ])
    expectValid(conversion)
  })

  it('env_file is listed by name, never by content', () => {
    const conversion = convert(`
services:
  app: { image: x, env_file: [.env.local, { path: ./secrets.env, required: false }] }
`)
    expect(listed(conversion)).toEqual([
      'app.env_file — hearth does not read .env.local, ./secrets.env (env files may hold secrets): put the variables the service needs in env',
    ])
  })

  it('interpolates defaults, $$ and .env values; lists variables without one, never their values', () => {
    const conversion = convert(
      `
services:
  app:
    image: "acme/app:\${TAG:-latest}"
    command: ["echo", "$$HOME", "\${GREETING}"]
    environment:
      PASSWORD: \${APP_PASSWORD}
      MODE: \${MODE-dev}
      LIST_FORM: \${MISSING_ONE:?set it}
    ports: ["\${PORT:-8080}:80"]
`,
      { variables: { APP_PASSWORD: 'hunter2' }, variablesFrom: '.env' },
    )
    expect(services(conversion).app).toMatchObject({
      image: 'acme/app:latest',
      command: ['echo', '$HOME', ''],
      env: { PASSWORD: 'hunter2', MODE: 'dev' },
      ports: { http: { container: 80, host: 8080 } },
    })
    expect(services(conversion).app).not.toHaveProperty('env.LIST_FORM')
    expect(listed(conversion)).toEqual([
      'app.environment.LIST_FORM — Compose requires ${MISSING_ONE} ("set it") and stops without it (no default, not in .env): left out; set it in env',
      'app.command[2] — ${GREETING} has no value here (no default, not in .env): Compose would read the shell, and the config has "" in its place: write the value there',
    ])
    expect(conversion.notes).toContain(
      'took ${APP_PASSWORD} from .env: its value is in the config now; check that it is not a secret before committing it',
    )
    expect(JSON.stringify([conversion.notes, conversion.unconverted])).not.toContain('hunter2')
  })

  it('a required variable without a value (${VAR:?message}) is listed as Compose requiring it; env entries are left out', () => {
    const conversion = convert(
      `
services:
  app:
    image: "acme/app:\${TAG:?set TAG to the release}"
    environment:
      DB_PASSWORD: \${DB_PASSWORD:?set DB_PASSWORD in .env}
      TOKEN: \${TOKEN?}
      KEPT: \${KEPT:?never shown}
  listed:
    image: x
    environment: ["API_KEY=\${API_KEY:?}", "MODE=dev"]
`,
      { variables: { KEPT: 'kept' }, variablesFrom: '.env' },
    )
    expect(services(conversion)).toMatchObject({
      app: { image: 'acme/app:', env: { KEPT: 'kept' } },
      listed: { env: { MODE: 'dev' } },
    })
    expect(services(conversion).app).not.toHaveProperty('env.DB_PASSWORD')
    expect(listed(conversion)).toEqual([
      'app.environment.DB_PASSWORD — Compose requires ${DB_PASSWORD} ("set DB_PASSWORD in .env") and stops without it (no default, not in .env): left out; set it in env',
      'app.environment.TOKEN — Compose requires ${TOKEN} and stops without it (no default, not in .env): left out; set it in env',
      'app.image — Compose requires ${TAG} ("set TAG to the release") and stops without it (no default, not in .env), and the config has "" in its place: write the value there',
      'listed.environment.API_KEY — Compose requires ${API_KEY} and stops without it (no default, not in .env): left out; set it in env',
    ])
    expectValid(conversion)
  })

  it('never prints a value: not a default in an expression it cannot read, nor a command it cuts', () => {
    const secret = 'hunter2'
    for (const text of [
      'services:\n  db:\n    image: x\n    environment: { DB_PASSWORD: "${DB_PASSWORD:=hunter2}" }\n',
      'services:\n  db:\n    image: x\n    environment: { URL: "postgres://app:${DB_PASSWORD:-hunter2@db/app" }\n',
      'services:\n  db:\n    image: x\n    command: "echo ${:-hunter2}"\n',
    ]) {
      let message = ''
      try {
        convert(text)
      } catch (error) {
        if (!(error instanceof ComposeError)) throw error
        message = `${error.message}\n${error.fix}`
      }
      expect(message).toMatch(/^docker-compose\.yml:\d+: services\.db\./)
      expect(message).not.toContain(secret)
    }
    const cut = convert(
      'services:\n  db:\n    image: x\n    command: "psql -c select && PGPASSWORD=hunter2 psql"\n',
    )
    expect(listed(cut)).toEqual([
      'db.command — Compose runs no shell, so it drops everything from the unquoted "&&" on, and so does this config: write ["sh", "-c", "…"] for a shell',
    ])
    expect(JSON.stringify([cut.unconverted, cut.notes, cut.environment.comment])).not.toContain(secret)
  })

  it('names a list entry of environment by its variable when it has no value', () => {
    const conversion = convert('services:\n  app:\n    image: x\n    environment: ["TOKEN=${TOKEN}"]\n')
    expect(conversion.unconverted.map((item) => item.field)).toEqual(['environment.TOKEN'])
  })

  it('command: a string is split into words as Compose does (no shell); a list is the arguments', () => {
    const conversion = convert(`
services:
  a: { image: x, command: "sh -c 'echo \\"a b\\"; exec sleep 1'" }
  b: { image: x, command: [node, server.js, --port, 8080] }
  c: { image: x, command: "npm run migrate && npm start" }
  d: { image: x, command: "echo 'unclosed" }
`)
    expect(services(conversion)).toMatchObject({
      a: { command: ['sh', '-c', 'echo "a b"; exec sleep 1'] },
      b: { command: ['node', 'server.js', '--port', '8080'] },
      c: { command: ['npm', 'run', 'migrate'] },
    })
    expect(services(conversion).d).not.toHaveProperty('command')
    expect(listed(conversion)).toEqual([
      'c.command — Compose runs no shell, so it drops everything from the unquoted "&&" on, and so does this config: write ["sh", "-c", "…"] for a shell',
      'd.command — cannot split it into words: an unclosed quote',
    ])
    expectValid(conversion)
  })

  it('healthcheck: CMD and CMD-SHELL; readiness from the engine when it checks often, else from hearth', () => {
    const conversion = convert(`
services:
  fast:
    image: x
    healthcheck: { test: [CMD, pg_isready, -U, app], interval: 1s, timeout: 500ms, retries: 10 }
  slow:
    image: x
    healthcheck: { test: "curl -fs localhost || exit 1", interval: 30s, start_period: 2m }
  default:
    image: x
    healthcheck: { test: [CMD-SHELL, "redis-cli ping | grep PONG"] }
  off:
    image: x
    healthcheck: { disable: true }
  none:
    image: x
    ports: ["80"]
    healthcheck: { test: [NONE] }
`)
    expect(services(conversion)).toMatchObject({
      fast: {
        healthcheck: { command: ['pg_isready', '-U', 'app'], intervalMs: 1000, timeoutMs: 500, retries: 10 },
        readiness: { type: 'healthcheck' },
      },
      slow: {
        healthcheck: { command: 'curl -fs localhost || exit 1', intervalMs: 30_000 },
        readiness: { type: 'command', command: 'curl -fs localhost || exit 1', timeoutMs: 240_000 },
      },
      default: { healthcheck: { command: 'redis-cli ping | grep PONG' }, readiness: { type: 'healthcheck' } },
      none: { readiness: { type: 'tcp', port: 'http' } },
    })
    expect(services(conversion).off).not.toHaveProperty('healthcheck')
    expect(listed(conversion)).toEqual([
      "off.healthcheck — it turns off the image's own HEALTHCHECK, which hearth cannot do (hearth's readiness does not use it)",
      "none.healthcheck — it turns off the image's own HEALTHCHECK, which hearth cannot do (hearth's readiness does not use it)",
    ])
    expect(conversion.notes).toContainEqual(
      expect.stringMatching(/^slow: ready when hearth's own run of the healthcheck/),
    )
    expectValid(conversion)
  })

  it('volumes: named (declared), binds relative to the Compose file, long syntax; the rest is listed', () => {
    const conversion = convert(
      `
services:
  app:
    image: x
    volumes:
      - data:/data
      - ./config:/etc/app:ro
      - ../shared:/shared
      - /var/run/docker.sock:/var/run/docker.sock
      - ~/.aws:/root/.aws:ro
      - /scratch
      - undeclared:/u
      - type: bind
        source: ./seed
        target: /seed
        read_only: true
      - type: tmpfs
        target: /tmp
      - type: volume
        source: cache
        target: /cache
        volume: { nocopy: true }
  other:
    image: y
    volumes: [data:/data]
volumes:
  data:
  cache:
    external: true
`,
      { file: 'docker/compose.yaml' },
    )
    expect(services(conversion)).toMatchObject({
      app: {
        volumes: [
          'data:/data',
          './docker/config:/etc/app:ro',
          './shared:/shared',
          '/var/run/docker.sock:/var/run/docker.sock',
          './docker/seed:/seed:ro',
          'cache:/cache',
        ],
      },
      other: { volumes: ['data:/data'] },
    })
    expect(listed(conversion)).toEqual([
      'volumes.cache.external — hearth creates (and `hearth down` removes) volumes of its own: the data in the external volume is not used',
      'app.volumes[8] — a tmpfs mount: hearth mounts volumes and folders only (the path stays in the container)',
      'app.volumes[4] — ~/.aws: hearth binds folders of the project or absolute paths',
      'app.volumes[5] — an anonymous volume at /scratch: the path stays in the container, which hearth recreates when its definition changes',
      'app.volumes[6] — the volume undeclared is not declared under the top-level volumes',
      'app.volumes[9] — volume.nocopy: hearth mounts with none of these options',
      "other.volumes[0] — the volume data is shared with app in Compose; hearth gives each service a volume of its own, so they do not see each other's files",
    ])
    expectValid(conversion)
  })

  it('a volume whose source needs a variable without a value is left out, not bound at the host’s root', () => {
    const conversion = convert(`
services:
  app:
    image: x
    volumes:
      - \${PWD}/data:/data
      - \${HOME}/.aws:/root/.aws:ro
      - type: bind
        source: \${CACHE_DIR}/cache
        target: /cache
      - \${CONFIG_DIR:?point CONFIG_DIR at the config}:/etc/app
      - \${DATA_DIR:-./data}:/defaulted
`)
    expect(services(conversion).app).toMatchObject({ volumes: ['./data:/defaulted'] })
    expect(listed(conversion)).toEqual([
      'app.volumes[0] — ${PWD} has no value here (no default): Compose would read the shell: left out',
      'app.volumes[1] — ${HOME} has no value here (no default): Compose would read the shell: left out',
      'app.volumes[2] — ${CACHE_DIR} has no value here (no default): Compose would read the shell: left out',
      'app.volumes[3] — Compose requires ${CONFIG_DIR} ("point CONFIG_DIR at the config") and stops without it (no default): left out',
    ])
    expectValid(conversion)
  })

  it('paths are relative to the folder the config goes to, which hearth resolves them against', () => {
    const text = `
services:
  api:
    build: ./api
    image: acme/api
    volumes: ["./fixtures:/fixtures:ro", "../shared:/shared"]
    develop: { watch: [{ path: ./api/src, action: sync }] }
`
    // The config beside the Compose file, in ops/.
    expect(services(convert(text, { file: 'docker-compose.yaml', root: '/project/ops' })).api).toMatchObject({
      build: { context: 'api' },
      volumes: ['./fixtures:/fixtures:ro', '../shared:/shared'],
      watch: ['api/src/**'],
    })
    // The config in sub/, the Compose file in ops/: the context is outside the config's folder.
    const sub = convert(text, { file: '../ops/docker-compose.yaml', root: '/project/sub' })
    expect(services(sub).api).toMatchObject({
      image: 'acme/api',
      volumes: ['../ops/fixtures:/fixtures:ro', '../shared:/shared'],
    })
    expect(listed(sub)).toEqual([
      'api.build — its build context ./api is outside the folder of the config: hearth builds from folders inside it; the image acme/api is used as it is',
      'api.develop.watch[0] — ./api/src is outside the folder of the config: hearth watches the files inside it',
    ])
    expectValid(sub)
  })

  it('other fields are listed with why; x- fields and init are not', () => {
    const conversion = convert(`
x-defaults: &defaults
  restart: always
services:
  app:
    <<: *defaults
    image: x
    init: true
    x-note: mine
    container_name: my-app
    user: "1000"
    working_dir: /app
    networks: [back]
    deploy: { replicas: 2 }
    cpus: 0.5
    privileged: true
    made_up: 1
networks:
  back:
secrets:
  token: { file: ./token }
include:
  - other.yaml
weird: 1
`)
    expect(listed(conversion)).toEqual([
      'networks — hearth gives each environment one network of its own, where services reach each other by name',
      'secrets — hearth mounts no secrets: give the services what they need in environment or volumes',
      'include — the included files are not read: convert each with `hearth import-compose <file>`',
      'weird — not a Compose field hearth knows',
      'app.restart — hearth does not restart a service that stops; it reports it',
      'app.container_name — hearth names its containers itself; other services reach this one by its service name',
      'app.user — hearth runs the image’s own user: set USER in a Dockerfile',
      'app.working_dir — hearth runs in the image’s own working directory: set WORKDIR in a Dockerfile',
      'app.networks — hearth puts the services of an environment on one network, where each is reached by its service name',
      'app.deploy — hearth runs one instance with no resource limits',
      'app.cpus — hearth runs containers without resource limits',
      'app.privileged — hearth does not run privileged containers',
      'app.made_up — hearth has no equivalent',
    ])
  })

  it('develop.watch paths become watch globs', () => {
    const conversion = convert(
      `
services:
  api:
    build: ./api
    develop:
      watch:
        - { action: rebuild, path: ./api/src }
        - { action: sync+restart, path: ./api/config.json, target: /app/config.json }
        - { action: sync, path: ../outside, target: /x }
`,
      { file: 'compose.yaml' },
    )
    expect(services(conversion).api).toMatchObject({ watch: ['api/src/**', 'api/config.json'] })
    expect(listed(conversion)).toEqual([
      'api.develop.watch[2] — ../outside is outside the folder of the config: hearth watches the files inside it',
    ])
    expectValid(conversion)
  })
})

describe('convertCompose: depends_on', () => {
  it('list and mapping forms; service_completed_successfully makes the dependency a job', () => {
    const conversion = convert(`
services:
  db:
    image: x
    healthcheck: { test: [CMD, ready] }
  cache: { image: y }
  migrate:
    image: app
    command: [migrate, up]
    environment: { DB: db }
    ports: ["9000"]
    volumes: ["./sql:/sql"]
    depends_on: [db]
  api:
    image: app
    depends_on:
      db: { condition: service_healthy }
      cache: { condition: service_healthy, required: false }
      migrate: { condition: service_completed_successfully, restart: true }
`)
    expect(services(conversion)).toMatchObject({
      migrate: {
        kind: 'job',
        image: 'app',
        command: ['migrate', 'up'],
        env: { DB: 'db' },
        dependsOn: ['db'],
      },
      api: { kind: 'container', dependsOn: ['db', 'cache', 'migrate'] },
    })
    expect(services(conversion).migrate).not.toHaveProperty('ports')
    expect(listed(conversion)).toEqual([
      'migrate.ports — a hearth job has no ports: it runs its command and exits',
      'migrate.volumes — a hearth job has no volumes: it runs its command and exits',
      "api.depends_on.migrate.restart — hearth does not restart migrate's dependents when it restarts",
    ])
    expect(conversion.notes).toEqual(
      expect.arrayContaining([
        'depends_on service_started became dependsOn, and hearth starts a service once its dependencies are ready, not merely started: migrate → db',
        'api waits for cache to be healthy, but cache has no healthcheck: hearth waits until it is ready, which for it means started',
        'api: its dependency on cache is optional in Compose; hearth always waits for it',
      ]),
    )
    expectValid(conversion)
  })

  it('a one-shot hearth cannot run as a job is left out, and so are the dependencies on it', () => {
    const conversion = convert(`
services:
  seed: { image: app }
  build-step: { build: ./tools }
  api:
    image: app
    depends_on:
      seed: { condition: service_completed_successfully }
      build-step: { condition: service_completed_successfully }
      ghost: { condition: service_started }
`)
    expect(Object.keys(services(conversion))).toEqual(['api'])
    expect(listed(conversion)).toEqual([
      "seed.command — a hearth job needs its command written out (Compose ran the image's default one): left out; add it with kind: 'job'",
      'build-step.build — a one-shot (others wait for it to complete) is a hearth job, and a job runs an image hearth does not build: build it and give its tag as image; left out',
      'api.depends_on.seed — seed was not converted (see above): this dependency is left out',
      'api.depends_on.build-step — build-step was not converted (see above): this dependency is left out',
      'api.depends_on.ghost — ghost is not among the converted services (a profile, or no such service): left out',
    ])
    expectValid(conversion)
  })
})

describe('convertCompose: presets', () => {
  it('postgres: the official variables become options; the database defaults to the user', () => {
    const conversion = convert(`
services:
  db:
    image: postgres:16-alpine
    environment: { POSTGRES_USER: app, POSTGRES_PASSWORD: pw, PGDATA: /data/pg }
    volumes: ["pgdata:/data/pg"]
    ports: ["5433:5432"]
    healthcheck: { test: [CMD, pg_isready] }
volumes: { pgdata: {} }
`)
    expect(services(conversion).db).toBe(`postgres({
      image: 'postgres:16-alpine',
      user: 'app',
      password: 'pw',
      database: 'app',
      hostPort: 5433,
    })`)
    expect(listed(conversion)).toEqual([
      'db.volumes[0] — the preset keeps its database in the container and resets it between test runs; nothing persists across `hearth down`',
    ])
    expect(conversion.notes).toContain(
      'db: the postgres preset is ready when PostgreSQL accepts connections on its port, so its Compose healthcheck is not needed',
    )
  })

  it('postgres and redis images of other names and registries; bitnami and look-alikes are left plain', () => {
    const kinds = (image: string) =>
      convert(`services: { s: { image: "${image}", environment: { POSTGRES_PASSWORD: x } } }`).services[0]
        ?.preset
    expect(kinds('docker.io/library/postgres:15')).toBe('postgres')
    expect(kinds('postgis/postgis:16-3.4')).toBe('postgres')
    expect(kinds('bitnami/postgresql:16')).toBeNull()
    expect(kinds('prometheuscommunity/postgres-exporter')).toBeNull()
    const redisKind = (image: string) => convert(`services: { s: { image: "${image}" } }`).services[0]?.preset
    expect(redisKind('redis:7-alpine')).toBe('redis')
    expect(redisKind('valkey/valkey:8')).toBe('redis')
    expect(redisKind('bitnami/redis:7.2')).toBeNull()
  })

  it('keeps a plain container, and says why, when the preset would lose something', () => {
    const conversion = convert(`
services:
  initdb:
    image: postgres:16
    environment: { POSTGRES_PASSWORD: pw }
    volumes: ["./init.sql:/docker-entrypoint-initdb.d/init.sql:ro"]
  tuned:
    image: postgres:16
    environment: { POSTGRES_PASSWORD: pw }
    command: postgres -c max_connections=300
  trusting:
    image: postgres:16
    environment: { POSTGRES_HOST_AUTH_METHOD: trust }
  secured:
    image: redis:7
    command: redis-server --requirepass s3cret
  persisted:
    image: redis:7
    command: ["redis-server", "--appendonly", "yes", "--save", "60", "1"]
    volumes: ["redis-data:/data"]
volumes: { redis-data: }
`)
    expect(conversion.services.map((service) => [service.name, service.preset])).toEqual([
      ['initdb', null],
      ['tuned', null],
      ['trusting', null],
      ['secured', null],
      ['persisted', 'redis'],
    ])
    expect(conversion.notes).toEqual(
      expect.arrayContaining([
        'initdb: a plain container, not the postgres preset, because it mounts files or volumes besides its data directory',
        'tuned: a plain container, not the postgres preset, because it has a command of its own',
        'trusting: a plain container, not the postgres preset, because the preset does not take POSTGRES_HOST_AUTH_METHOD',
        'secured: a plain container, not the redis preset, because its command sets options the preset does not take',
      ]),
    )
    expect(listed(conversion)).toEqual([
      'persisted.command — the redis preset runs redis-server without persistence: test data stays in memory',
      'persisted.volumes[0] — the preset keeps its data in the container and resets it between test runs; nothing persists across `hearth down`',
    ])
    expectValid(conversion)
  })

  it('--no-presets keeps every service a plain container, with a url output where the port says what it speaks', () => {
    const conversion = convert(
      `
services:
  db:
    image: postgres:16
    environment: { POSTGRES_USER: app, POSTGRES_PASSWORD: "p@ss", POSTGRES_DB: shop }
    ports: ["5432"]
  cache: { image: redis:7, ports: ["6379"] }
`,
      { presets: false },
    )
    expect(conversion.imports).toEqual({})
    expect(services(conversion)).toMatchObject({
      db: { outputs: { url: 'postgres://app:p%40ss@{{host}}:{{ports.postgres}}/shop' } },
      cache: { outputs: { url: 'redis://{{host}}:{{ports.redis}}' } },
    })
    expectValid(conversion)
  })

  it('a second preset of a kind gives its tests no DATABASE_URL (the first does)', () => {
    const conversion = convert(`
services:
  main: { image: postgres, environment: { POSTGRES_PASSWORD: a } }
  reporting: { image: postgres, environment: { POSTGRES_PASSWORD: b } }
`)
    expect(services(conversion).reporting).toContain('testEnv: {}')
    expect(conversion.notes).toContain(
      'reporting: its tests get no DATABASE_URL (main gives that one); HEARTH_REPORTING_URL holds its url',
    )
  })

  it('a preset call lays itself out over several lines when it does not fit on one', () => {
    const call = new PresetCall(
      'postgres',
      {
        image: 'registry.example.com/team/postgres:16',
        user: 'application_user',
        password: 'a-long-password',
      },
      'primary-db',
    )
    expect(call.text).toBe(`postgres({
      image: 'registry.example.com/team/postgres:16',
      user: 'application_user',
      password: 'a-long-password',
    })`)
    expect(new PresetCall('redis', {}, 'cache').text).toBe('redis()')
  })
})

describe('convertCompose: names, profiles, overrides', () => {
  it('makes service names hearth names, and lists the renames', () => {
    const conversion = convert(`
services:
  my_db: { image: x }
  Web.App: { image: x }
  2fa: { image: x }
  host: { image: x }
  web-app: { image: x }
`)
    expect(conversion.services.map((service) => service.name)).toEqual([
      'my-db',
      'web-app-2',
      'service-2fa',
      'host-service',
      'web-app',
    ])
    expect(listed(conversion)[0]).toBe(
      'my_db.name — hearth names it my-db (lowercase letters, digits, "-"): other services must reach it as my-db',
    )
    expectValid(conversion)
  })

  it('leaves out services of profiles that are not asked for', () => {
    const text = `
services:
  app: { image: x }
  debug: { image: y, profiles: [debug, tools] }
`
    expect(convert(text).services.map((service) => service.name)).toEqual(['app'])
    expect(listed(convert(text))).toEqual([
      'debug.profiles — started only with --profile debug or tools: left out (`hearth import-compose --profile debug` includes it)',
    ])
    expect(convert(text, { profiles: ['tools'] }).services.map((service) => service.name)).toEqual([
      'app',
      'debug',
    ])
  })

  it('lists an override file it does not merge', () => {
    const conversion = convert('services: { a: { image: x } }', {
      file: 'compose.yaml',
      overrideFile: 'compose.override.yaml',
    })
    expect(listed(conversion)).toEqual([
      'compose.override.yaml — override files are not merged: this config holds compose.yaml alone; carry over what the override changes by hand',
    ])
  })

  it('puts what did not convert into the environment’s comment, safely', () => {
    const conversion = convert('services:\n  a:\n    image: x\n    environment: { "X*/": 1 }\n')
    expect(conversion.environment.comment).toContain(
      '- a.environment.X*/ — hearth takes variable names of letters, digits and "_" only',
    )
    // renderConfigSource keeps the comment a comment (the config loads: compose.integration.test.ts).
    expect(renderComposeConfig(conversion, 'docker-compose.yml')).toContain(
      ' * - a.environment.X*\\/ — hearth takes variable names',
    )
  })
})

describe('convertCompose: files that are not Compose files', () => {
  const error = (text: string): ComposeError => {
    try {
      convert(text)
    } catch (thrown) {
      if (thrown instanceof ComposeError) return thrown
      throw thrown
    }
    throw new Error('no error')
  }

  it.each([
    [
      'services:\n  a:\n    image: x\n   bad: 1\n',
      'docker-compose.yml:4:1: All mapping items must start at the same column',
    ],
    ['services:\n  a: { image: x }\n  a: { image: y }\n', 'docker-compose.yml:3:3: Map keys must be unique'],
    ['services: {}\n---\nservices: {}\n', 'docker-compose.yml:2:1: Source contains multiple documents'],
    ['', 'docker-compose.yml is not a Compose file: it is empty'],
    ['- a\n- b\n', 'docker-compose.yml is not a Compose file: it is not a mapping'],
    ['name: x\nvolumes: {}\n', 'docker-compose.yml is not a Compose file: it has no `services:` section'],
    [
      'services:\n  - web\n',
      'docker-compose.yml:2: `services:` must be a mapping of service names to services',
    ],
    [
      'services:\n  a:\n    image: "x:${TAG"\n',
      'docker-compose.yml:3: services.a.image: "${TAG" has no closing "}"',
    ],
  ])('%j → %s', (text, message) => {
    expect(error(text).message).toBe(message)
  })

  it('says when a file looks like the old version 1 format', () => {
    expect(error('web:\n  image: nginx\n').fix).toContain('old version 1 format')
  })
})
