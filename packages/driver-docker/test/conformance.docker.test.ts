import { describeDriverConformance } from '@hearth/driver/testing'
import { afterAll, expect } from 'vitest'
import { DockerDriver } from '../src/index.js'
import { checkWithTheEngine, fixtures, remainsOf, root } from './conformance-fixtures.js'
import { removeAll } from './helpers.js'

/** The conformance suite on the engine as Docker users reach it by default: its unix socket. */
const projectId = `conformance-${process.pid}`

describeDriverConformance({
  name: 'docker',
  projectId,
  createDriver: () => new DockerDriver(),
  root,
  stopTimeoutMs: 1000,
  fixtures,
  onStarted: (instance) => checkWithTheEngine(instance, projectId),
})

afterAll(async () => {
  const left = remainsOf(projectId)
  await removeAll([projectId])
  expect(left).toEqual([])
})
