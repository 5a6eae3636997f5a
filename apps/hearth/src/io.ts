import path from 'node:path'
import { createStyle, type Style } from './style.js'

/** Where a command writes, injected so tests can capture it. */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
  /** Subscribes to SIGINT, SIGTERM and SIGHUP; returns the unsubscribe. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void
}

export const processIo: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onSignal(handler) {
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
    process.on('SIGHUP', handler)
    return () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
      process.off('SIGHUP', handler)
    }
  },
}

export function outStyle(io: Io): Style {
  return createStyle(io.stdout, io.env)
}

export function errStyle(io: Io): Style {
  return createStyle(io.stderr, io.env)
}

export function println(stream: Io['stdout'], line = ''): void {
  stream.write(`${line}\n`)
}

/** A path as a person reads it: relative to the current folder when under it, else absolute. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file)
  if (relative === '') return '.'
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative
}
