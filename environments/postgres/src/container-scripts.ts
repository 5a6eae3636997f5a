import { adminDatabaseOf, quoteIdent, quoteLiteral, templateOf, workerPatternOf } from './names.js'

/**
 * Shell scripts that run inside the postgres container (`/bin/sh -c`), with the container's env
 * (POSTGRES_USER, POSTGRES_PASSWORD). They connect over TCP to 127.0.0.1 inside the container, like a
 * test would from outside (the official image's first start runs a temporary server on the Unix
 * socket only). Readiness is no script: hearth asks the published port from the host.
 */
const CONNECT = 'export PGHOST=127.0.0.1 PGUSER="$POSTGRES_USER" PGPASSWORD="$POSTGRES_PASSWORD"'

/**
 * The reset (the psql twin of `resetDatabase` in bin/lib/databases.mjs): worker databases dropped;
 * then `database` dropped and re-created from `<database>_template`, or, with no template yet, the
 * template taken from `database` as it is. While the template is copied nobody may connect to the
 * source; connections are allowed again afterwards, also when the script stopped half-way.
 */
export function resetScript(database: string): string {
  const db = quoteIdent(database)
  const template = quoteIdent(templateOf(database))
  const sql = [
    `SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database WHERE datname ~ ${quoteLiteral(workerPatternOf(database))} \\gexec`,
    `SELECT EXISTS (SELECT FROM pg_database WHERE datname = ${quoteLiteral(templateOf(database))}) AS has_template \\gset`,
    '\\if :has_template',
    `DROP DATABASE IF EXISTS ${db} WITH (FORCE);`,
    `CREATE DATABASE ${db} TEMPLATE ${template};`,
    '\\echo reset: re-created from the template',
    '\\else',
    `ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS false;`,
    `SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE datname = ${quoteLiteral(database)} AND pid <> pg_backend_pid() \\gset`,
    `CREATE DATABASE ${template} TEMPLATE ${db};`,
    `ALTER DATABASE ${template} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false;`,
    `ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS true;`,
    '\\echo reset: no template yet, so it was taken from the database as it is',
    '\\endif',
  ].join('\n')
  return [
    CONNECT,
    `export PGDATABASE=${adminDatabaseOf(database)}`,
    `psql -X -q -v ON_ERROR_STOP=1 <<'SQL'`,
    sql,
    'SQL',
    'status=$?',
    // Stopped half-way: the database must not stay closed to connections.
    `[ $status -eq 0 ] || psql -X -q -c ${shellQuote(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS true`)} >/dev/null 2>&1`,
    'exit $status',
  ].join('\n')
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}
