import { execFileSync } from 'node:child_process'
import { LABELS } from '@hearth/driver'
import { DockerDriver } from '@hearth/driver-docker'
import { ProcessDriver } from '@hearth/driver-process'
import { expect } from 'vitest'
import { describeDatabaseScenario } from './scenario.js'

const docker = (...args: string[]): string[] =>
  execFileSync('docker', args, { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')

// The container runs on the real engine, with the image built offline by scripts/build-test-images.sh;
// the migrations job runs as a local process (the process driver), like apps/hearth wires them.
describeDatabaseScenario({
  runtime: 'docker',
  drivers: (stateDir) => [new DockerDriver({ stateDir }), new ProcessDriver({ stateDir })],
  expectRunning: (db) => {
    expect(db.instance?.driver).toBe('docker')
    expect(db.fallback).toBeNull()
  },
  expectNothingLeft: (projectId) => {
    const filter = `label=${LABELS.projectId}=${projectId}`
    expect([
      ...docker('ps', '-a', '--filter', filter, '--format', '{{.Names}}'),
      ...docker('volume', 'ls', '--filter', filter, '--format', '{{.Name}}'),
      ...docker('network', 'ls', '--filter', filter, '--format', '{{.Name}}'),
    ]).toEqual([])
  },
})
