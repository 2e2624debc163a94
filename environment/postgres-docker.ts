import { EnvironmentError } from '../common/errors.ts';
import { probeDockerEngine } from '../common/probes.ts';
import { redactUrl } from '../common/redact.ts';
import { once } from './component.ts';
import { POSTGRES_DEFAULTS, type PostgresHandle, type PostgresOptions, provisionAppDatabase } from './postgres.ts';
import { randomToken, withDeadline } from './util.ts';

/** Network alias of the Postgres container, for a PgBouncer container on the same network. */
export const DOCKER_POSTGRES_ALIAS = 'postgres';

/** Fails with the probe's advice when no Docker engine answers. */
export async function requireDockerEngine(forWhat: string): Promise<void> {
  const probe = await probeDockerEngine();
  if (!probe.available) {
    throw new EnvironmentError(
      `${forWhat} needs Docker, but ${probe.detail}; ${probe.howToGet}, or drop --runtime docker`,
    );
  }
}

/**
 * PostgreSQL in a testcontainers container (`postgres:16` by default) started with
 * `-c max_connections=N`, on its own Docker network so a PgBouncer container can reach it by alias.
 * testcontainers' reaper removes the container even if this process dies.
 *
 * @example
 * const db = await startDockerPostgres({ maxConnections: 100 });
 */
export async function startDockerPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  await requireDockerEngine('--runtime docker');
  const maxConnections = options.maxConnections ?? POSTGRES_DEFAULTS.maxConnections;
  const image = options.dockerImage ?? POSTGRES_DEFAULTS.dockerImage;
  const timeoutMs = options.startTimeoutMs ?? POSTGRES_DEFAULTS.startTimeoutMs;
  const { Network } = await import('testcontainers');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const password = randomToken();
  const network = await new Network().start();
  const started = await withDeadline(`PostgreSQL container (${image})`, timeoutMs, () =>
    new PostgreSqlContainer(image)
      .withNetwork(network)
      .withNetworkAliases(DOCKER_POSTGRES_ALIAS)
      .withUsername('postgres')
      .withPassword(password)
      .withDatabase('postgres')
      .withCommand(['postgres', '-c', `max_connections=${maxConnections}`])
      .withStartupTimeout(timeoutMs)
      .start(),
  ).catch(async (error: unknown) => {
    await network.stop().catch(() => undefined);
    throw error;
  });
  const stop = once(async () => {
    await started.stop().catch(() => undefined);
    await network.stop().catch(() => undefined);
  });
  try {
    const adminUrl = `postgres://postgres:${password}@${started.getHost()}:${started.getPort()}/postgres`;
    const app = await provisionAppDatabase(adminUrl);
    return {
      name: 'postgres',
      runtime: 'docker',
      url: app.url,
      safeUrl: redactUrl(app.url),
      adminUrl,
      database: app.database,
      maxConnections: app.limits.max,
      reservedConnections: app.limits.reserved,
      docker: { network, host: DOCKER_POSTGRES_ALIAS, port: 5432 },
      pids: () => [],
      restart: async (downRealMs: number) => {
        const down =
          downRealMs > 0 ? ' (a container restart does not pause: the down time asked for was not kept)' : '';
        const before = started.getPort();
        // The postgres image's stop signal is SIGINT (fast shutdown), given 10 s before a kill. `docker restart`
        // has no pause between stop and start: the server is down as long as the restart takes, not `downRealMs`.
        await started.restart({ timeout: 10 });
        const after = started.getPort();
        // Docker may publish the port anew on a restart: a bot that keeps the old URL then cannot reconnect.
        return after === before
          ? `container restarted (docker restart), port ${after} kept${down}`
          : `container restarted (docker restart); its host port moved from ${before} to ${after}, the bots' URL went stale${down}`;
      },
      stop,
      forceStop: () => undefined,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
