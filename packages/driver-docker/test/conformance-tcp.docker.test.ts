import { describeDriverConformance } from '@hearth/driver/testing'
import { afterAll, expect } from 'vitest'
import { DockerDriver } from '../src/index.js'
import { checkWithTheEngine, fixtures, remainsOf, root } from './conformance-fixtures.js'
import { removeAll } from './helpers.js'
import { type DockerOverTcp, dockerOverTcp } from './tcp-forwarder.js'

/**
 * The conformance suite on an engine reached over TCP (`DOCKER_HOST=tcp://127.0.0.1:PORT`), as a
 * remote engine is: dockerd's own TCP listener in CI (`HEARTH_TEST_DOCKER_TCP`), else a loopback
 * forwarder to the local socket. Published ports and probes must still be on 127.0.0.1, and the
 * engine, asked through the docker CLI, must hold only labelled resources, and none at the end.
 */
const projectId = `conformance-tcp-${process.pid}`
let tcp: DockerOverTcp | undefined

describeDriverConformance({
  name: 'docker over TCP',
  projectId,
  createDriver: async () => {
    tcp = await dockerOverTcp()
    const driver = new DockerDriver({ env: { ...process.env, DOCKER_HOST: tcp.dockerHost } })
    expect(driver.endpoint).toBe(tcp.dockerHost)
    await driver.check()
    return driver
  },
  root,
  stopTimeoutMs: 1000,
  fixtures,
  onStarted: (instance) => checkWithTheEngine(instance, projectId),
})

afterAll(async () => {
  const left = remainsOf(projectId)
  await removeAll([projectId])
  // Through the forwarder: the suite’s requests did go over TCP.
  const connections = tcp?.connections()
  await tcp?.close()
  expect(left).toEqual([])
  expect(tcp?.dockerHost).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
  if (tcp?.forwarded) expect(connections).toBeGreaterThan(0)
})
