import { fileURLToPath } from 'node:url'

/**
 * The package's Node scripts, as absolute paths: they are plain JavaScript in `bin/`, next to
 * `src/` and `dist/` alike, so they run from a source checkout and from an installed package without
 * a build. Resolved when the definition is made, so the command works from any working directory.
 */
const script = (name: string): string => fileURLToPath(new URL(`../bin/${name}`, import.meta.url))

export const SCRIPTS = {
  /** The embedded server (the container's fallback). */
  embedded: script('embedded-postgres.mjs'),
  /** The embedded server's reset. */
  reset: script('reset.mjs'),
  /** The migrations job: the user's command, then the template refreshed. */
  migrate: script('migrate.mjs'),
} as const
