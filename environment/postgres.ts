import pg from 'pg';
import { EnvironmentError } from '../common/errors.ts';
import { redactUrl } from '../common/redact.ts';
import { type ComponentHandle, once } from './component.ts';
import type { RunResource } from './run-registry.ts';
import { randomToken } from './util.ts';

/** Where the run's PostgreSQL comes from. */
export type PostgresRuntime = 'embedded' | 'docker' | 'url';

/**
 * A running PostgreSQL that the run may use, however it was started.
 *
 * @example
 * const db = await startPostgres({ runtime: 'embedded', maxConnections: 100 });
 * console.error(db.safeUrl); // postgres://botcap_app:***@127.0.0.1:41237/botcap
 * await db.stop();
 */
export interface PostgresHandle extends ComponentHandle {
  readonly runtime: PostgresRuntime;
  /** What the bot gets (DATABASE_URL): the run's own database and, when botcap owns the server, a non-superuser role. Contains the password. */
  readonly url: string;
  /** `url` with the password masked: the only form that may be printed. */
  readonly safeUrl: string;
  /** A superuser (or the given user for `url`) on the same server, for the sampler and teardown. Contains the password. */
  readonly adminUrl: string;
  /** The run's database name. */
  readonly database: string;
  /** The server's `max_connections`: set by botcap for embedded/docker, read for an external server. */
  readonly maxConnections: number;
  /** Slots only superusers may use (`superuser_reserved_connections` + `reserved_connections`): a non-superuser app sees 53300 at `maxConnections - reservedConnections`. */
  readonly reservedConnections: number;
  /**
   * Only where botcap owns the server (embedded, docker): shuts it down the way a restart does (fast shutdown:
   * every session ended, the data kept), waits `downRealMs`, starts it again on the same port with the same
   * data, and resolves once it accepts connections, with one phrase of what was done. Absent for `url`.
   */
  readonly restart?: (downRealMs: number) => Promise<string>;
  /** For a docker Postgres: where containers on the same network reach it (PgBouncer in a container). */
  readonly docker?: DockerPostgresAddress;
}

/** How a container on the run's Docker network reaches the Postgres container. */
export interface DockerPostgresAddress {
  /** The testcontainers `StartedNetwork` (typed loosely so this module does not load testcontainers). */
  readonly network: unknown;
  readonly host: string;
  readonly port: number;
}

export interface PostgresOptions {
  /** embedded (default), docker, or url (needs `databaseUrl`). */
  runtime?: PostgresRuntime;
  /** An existing server for runtime 'url'; the run creates and later drops its own database there. */
  databaseUrl?: string;
  /** `max_connections` for a server botcap starts. Default 100, as on a small managed plan. */
  maxConnections?: number;
  /** Docker image for runtime 'docker'. Default postgres:16. */
  dockerImage?: string;
  /** Startup deadline. Default 60,000 ms (a first docker pull can be slow). */
  startTimeoutMs?: number;
  /** Receives the server's log lines (already redacted). Default: dropped. */
  onLog?: (line: string) => void;
  /** Told what a server botcap starts leaves if botcap dies (its data dir, its port), before it starts. */
  onResource?: (resource: RunResource) => void;
}

export const POSTGRES_DEFAULTS = {
  runtime: 'embedded',
  maxConnections: 100,
  dockerImage: 'postgres:16',
  startTimeoutMs: 60_000,
  appRole: 'botcap_app',
  appDatabase: 'botcap',
  runDatabasePrefix: 'botcap_run_',
  applicationName: 'botcap-admin',
} as const;

/**
 * Starts (or attaches to) the run's PostgreSQL.
 *
 * @example
 * const db = await startPostgres({ runtime: 'url', databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres' });
 * // db.database === 'botcap_run_3f9a1c2b4d5e'; dropped again by db.stop()
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  const runtime = options.runtime ?? (options.databaseUrl ? 'url' : POSTGRES_DEFAULTS.runtime);
  if (runtime === 'url') {
    if (!options.databaseUrl) throw new EnvironmentError('runtime "url" needs --database-url');
    return attachExternalPostgres(options.databaseUrl, options.onResource);
  }
  if (runtime === 'docker') {
    const { startDockerPostgres } = await import('./postgres-docker.ts');
    return startDockerPostgres(options);
  }
  const { startEmbeddedPostgres } = await import('./postgres-embedded.ts');
  return startEmbeddedPostgres(options);
}

/** Connects a single admin client, turning failures into an EnvironmentError without the password. */
export async function connectAdmin(url: string, what: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: POSTGRES_DEFAULTS.applicationName,
    connectionTimeoutMillis: 10_000,
  });
  // A server that goes away mid-run must not crash the generator through an unhandled 'error'.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvironmentError(`cannot connect to ${what} at ${redactUrl(url)}: ${reason}`);
  }
}

/** `max_connections` and the slots reserved for superusers (PG16 added `reserved_connections`). */
export async function readConnectionLimits(client: pg.Client): Promise<{ max: number; reserved: number }> {
  const { rows } = await client.query<{ max: string; su: string; r: string | null }>(
    `SELECT current_setting('max_connections') AS max,
            current_setting('superuser_reserved_connections') AS su,
            current_setting('reserved_connections', true) AS r`,
  );
  const row = rows[0]!;
  return { max: Number(row.max), reserved: Number(row.su) + Number(row.r ?? 0) };
}

/** Replaces the database (and optionally the credentials) of a connection URL. */
export function withDatabase(url: string, database: string, user?: string, password?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user !== undefined) parsed.username = encodeURIComponent(user);
  if (password !== undefined) parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/**
 * On a server botcap owns: a non-superuser login role and a database it owns. The bot connects as that
 * role so, as on a managed plan, it gets 53300 once the non-reserved slots are gone, and it can create
 * its tables (the owner may create in `public` since PG15).
 */
export async function provisionAppDatabase(
  adminUrl: string,
): Promise<{ url: string; database: string; limits: { max: number; reserved: number } }> {
  const client = await connectAdmin(adminUrl, 'PostgreSQL');
  try {
    const limits = await readConnectionLimits(client);
    const password = randomToken();
    const role = POSTGRES_DEFAULTS.appRole;
    const database = POSTGRES_DEFAULTS.appDatabase;
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
    await client.query(`CREATE DATABASE ${database} OWNER ${role}`);
    return { url: withDatabase(adminUrl, database, role, password), database, limits };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * An existing server: creates `botcap_run_<random>` owned by the URL's user and hands the bot that
 * database. `stop()` terminates the sessions on it and drops it; nothing else on the server is touched. If
 * botcap is killed, the run's reaper drops it (told of it through `onResource`).
 * `max_connections` is read, not set.
 */
export async function attachExternalPostgres(
  databaseUrl: string,
  onResource?: (resource: RunResource) => void,
): Promise<PostgresHandle> {
  const client = await connectAdmin(databaseUrl, 'the --database-url server');
  const database = `${POSTGRES_DEFAULTS.runDatabasePrefix}${randomToken(6)}`;
  let limits: { max: number; reserved: number };
  try {
    limits = await readConnectionLimits(client);
    // Listed before it exists: a botcap killed between the two leaves a name its reaper drops IF EXISTS.
    onResource?.({ kind: 'database', name: database, adminUrl: databaseUrl });
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvironmentError(
      `cannot create the run database on ${redactUrl(databaseUrl)} (the user needs CREATEDB): ${reason}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const url = withDatabase(databaseUrl, database);
  return {
    name: 'postgres',
    runtime: 'url',
    url,
    safeUrl: redactUrl(url),
    adminUrl: databaseUrl,
    database,
    maxConnections: limits.max,
    reservedConnections: limits.reserved,
    pids: () => [],
    stop: once(() => dropRunDatabase(databaseUrl, database)),
    forceStop: () => undefined,
  };
}

/** Terminates every session on the run database, then drops it; retries while a reconnecting bot races us. */
export async function dropRunDatabase(adminUrl: string, database: string): Promise<void> {
  const client = await connectAdmin(adminUrl, 'the --database-url server');
  try {
    for (let attempt = 1; ; attempt++) {
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)}`);
        return;
      } catch (error) {
        // 55006 object_in_use: a session connected between terminate and drop.
        if ((error as { code?: string }).code !== '55006' || attempt >= 5) throw error;
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
