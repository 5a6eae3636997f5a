/** The server the tests use. hearth hands it to them (the `postgres` environment's testEnv). */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL
  if (!url)
    throw new Error(
      'DATABASE_URL is not set: start a PostgreSQL server (`hearth up postgres`) and export its URL',
    )
  return url
}
