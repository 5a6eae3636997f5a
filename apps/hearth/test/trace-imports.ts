import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Runs a command under module hooks that record every module the process loads: ES modules as the
 * loader resolves them, CommonJS ones as `require` (or a `createRequire`'s require) loads them.
 * Tests use it to show what a command does not load.
 */
export interface Tracer {
  /** Runs `node …args` in `cwd`; resolves with the exit code, the modules it loaded (file URLs) and stdout. */
  traced(
    args: readonly string[],
    cwd: string,
    options?: { env?: Record<string, string>; until?: RegExp },
  ): Promise<{ code: number | null; modules: string[]; stdout: string }>
}

/** A tracer whose hook files and logs live in `work`. */
export function createTracer(work: string): Tracer {
  writeFileSync(
    path.join(work, 'hook.mjs'),
    [
      "import { appendFileSync } from 'node:fs'",
      'export async function resolve(specifier, context, next) {',
      '  const result = await next(specifier, context)',
      "  appendFileSync(process.env.HEARTH_IMPORT_LOG, result.url + '\\n')",
      '  return result',
      '}',
    ].join('\n'),
  )
  const register = path.join(work, 'register.mjs')
  writeFileSync(
    register,
    [
      "import { appendFileSync } from 'node:fs'",
      "import Module, { register } from 'node:module'",
      "import { pathToFileURL } from 'node:url'",
      "register('./hook.mjs', import.meta.url)",
      // CommonJS: what the ES loader's hooks never see (dockerode, required on first use).
      'const load = Module._load',
      'Module._load = function (request, parent, isMain) {',
      '  try {',
      '    const file = Module._resolveFilename(request, parent, isMain)',
      "    if (file.startsWith('/')) appendFileSync(process.env.HEARTH_IMPORT_LOG, pathToFileURL(file).href + '\\n')",
      '  } catch {}',
      '  return load.apply(this, arguments)',
      '}',
    ].join('\n'),
  )
  return {
    traced(args, cwd, options = {}) {
      const log = path.join(work, `imports-${Math.random().toString(36).slice(2)}.log`)
      writeFileSync(log, '')
      const child = spawn(process.execPath, ['--import', register, ...args], {
        cwd,
        env: { ...process.env, CI: 'true', NO_COLOR: '1', HEARTH_IMPORT_LOG: log, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stopped = false
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        // A long-running command (dev) is stopped as a user would, once it has shown `until`: one
        // signal. (Another on each later chunk of output, a second later on a loaded machine, would
        // be the "stop at once" of a second Ctrl-C, and a different exit.)
        if (!stopped && options.until?.test(stdout)) {
          stopped = true
          child.kill('SIGTERM')
        }
      })
      child.stderr.resume()
      return new Promise((resolve) => {
        child.on('exit', (code) =>
          resolve({ code, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout }),
        )
      })
    },
  }
}

/** A package of node_modules, hoisted or in pnpm's store: `/node_modules/<name>/`. */
export function fromPackage(name: string): RegExp {
  const escaped = name.replace(/[/.]/g, (char) => `\\${char}`)
  return new RegExp(`/node_modules/(?:\\.pnpm/[^/]+/node_modules/)?${escaped}/`)
}
