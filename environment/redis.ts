import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { EnvironmentError } from '../common/errors.ts';
import { findOnPath, probeDockerEngine, probeRedis } from '../common/probes.ts';
import { redactUrl } from '../common/redact.ts';
import { type ComponentHandle, once } from './component.ts';
import type { RunResource } from './run-registry.ts';
import { startProcess } from './supervisor.ts';
import { freePort, makeTempDir, onProcessExit, removeDir, waitFor, withDeadline } from './util.ts';

export interface RedisOptions {
  /** An existing Redis (`--redis-url`): checked with PING, nothing is started. */
  url?: string;
  /** 'auto' (default): `redis-server` on PATH, else a container; or force 'binary' / 'docker'. */
  runtime?: 'auto' | 'binary' | 'docker';
  /** Docker image for the container. Default redis:7. */
  dockerImage?: string;
  /** Where `redis.out.log` / `.err.log` go. Default: not written. */
  logDir?: string;
  /** Readiness deadline. Default 15,000 ms (60,000 for a container). */
  startTimeoutMs?: number;
  /** Told what a server botcap starts leaves if botcap dies (its process, temp dir and port), as soon as it exists. */
  onResource?: (resource: RunResource) => void;
}

export const REDIS_DEFAULTS = { runtime: 'auto', dockerImage: 'redis:7', startTimeoutMs: 15_000 } as const;

/**
 * The run's Redis (only the redis-lock scheduler strategy needs one).
 *
 * @example
 * const redis = await startRedis(); // redis-server on a free port, no persistence
 * process.env.REDIS_URL = redis.url;
 * await redis.stop();
 */
export interface RedisHandle extends ComponentHandle {
  readonly url: string;
  readonly safeUrl: string;
}

/** Whether PING on `url` answers PONG (one attempt, no reconnects). */
export async function pingRedis(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

/** Starts (or attaches to) Redis. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisHandle> {
  const timeoutMs = options.startTimeoutMs ?? REDIS_DEFAULTS.startTimeoutMs;
  if (options.url) {
    const url = options.url;
    await waitFor(`Redis at ${redactUrl(url)}`, () => pingRedis(url), { timeoutMs, intervalMs: 100 });
    return {
      name: 'redis',
      url,
      safeUrl: redactUrl(url),
      pids: () => [],
      stop: async () => undefined,
      forceStop: () => undefined,
    };
  }
  const runtime = options.runtime ?? REDIS_DEFAULTS.runtime;
  const binary = runtime === 'docker' ? undefined : await findOnPath('redis-server');
  if (binary) return startBinaryRedis(binary, options);
  if (runtime === 'binary' || !(await probeDockerEngine()).available) {
    const probe = await probeRedis();
    throw new EnvironmentError(`Redis is needed but ${probe.detail} and no Docker engine answers; ${probe.howToGet}`);
  }
  return startDockerRedis(options);
}

async function startBinaryRedis(binary: string, options: RedisOptions): Promise<RedisHandle> {
  const dir = await makeTempDir('redis');
  const unregisterExitHook = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  options.onResource?.({ kind: 'dir', path: dir });
  options.onResource?.({ kind: 'port', name: 'redis', port });
  try {
    const proc = await startProcess({
      name: 'redis',
      command: binary,
      // No persistence: a run's locks are throwaway, and RDB/AOF writes would distort timings.
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      logDir: options.logDir,
      ready: { kind: 'port', port },
      readyTimeoutMs: options.startTimeoutMs ?? REDIS_DEFAULTS.startTimeoutMs,
      onSpawn: (pid) => options.onResource?.({ kind: 'process', name: 'redis', pid, group: true }),
      yieldsCpu: true,
    });
    const url = `redis://127.0.0.1:${port}`;
    const stop = once(async () => {
      await proc.stop();
      unregisterExitHook();
      await removeDir(dir);
    });
    try {
      await waitFor(`redis-server on :${port}`, () => pingRedis(url), { timeoutMs: 5_000 });
    } catch (error) {
      await stop();
      throw error;
    }
    return {
      name: 'redis',
      url,
      safeUrl: url,
      pids: () => proc.pids(),
      stop,
      forceStop: () => {
        proc.forceStop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    unregisterExitHook();
    await removeDir(dir);
    throw error;
  }
}

async function startDockerRedis(options: RedisOptions): Promise<RedisHandle> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const image = options.dockerImage ?? REDIS_DEFAULTS.dockerImage;
  const started = await withDeadline(`Redis container (${image})`, Math.max(60_000, options.startTimeoutMs ?? 0), () =>
    new RedisContainer(image).start(),
  );
  const url = started.getConnectionUrl();
  return {
    name: 'redis',
    url,
    safeUrl: redactUrl(url),
    pids: () => [],
    stop: once(async () => {
      await started.stop().catch(() => undefined);
    }),
    forceStop: () => undefined,
  };
}
