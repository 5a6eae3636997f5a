import path from 'node:path'
import { DockerDriver } from '@hearth/driver-docker'
import { ProcessDriver } from '@hearth/driver-process'
import { expect } from 'vitest'
import { describeDatabaseScenario } from './scenario.js'

// No Docker here: the session's Docker driver points at a socket that does not exist, so the
// container's check fails and hearth runs the embedded fallback instead.
describeDatabaseScenario({
  runtime: 'embedded',
  drivers: (stateDir) => [
    new DockerDriver({ docker: { socketPath: path.join(stateDir, 'no-such-docker.sock') } }),
    new ProcessDriver({ stateDir }),
  ],
  expectRunning: (db) => {
    expect(db.instance?.driver).toBe('process')
    // hearth records (and its views print) that it fell back, and why.
    expect(db.fallback).toMatch(/no-such-docker\.sock/)
  },
  expectNothingLeft: () => undefined,
})
