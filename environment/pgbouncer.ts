import { rmSync } from 'node:fs';
import { access, chmod, chown, constants, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { EnvironmentError } from '../common/errors.ts';
import { findOnPath, probePgBouncer } from '../common/probes.ts';
import { redactUrl } from '../common/redact.ts';
import { type ComponentHandle, once } from './component.ts';
import type { PostgresHandle } from './postgres.ts';
import type { RunResource } from './run-registry.ts';
import { startProcess } from './supervisor.ts';
import { freePort, makeTempDir, onProcessExit, removeDir, serverRunAs, waitFor, withDeadline } from './util.ts';

export type PoolMode = 'session' | 'transaction' | 'statement';

export interface PgBouncerOptions {
  /** An existing PgBouncer (`--pgbouncer-url`): used as is, nothing is started. */
  url?: string;
  /** 'binary' (default: `pgbouncer` on PATH or /usr/sbin) or 'docker' (needs the docker Postgres). */
  runtime?: 'binary' | 'docker';
  /** Default 'transaction', what managed poolers (Neon, Supabase) run. */
  poolMode?: PoolMode;
  /** Server connections per user/database pair. Default 20 (PgBouncer's default). */
  defaultPoolSize?: number;
  /** Client connections PgBouncer accepts. Default 100 (PgBouncer's default). */
  maxClientConn?: number;
  /** Server connections per database across users; 0 = unlimited. Default 0. */
  maxDbConnections?: number;
  /** Where `pgbouncer.out.log` / `.err.log` go. Default: not written. */
  logDir?: string;
  /** Docker image for runtime 'docker'. Default edoburu/pgbouncer:latest. */
  dockerImage?: string;
  /** Readiness deadline. Default 15,000 ms. */
  startTimeoutMs?: number;
  /** Told what a server botcap starts leaves if botcap dies (its process, temp dir and port), as soon as it exists. */
  onResource?: (resource: RunResource) => void;
}

export const PGBOUNCER_DEFAULTS = {
  runtime: 'binary',
  poolMode: 'transaction',
  defaultPoolSize: 20,
  maxClientConn: 100,
  maxDbConnections: 0,
  dockerImage: 'edoburu/pgbouncer:latest',
  startTimeoutMs: 15_000,
} as const;

/**
 * A PgBouncer in front of the run's Postgres.
 *
 * @example
 * const bouncer = await startPgBouncer(db, { defaultPoolSize: 10, maxClientConn: 1000 });
 * // give bots bouncer.url instead of db.url; sampler still reads pg_stat_activity on db.adminUrl
 */
export interface PgBouncerHandle extends ComponentHandle {
  /** Same user and database as the Postgres `url`, through PgBouncer. Contains the password. */
  readonly url: string;
  readonly safeUrl: string;
  readonly poolMode: PoolMode;
}

/** The `pgbouncer` executable, or an EnvironmentError saying how to get it. */
export async function findPgBouncer(): Promise<string> {
  const onPath = await findOnPath('pgbouncer');
  if (onPath) return onPath;
  try {
    await access('/usr/sbin/pgbouncer', constants.X_OK);
    return '/usr/sbin/pgbouncer';
  } catch {
    const probe = await probePgBouncer();
    throw new EnvironmentError(`PgBouncer is not installed (${probe.detail}); ${probe.howToGet}`);
  }
}

/** Starts (or attaches to) PgBouncer for `postgres`. */
export async function startPgBouncer(
  postgres: PostgresHandle,
  options: PgBouncerOptions = {},
): Promise<PgBouncerHandle> {
  const timeoutMs = options.startTimeoutMs ?? PGBOUNCER_DEFAULTS.startTimeoutMs;
  if (options.url) {
    const url = options.url;
    await waitUntilServing(url, timeoutMs);
    return {
      name: 'pgbouncer',
      url,
      safeUrl: redactUrl(url),
      poolMode: options.poolMode ?? PGBOUNCER_DEFAULTS.poolMode,
      pids: () => [],
      stop: async () => undefined,
      forceStop: () => undefined,
    };
  }
  if ((options.runtime ?? PGBOUNCER_DEFAULTS.runtime) === 'docker') return startDockerPgBouncer(postgres, options);
  return startBinaryPgBouncer(postgres, options);
}

/** Polls `SELECT 1` through the pooler until it answers. */
async function waitUntilServing(url: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `PgBouncer at ${redactUrl(url)}`,
    async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** `"user" "password"` with PgBouncer's quoting (a `"` is doubled). */
const userlistLine = (user: string, password: string) =>
  `"${user.replaceAll('"', '""')}" "${password.replaceAll('"', '""')}"`;

/** The generated pgbouncer.ini: 127.0.0.1 only, no unix socket, every database passed through to the server. */
export function pgBouncerIni(settings: {
  upstreamHost: string;
  upstreamPort: number;
  listenPort: number;
  authType: 'trust' | 'scram-sha-256';
  authFile: string;
  adminUser: string;
  poolMode: PoolMode;
  defaultPoolSize: number;
  maxClientConn: number;
  maxDbConnections: number;
}): string {
  return [
    '[databases]',
    `* = host=${settings.upstreamHost} port=${settings.upstreamPort}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${settings.listenPort}`,
    'unix_socket_dir =',
    `auth_type = ${settings.authType}`,
    `auth_file = ${settings.authFile}`,
    `admin_users = ${settings.adminUser}`,
    `stats_users = ${settings.adminUser}`,
    `pool_mode = ${settings.poolMode}`,
    `default_pool_size = ${settings.defaultPoolSize}`,
    `max_client_conn = ${settings.maxClientConn}`,
    `max_db_connections = ${settings.maxDbConnections}`,
    // JDBC and some Python drivers send it; PgBouncer would otherwise refuse the login.
    'ignore_startup_parameters = extra_float_digits',
    '',
  ].join('\n');
}

async function startBinaryPgBouncer(postgres: PostgresHandle, options: PgBouncerOptions): Promise<PgBouncerHandle> {
  const binary = await findPgBouncer();
  // PgBouncer refuses root; as root it drops to the postgres user with -u, which must read its files.
  const runAs = await serverRunAs();
  const dir = await makeTempDir('pgbouncer', runAs);
  options.onResource?.({ kind: 'dir', path: dir });
  const unregisterExitHook = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
  const cleanup = () => {
    unregisterExitHook();
    return removeDir(dir);
  };
  try {
    const app = new URL(postgres.url);
    const admin = new URL(postgres.adminUrl);
    const users = new Map([
      [decodeURIComponent(app.username), decodeURIComponent(app.password)],
      [decodeURIComponent(admin.username), decodeURIComponent(admin.password)],
    ]);
    const authFile = join(dir, 'userlist.txt');
    const iniFile = join(dir, 'pgbouncer.ini');
    const listenPort = await freePort();
    options.onResource?.({ kind: 'port', name: 'pgbouncer', port: listenPort });
    const poolMode = options.poolMode ?? PGBOUNCER_DEFAULTS.poolMode;
    await writeFile(authFile, `${[...users].map(([user, password]) => userlistLine(user, password)).join('\n')}\n`, {
      mode: 0o600,
    });
    await writeFile(
      iniFile,
      pgBouncerIni({
        upstreamHost: app.hostname,
        upstreamPort: Number(app.port || 5432),
        listenPort,
        // Trust only when the server itself needs no password (an external server on trust auth).
        authType: app.password ? 'scram-sha-256' : 'trust',
        authFile,
        adminUser: decodeURIComponent(admin.username),
        poolMode,
        defaultPoolSize: options.defaultPoolSize ?? PGBOUNCER_DEFAULTS.defaultPoolSize,
        maxClientConn: options.maxClientConn ?? PGBOUNCER_DEFAULTS.maxClientConn,
        maxDbConnections: options.maxDbConnections ?? PGBOUNCER_DEFAULTS.maxDbConnections,
      }),
      { mode: 0o600 },
    );
    if (runAs) {
      for (const file of [authFile, iniFile]) await chown(file, runAs.uid, runAs.gid);
      await chmod(dir, 0o700);
    }
    const proc = await startProcess({
      name: 'pgbouncer',
      command: binary,
      args: [...(runAs ? ['-u', runAs.user] : []), iniFile],
      logDir: options.logDir,
      secrets: [...users.values()],
      ready: { kind: 'port', port: listenPort },
      readyTimeoutMs: options.startTimeoutMs ?? PGBOUNCER_DEFAULTS.startTimeoutMs,
      onSpawn: (pid) => options.onResource?.({ kind: 'process', name: 'pgbouncer', pid, group: true }),
      yieldsCpu: true,
    });
    const url = new URL(postgres.url);
    url.hostname = '127.0.0.1';
    url.port = String(listenPort);
    const stop = once(async () => {
      // SIGTERM = PgBouncer's fast exit: drops clients, closes server connections.
      await proc.stop();
      await cleanup();
    });
    try {
      await waitUntilServing(url.toString(), options.startTimeoutMs ?? PGBOUNCER_DEFAULTS.startTimeoutMs);
    } catch (error) {
      await stop();
      throw error;
    }
    return {
      name: 'pgbouncer',
      url: url.toString(),
      safeUrl: redactUrl(url.toString()),
      poolMode,
      pids: () => proc.pids(),
      stop,
      forceStop: () => {
        proc.forceStop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function startDockerPgBouncer(postgres: PostgresHandle, options: PgBouncerOptions): Promise<PgBouncerHandle> {
  if (!postgres.docker) {
    throw new EnvironmentError(
      'a PgBouncer container needs the PostgreSQL container (--runtime docker); with embedded or --database-url Postgres use the pgbouncer binary or --pgbouncer-url',
    );
  }
  const { requireDockerEngine } = await import('./postgres-docker.ts');
  await requireDockerEngine('a PgBouncer container');
  const { GenericContainer, Wait } = await import('testcontainers');
  type Network = import('testcontainers').StartedNetwork;
  const app = new URL(postgres.url);
  const poolMode = options.poolMode ?? PGBOUNCER_DEFAULTS.poolMode;
  const timeoutMs = options.startTimeoutMs ?? PGBOUNCER_DEFAULTS.startTimeoutMs;
  const image = options.dockerImage ?? PGBOUNCER_DEFAULTS.dockerImage;
  const started = await withDeadline(`PgBouncer container (${image})`, Math.max(timeoutMs, 60_000), () =>
    new GenericContainer(image)
      .withNetwork(postgres.docker!.network as Network)
      // edoburu/pgbouncer renders its pgbouncer.ini and userlist.txt from these variables.
      .withEnvironment({
        DB_HOST: postgres.docker!.host,
        DB_PORT: String(postgres.docker!.port),
        DB_USER: decodeURIComponent(app.username),
        DB_PASSWORD: decodeURIComponent(app.password),
        AUTH_TYPE: 'scram-sha-256',
        POOL_MODE: poolMode,
        DEFAULT_POOL_SIZE: String(options.defaultPoolSize ?? PGBOUNCER_DEFAULTS.defaultPoolSize),
        MAX_CLIENT_CONN: String(options.maxClientConn ?? PGBOUNCER_DEFAULTS.maxClientConn),
        MAX_DB_CONNECTIONS: String(options.maxDbConnections ?? PGBOUNCER_DEFAULTS.maxDbConnections),
        LISTEN_PORT: '6432',
        IGNORE_STARTUP_PARAMETERS: 'extra_float_digits',
      })
      .withExposedPorts(6432)
      .withWaitStrategy(Wait.forListeningPorts())
      .start(),
  );
  const url = new URL(postgres.url);
  url.hostname = started.getHost();
  url.port = String(started.getMappedPort(6432));
  const stop = once(async () => {
    await started.stop().catch(() => undefined);
  });
  try {
    await waitUntilServing(url.toString(), timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name: 'pgbouncer',
    url: url.toString(),
    safeUrl: redactUrl(url.toString()),
    poolMode,
    pids: () => [],
    stop,
    forceStop: () => undefined,
  };
}
