import { type FromHost, LABEL_VARIABLE_PREFIX, type SurveyResult, type ToHost } from './host-protocol.js'
import { createVitestInstance, type VitestInstance } from './vitest-instance.js'

/**
 * A Vitest host: the child process hearth starts for one owner (`host-client.ts`), with the owner's
 * folder as its cwd. It keeps one instance of the owner's own Vitest alive across runs and answers
 * hearth's requests over IPC. It lives as long as hearth does: it closes Vitest and exits when the
 * IPC channel goes (hearth exited or was killed), with a hard deadline.
 */

// hearth's labels mark this process as hearth's (for the leak checks); the tests and what they start
// are not hearth's, so they must not inherit them. Vitest's workers take a copy of process.env.
for (const name of Object.keys(process.env)) {
  if (name.startsWith(LABEL_VARIABLE_PREFIX)) delete process.env[name]
}

let starting: Promise<VitestInstance> | undefined
let closeDeadlineMs = 5000
let stopping = false
const runs = new Map<number, AbortController>()

function send(message: FromHost): void {
  if (process.connected) process.send?.(message)
}

function errorMessage(error: unknown): { message: string; stack?: string } {
  if (!(error instanceof Error)) return { message: String(error) }
  return error.stack === undefined
    ? { message: error.message }
    : { message: error.message, stack: error.stack }
}

async function handle(message: ToHost): Promise<void> {
  switch (message.type) {
    case 'init': {
      const { init } = message
      closeDeadlineMs = init.closeDeadlineMs
      starting = createVitestInstance({
        root: init.root,
        configFile: init.configFile,
        nodeEntry: init.nodeEntry,
        mode: init.mode,
        env: init.env,
        cancelGraceMs: init.cancelGraceMs,
        // Vitest's logger writes to the host's stdout/stderr: hearth forwards them, or drops them
        // and keeps the last stderr lines for when the host dies.
        stdout: process.stdout,
        stderr: process.stderr,
      })
      try {
        const instance = await starting
        const { configFile, projects, configDependencies, testGlobs } = instance
        send({ type: 'ready', ready: { configFile, projects, configDependencies, testGlobs } })
      } catch (error) {
        send({ type: 'init-failed', message: errorMessage(error).message })
      }
      return
    }
    case 'list': {
      try {
        const instance = await instanceOrFail()
        send({ type: 'listed', id: message.id, files: await instance.listTestFiles() })
      } catch (error) {
        send({ type: 'failed', id: message.id, ...errorMessage(error) })
      }
      return
    }
    case 'run': {
      const controller = new AbortController()
      runs.set(message.id, controller)
      try {
        const instance = await instanceOrFail()
        const result = await instance.run(message.files, {
          signal: controller.signal,
          ...(message.env === undefined ? {} : { env: message.env }),
          onEvent: (event) => send({ type: 'event', id: message.id, event }),
        })
        send({ type: 'done', id: message.id, result })
      } catch (error) {
        send({ type: 'failed', id: message.id, ...errorMessage(error) })
      } finally {
        runs.delete(message.id)
      }
      return
    }
    case 'cancel':
      runs.get(message.id)?.abort()
      return
    case 'invalidate': {
      const instance = await starting?.catch(() => undefined)
      instance?.invalidate(message.files)
      return
    }
    case 'close':
      await shutdown(0)
      return
    case 'survey': {
      // A lister: one instance per owner, in turn, each loaded from the owner's folder (a config may
      // read process.cwd()). No test runs here, so no worker depends on the cwd; the instances are
      // not closed: hearth closes this process once it has the lists.
      const results: SurveyResult[] = []
      for (const owner of message.owners) {
        try {
          process.chdir(owner.root)
          const instance = await createVitestInstance({
            ...owner,
            mode: 'once',
            stdout: process.stdout,
            stderr: process.stderr,
          })
          const files = await instance.listTestFiles()
          const { configDependencies, testGlobs } = instance
          results.push({ root: owner.root, files, configDependencies, testGlobs })
        } catch (error) {
          results.push({ root: owner.root, error: errorMessage(error).message })
        }
      }
      send({ type: 'surveyed', results })
      return
    }
  }
}

async function instanceOrFail(): Promise<VitestInstance> {
  if (!starting) throw new Error('hearth: the Vitest host got a request before init')
  return starting
}

/** Closes Vitest (which stops its workers), then exits; exits anyway once the deadline passes. */
async function shutdown(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  setTimeout(() => process.exit(code === 0 ? 1 : code), closeDeadlineMs)
  // A lister (no init) has nothing to close: its instances ran no test.
  if (!starting) process.exit(code)
  for (const controller of runs.values()) controller.abort()
  try {
    const instance = await starting?.catch(() => undefined)
    await instance?.close()
  } finally {
    process.exit(code)
  }
}

process.on('message', (message: ToHost) => void handle(message))
// hearth is gone (it exited, crashed or was SIGKILLed): nobody will ask for results any more.
process.on('disconnect', () => void shutdown(1))
// hearth starts hosts in their own process group, so a terminal's Ctrl-C does not reach them;
// a signal sent to the host itself stops it cleanly. (Installed before Vitest's, which the
// instance takes off again.)
process.on('SIGINT', () => void shutdown(130))
process.on('SIGTERM', () => void shutdown(143))
