import { randomBytes } from 'node:crypto'

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A short random id, safe in keys and SQL identifiers (`[a-z0-9]`). */
export function randomId(length = 8): string {
  return randomBytes(length).toString('hex').slice(0, length)
}
