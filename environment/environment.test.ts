import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../common/errors.ts';
import { probeDockerEngine, probePgBouncer, probeRedis } from '../common/probes.ts';
import { Environment, type EnvironmentEvent } from './environment.ts';
import { autogroupOf, SYSTEM_NICENESS_STEPS } from './priority.ts';
import { RUN_REGISTRY_DEFAULTS } from './run-registry.ts';
import { isAlive, waitFor } from './util.ts';

const CHILD = fileURLToPath(new URL('./testdata/env-child.ts', import.meta.url));
const hasPgBouncer = (await probePgBouncer()).available;
const hasRedis = (await probeRedis()).available;
const hasDocker = (await probeDockerEngine()).available;
if (!hasPgBouncer) console.warn('teardown tests run without PgBouncer: pgbouncer is not installed');

/** Live (non-zombie) processes whose environment carries `mark`: everything the child started, at any depth. */
async function processesMarked(mark: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.includes(`BOTCAP_TEARDOWN_MARK=${mark}`) && isAlive(pid)) found.push(pid);
  }
  return found;
}

type Line = EnvironmentEvent | { type: 'running'; processes: Array<{ name: string; pid: number }> };

/**
 * Runs testdata/env-child.ts with its own TMPDIR, sends SIGINT (`signals` times) when `when` matches an
 * event line, and returns what it saw; the child's whole process tree carries a mark in its environment.
 */
async function interruptChild(when: (line: Line) => boolean, signals = 1, wholeGroup = false, crash = false) {
  const tmp = await mkdtemp(join(tmpdir(), 'botcap-teardown-'));
  // As root, Postgres runs as the postgres user and must reach its data dir inside this one.
  await chmod(tmp, 0o755);
  const mark = randomUUID();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, ...(hasPgBouncer ? ['pgbouncer'] : []), ...(crash ? ['crash'] : [])],
    {
      env: { ...process.env, TMPDIR: tmp, BOTCAP_TEARDOWN_MARK: mark },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a "terminal Ctrl-C" can go to the whole group as a terminal sends it.
      detached: true,
    },
  );
  const lines: Line[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let buffer = '';
  let sent = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) {
      const line = JSON.parse(part) as Line;
      lines.push(line);
      if (!sent && when(line)) {
        sent = true;
        for (let i = 0; i < signals; i++) process.kill(wholeGroup ? -child.pid! : child.pid!, 'SIGINT');
      }
    }
  });
  const code = await exited;
  // After a crash the run's reaper cleans up, a moment after the child's exit.
  const leftovers = await waitFor(
    'the reaper to clean up',
    async () => {
      const marked = await processesMarked(mark);
      return marked.length === 0 ? marked : undefined;
    },
    { timeoutMs: 10_000 },
  ).catch(() => processesMarked(mark));
  // tsx keeps its compile cache in os.tmpdir(): not ours to clean. The run registry stays, emptied.
  const registry = join(tmp, RUN_REGISTRY_DEFAULTS.dirName);
  const files = [
    ...(await readdir(tmp)).filter((name) => !name.startsWith('tsx-') && name !== RUN_REGISTRY_DEFAULTS.dirName),
    ...(await readdir(registry).catch(() => [])),
  ];
  await rm(tmp, { recursive: true, force: true });
  return { code, lines, leftovers, files, sent, stderr };
}

const phases: Array<[string, (line: Line) => boolean, number, boolean?]> = [
  ['while Postgres initialises', (l) => l.type === 'starting' && l.component === 'postgres', 1],
  ['right after Postgres started', (l) => l.type === 'started' && l.component === 'postgres', 1],
  ...(hasPgBouncer
    ? [['right after PgBouncer started', (l: Line) => l.type === 'started' && l.component === 'pgbouncer', 1] as const]
    : []),
  ['while the bot starts', (l) => l.type === 'starting' && l.component === 'bot-1', 1],
  ['while running', (l) => l.type === 'running', 1],
  ['twice while running (forced)', (l) => l.type === 'running', 2],
  // A terminal's Ctrl-C reaches the whole foreground group: the embedded Postgres gets it directly too.
  [
    'to the whole process group while Postgres initialises',
    (l) => l.type === 'starting' && l.component === 'postgres',
    1,
    true,
  ],
  ['to the whole process group while running', (l) => l.type === 'running', 1, true],
] as Array<[string, (line: Line) => boolean, number, boolean?]>;

// Concurrent: each case is a separate child process with its own TMPDIR, and most of the time is initdb.
describe.concurrent('Ctrl-C at any moment leaves no orphan processes and no temp dirs', () => {
  it.each(phases)('SIGINT %s', async (_phase, when, signals, wholeGroup) => {
    const result = await interruptChild(when, signals, wholeGroup);
    expect(result.sent, result.stderr).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    expect(result.leftovers).toEqual([]);
    expect(result.files).toEqual([]);
    if (signals === 1) expect(result.lines.at(-1)).toMatchObject({ type: 'stopped' });
  });
});

describe('no teardown at all', () => {
  it('an uncaught exception while running still leaves no orphans and no temp dirs (exit hooks)', async () => {
    const result = await interruptChild(() => false, 0, false, true);
    expect(result.stderr).toContain('simulated crash');
    expect(result.code).toBe(1);
    expect(result.leftovers).toEqual([]);
    expect(result.files).toEqual([]);
  });
});

describe('Environment', () => {
  it('starts Postgres, PgBouncer and Redis in order and stops them in reverse, once', async () => {
    const events: EnvironmentEvent[] = [];
    const sigintListeners = process.listenerCount('SIGINT');
    const ourAutogroup = autogroupOf('self');
    const env = await Environment.start({
      maxConnections: 30,
      pgbouncer: hasPgBouncer ? { defaultPoolSize: 5 } : false,
      redis: hasRedis,
      onEvent: (e) => events.push(e),
    });
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners + 1);
    const started = events.filter((e) => e.type === 'started').map((e) => (e as { component: string }).component);
    expect(started).toEqual(['postgres', ...(hasPgBouncer ? ['pgbouncer'] : []), ...(hasRedis ? ['redis'] : [])]);
    expect(env.databaseUrl).toBe(hasPgBouncer ? env.pgbouncer!.url : env.postgres.url);
    const pids = env.processes().map((p) => p.pid);
    expect(pids.length).toBe(started.length);
    // The system under test yields the CPU to the lab: every process the environment started, a bot's too.
    const bot = await env.startProcess({ name: 'bot-1', command: 'sleep', args: ['30'] });
    const nicer = Math.min(19, getPriority() + SYSTEM_NICENESS_STEPS);
    expect([...pids, ...bot.pids()].map((pid) => getPriority(pid))).toEqual([...pids, ...bot.pids()].map(() => nicer));
    // Where the kernel groups sessions (autogroup), what runs in a session of its own is niced as a group too,
    // else its nice value would only order it within its own group; botcap's own group keeps its nice value.
    if (ourAutogroup !== undefined) {
      const ownSessions = [...pids.slice(1), ...bot.pids()];
      expect(ownSessions.map((pid) => autogroupOf(pid)?.nice)).toEqual(
        ownSessions.map(() => Math.min(19, ourAutogroup.nice + SYSTEM_NICENESS_STEPS)),
      );
      expect(autogroupOf(pids[0]!)).toEqual(ourAutogroup);
      expect(autogroupOf('self')).toEqual(ourAutogroup);
    }
    await Promise.all([env.stop(), env.stop()]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
    expect(env.signal.aborted).toBe(true);
    await expect(env.startProcess({ name: 'late', command: 'true' })).rejects.toThrow(/stopping/);
  });

  it.skipIf(hasDocker)('fails fast with one message naming what is missing and how to get it', async () => {
    const startedAt = performance.now();
    const error = await Environment.start({ runtime: 'docker' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/Docker engine: no engine answers .* -> start a Docker engine/);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
  });

  it('refuses runtime "url" without a URL', async () => {
    await expect(Environment.start({ runtime: 'url' })).rejects.toThrow(/needs --database-url/);
  });

  it('waitFor polls until the condition holds', async () => {
    let calls = 0;
    expect(await waitFor('third call', async () => ++calls >= 3 && calls, { intervalMs: 1 })).toBe(3);
  });
});
