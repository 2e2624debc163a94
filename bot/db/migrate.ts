import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from 'pino';

/** Every `.sql` file here is a migration, applied in the order of its numeric prefix (0001_, 0002_, 0100_...). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export interface MigrateOptions {
  /**
   * Where to connect: the server itself, not a transaction pooler (PgBouncer) - the lock below is a
   * session lock, and a pooler could run the lock and the unlock on different server connections.
   */
  databaseUrl: string;
  logger: Logger;
  /** Default {@link MIGRATIONS_DIR}. */
  dir?: string;
  /** Tag of the migration connection in pg_stat_activity. Default `botcap-migrate`. */
  applicationName?: string;
}

/**
 * Brings the schema up to date with node-pg-migrate's programmatic runner.
 *
 * Several instances start at once in a capacity run, so they race to migrate. node-pg-migrate
 * takes `pg_advisory_lock(7241865325823964)` on its own connection before it reads which
 * migrations ran; with `advisoryLockMode: 'wait'` the losers block on that lock (instead of the
 * default `fail`, which would crash them), then find nothing left to do. All pending files run in
 * one transaction, so a failed file leaves the schema as it was.
 *
 * @example
 * const applied = await migrate({ databaseUrl: config.database.url, logger });
 * // ['0001_users_turns_sessions', '0002_digest_slots', ...] on a fresh database, [] afterwards
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const log = options.logger.child({ component: 'migrate' });
  // Imported on demand: instances started with migrate off (every instance of a `botcap run`, whose orchestrator
  // migrates once) never load node-pg-migrate.
  const { runner } = await import('node-pg-migrate');
  const clientConfig: pg.ClientConfig = {
    connectionString: options.databaseUrl,
    application_name: options.applicationName ?? 'botcap-migrate',
  };
  const applied = await runner({
    databaseUrl: clientConfig,
    dir: options.dir ?? MIGRATIONS_DIR,
    // Dotfiles and anything not ending in .sql (a README, editor backups) are not migrations.
    ignorePattern: '(\\..*|.*(?<!\\.sql))',
    migrationsTable: 'pgmigrations',
    direction: 'up',
    singleTransaction: true,
    advisoryLockMode: 'wait',
    // Two owners number their files in separate ranges (0001+ core, 0100+ digests): a database that
    // already ran 0100 must still accept a core 0003 written later, so a gap is not an error.
    checkOrder: false,
    logger: {
      debug: (msg: string) => log.debug(msg),
      info: (msg: string) => log.debug(msg),
      warn: (msg: string) => log.warn(msg),
      error: (msg: string) => log.error(msg),
    },
  });
  const names = applied.map((m) => m.name);
  if (names.length > 0) log.info({ applied: names }, 'schema migrated');
  return names;
}
