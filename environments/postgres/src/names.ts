/**
 * The names the preset gives databases, and the checks on the names users give it. The same rules
 * are written in JavaScript in `bin/lib/databases.mjs` (the scripts run without a build).
 */

/** The database a reset re-creates `database` from. */
export function templateOf(database: string): string {
  return `${database}_template`
}

/** The database of one test worker: `app_w3`. */
export function workerDatabaseOf(database: string, workerId: string): string {
  return `${database}_w${workerId}`
}

/** A regular expression (for `~` in SQL) that matches the worker databases of `database`. */
export function workerPatternOf(database: string): string {
  return `^${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_w[0-9]+$`
}

/** The database to connect to while `database` is dropped or copied. */
export function adminDatabaseOf(database: string): string {
  return database === 'postgres' ? 'template1' : 'postgres'
}

/** `"name"`, for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `'text'`, for SQL. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

// PostgreSQL truncates names at 63 bytes; the template and worker suffixes must still fit.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/
const MAX_DATABASE = 63 - '_template'.length
const MAX_USER = 63

/**
 * Throws a `TypeError` that names the option and the fix when a user, password or database cannot
 * be used as given. Names are plain identifiers, so they are safe in SQL, shell scripts and URLs
 * once quoted; the password may be anything but a template (`{{`).
 */
export function checkCredentials(options: { user: string; password: string; database: string }): void {
  const { user, password, database } = options
  if (!IDENTIFIER.test(user) || user.length > MAX_USER) {
    throw new TypeError(
      `postgres({ user: ${JSON.stringify(user)} }): use letters, digits, "_" and "-", starting with a letter or "_", at most ${MAX_USER} characters`,
    )
  }
  if (!IDENTIFIER.test(database) || database.length > MAX_DATABASE) {
    throw new TypeError(
      `postgres({ database: ${JSON.stringify(database)} }): use letters, digits, "_" and "-", starting with a letter or "_", at most ${MAX_DATABASE} characters (the template adds "_template")`,
    )
  }
  if (password === '' || password.includes('{{') || password.includes('}}')) {
    throw new TypeError(
      'postgres({ password }): give a non-empty password without "{{" or "}}" (hearth reads those as templates)',
    )
  }
}
