import { fileURLToPath } from 'node:url'
import { LABELS } from '@hearth/driver'
import { describeDriverConformance } from '@hearth/driver/testing'
import { afterAll, expect } from 'vitest'
import { DockerDriver } from '../src/index.js'
import { docker, leftovers, removeAll, service, TOOLBOX } from './helpers.js'

const root = fileURLToPath(new URL('./fixtures', import.meta.url))

/**
 * The toolbox fixtures: a busybox httpd serving an index, a crash, a shell that ignores SIGTERM,
 * a job. Every one prints what the suite looks for. The server prints `ready` just before httpd
 * binds (busybox httpd has no "listening" hook; it binds within milliseconds), so by the time the
 * port answers, `ready` is in the log.
 */
const server = [
  'echo "hello $GREETING"',
  'mkdir -p /tmp/www && echo hello > /tmp/www/index.html',
  'echo ready',
  'exec busybox httpd -f -p 8080 -h /tmp/www',
].join('\n')

const env = { GREETING: 'conformance' }

describeDriverConformance({
  name: 'docker',
  createDriver: () => new DockerDriver(),
  root,
  stopTimeoutMs: 1000,
  fixtures: {
    server: () =>
      service(root, {
        kind: 'container',
        image: TOOLBOX,
        pull: 'never',
        command: server,
        ports: { main: 8080 },
        env,
      }),
    crash: (code) =>
      service(root, {
        kind: 'container',
        image: TOOLBOX,
        pull: 'never',
        command: `echo bye; sleep 0.1; exit ${code}`,
        env,
      }),
    stubborn: () =>
      service(root, {
        kind: 'container',
        image: TOOLBOX,
        pull: 'never',
        command: "trap '' TERM; echo trapping; while true; do sleep 0.1; done",
        env,
      }),
    job: (code) =>
      service(root, { kind: 'job', image: TOOLBOX, command: `echo "job done"; exit ${code}`, env }),
  },
})

// The suite picks its own project id; find it by the suite's project name and this process.
afterAll(async () => {
  const prefix = `conformance-${process.pid}-`
  const ids = new Set<string>()
  for (const kind of [
    ['ps', '-a'],
    ['network', 'ls'],
    ['volume', 'ls'],
  ]) {
    const out = docker(
      ...(kind as string[]),
      '--filter',
      `label=${LABELS.project}=conformance`,
      '--format',
      `{{.Label "${LABELS.projectId}"}}`,
    )
    for (const id of out.split('\n')) if (id.startsWith(prefix)) ids.add(id)
  }
  const left = [...ids].flatMap((id) => leftovers(id))
  await removeAll([...ids])
  expect(left).toEqual([])
})
