import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { procStatFields } from '../common/proc-stat-fields.ts';
import { isAlive, isGroupAlive, randomToken, signalQuietly, waitFor } from './util.ts';

/**
 * The run registry: one JSON file per live run under `<os temp dir>/botcap-runs/`, naming botcap's pid and
 * everything the run started that could outlive it (process groups, the embedded PostgreSQL's data dir, temp
 * dirs, ports). A run that ends normally deletes its file. A run killed with SIGKILL cannot, so two things read
 * the file instead: the run's reaper (a small detached process that notices botcap's death when the pipe from
 * botcap closes, and cleans up at once), and the next `botcap run` / `botcap doctor` (for when the reaper died
 * too). Both kill only processes whose start time still matches the record, so a reused pid is never hit.
 */

export const RUN_REGISTRY_DEFAULTS = {
  /** Under os.tmpdir(), which TMPDIR moves: one registry per temp dir, as the data dirs it lists. */
  dirName: 'botcap-runs',
  /** Between PostgreSQL's immediate-shutdown signal (SIGQUIT) and SIGKILL. */
  quitGraceMs: 3_000,
  /** How long the reaper waits, once the pipe closed, for botcap's process to be gone. */
  ownerExitGraceMs: 2_000,
  /** How long a run's clean stop waits for its reaper to exit. */
  reaperExitMs: 5_000,
} as const;

/** Something a run started that must not outlive it, reported as soon as it exists (before it is ready). */
export type RunResource =
  /** A process; `group`: it leads its own process group (botcap's detached children), killed as a group. */
  | { kind: 'process'; name: string; pid: number; group: boolean }
  /** A PostgreSQL data dir: the server's pid is read from its postmaster.pid at cleanup time. */
  | { kind: 'postgres-data'; dir: string }
  /** A temp dir to remove. */
  | { kind: 'dir'; path: string }
  /** A port the run listens on (for the report of what a cleanup freed). */
  | { kind: 'port'; name: string; port: number }
  /**
   * The run's database on a server botcap does not own (`--database-url`). The file records its name and the
   * server without the password; the admin URL goes to the reaper through its pipe, never to disk.
   */
  | { kind: 'database'; name: string; adminUrl: string };

interface RecordedProcess {
  name: string;
  pid: number;
  group: boolean;
  /** Start time from /proc (clock ticks since boot); undefined where /proc is missing. */
  startTicks: string | undefined;
}

/** One run's file in the registry. */
export interface RunRecord {
  version: 1;
  runId: string;
  ownerPid: number;
  ownerStartTicks: string | undefined;
  startedAt: string;
  processes: RecordedProcess[];
  postgresDataDirs: string[];
  dirs: string[];
  ports: Array<{ name: string; port: number }>;
  /** Run databases on external servers; absent in records written before they were listed. */
  databases?: RecordedDatabase[];
}

/** A run database on an external server: its name and the server as `user@host:port`, no password. */
export interface RecordedDatabase {
  name: string;
  server: string;
}

/** What a cleanup did, for the line that says so. */
export interface ReapReport {
  runId: string;
  ownerPid: number;
  startedAt: string;
  killed: Array<{ name: string; pid: number }>;
  removedDirs: string[];
  ports: Array<{ name: string; port: number }>;
  droppedDatabases: RecordedDatabase[];
  /**
   * Databases it could not drop: no credentials for their server (the reaper died too, and no run has used
   * that server since) or the drop failed. The record stays in the registry for the next run that has them.
   */
  leftDatabases: Array<RecordedDatabase & { why: string }>;
}

/**
 * The server of a connection URL as `user@host:port`: what a registry file may record (no password, no
 * database), and how a later run's `--database-url` is matched to a dead run's databases.
 *
 * @example
 * serverOf('postgres://app:secret@db.example.com/prod') // 'app@db.example.com:5432'
 */
export function serverOf(url: string): string {
  const parsed = new URL(url);
  return `${decodeURIComponent(parsed.username) || 'postgres'}@${parsed.hostname}:${parsed.port || '5432'}`;
}

export function runRegistryDir(): string {
  return join(tmpdir(), RUN_REGISTRY_DEFAULTS.dirName);
}

/** A pid's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined when gone or not Linux. */
export function processStartTicks(pid: number): string | undefined {
  return procStatFields(pid)?.[19];
}

/** Whether `pid` is still the process that was recorded (alive, and started at the recorded time). */
function isSameProcess(pid: number, startTicks: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  return startTicks === undefined || processStartTicks(pid) === startTicks;
}

/**
 * The live run's entry in the registry, and its reaper.
 *
 * @example
 * const registration = RunRegistration.open();
 * registration.add({ kind: 'process', name: 'bot-1', pid, group: true });
 * // ... the run ...
 * registration.close(); // deletes the entry, lets the reaper go
 */
export class RunRegistration {
  readonly file: string;
  private readonly record: RunRecord;
  private reaper: ChildProcess | undefined;
  private closed = false;

  private constructor(
    dir: string,
    private readonly writeFailed: (error: unknown) => void,
  ) {
    const runId = `${process.pid}-${randomToken(4)}`;
    this.file = join(dir, `${runId}.json`);
    this.record = {
      version: 1,
      runId,
      ownerPid: process.pid,
      ownerStartTicks: processStartTicks(process.pid),
      startedAt: new Date().toISOString(),
      processes: [],
      postgresDataDirs: [],
      dirs: [],
      ports: [],
    };
  }

  /**
   * Writes this run's entry and starts its reaper. A registry that cannot be written is reported through
   * `onError` and the run goes on: the registry is a safety net, not a condition of running.
   */
  static open(options: { dir?: string; reaper?: boolean; onError?: (error: unknown) => void } = {}): RunRegistration {
    const dir = options.dir ?? runRegistryDir();
    const registration = new RunRegistration(dir, options.onError ?? (() => undefined));
    try {
      mkdirSync(dir, { recursive: true, mode: 0o1777 });
    } catch (error) {
      registration.writeFailed(error);
    }
    registration.write();
    if (options.reaper ?? true) registration.startReaper();
    return registration;
  }

  get runId(): string {
    return this.record.runId;
  }

  add(resource: RunResource): void {
    if (this.closed) return;
    const record = this.record;
    if (resource.kind === 'process') {
      const { name, pid, group } = resource;
      record.processes.push({ name, pid, group, startTicks: processStartTicks(pid) });
    } else if (resource.kind === 'postgres-data') record.postgresDataDirs.push(resource.dir);
    else if (resource.kind === 'dir') record.dirs.push(resource.path);
    else if (resource.kind === 'database') {
      record.databases = [...(record.databases ?? []), { name: resource.name, server: serverOf(resource.adminUrl) }];
      this.tellReaper({ database: resource.name, adminUrl: resource.adminUrl });
    } else record.ports.push({ name: resource.name, port: resource.port });
    this.write();
  }

  /** The run ended and cleaned up after itself: the entry goes, and the reaper, told so, exits. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    rmSync(this.file, { force: true });
    const reaper = this.reaper;
    if (reaper === undefined || reaper.exitCode !== null || reaper.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => reaper.once('exit', () => resolve()));
    reaper.stdin?.end();
    // Nothing of the run outlives its stop, the reaper included; it needs only to read that the file is gone.
    await waitFor('the run reaper to exit', async () => reaper.exitCode !== null || reaper.signalCode !== null, {
      timeoutMs: RUN_REGISTRY_DEFAULTS.reaperExitMs,
    }).catch(() => reaper.kill('SIGKILL'));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100).unref())]);
  }

  /** One JSON line down the reaper's pipe: what it needs and the file must not hold (credentials). */
  private tellReaper(message: ReaperMessage): void {
    const stdin = this.reaper?.stdin;
    if (stdin === undefined || stdin === null || stdin.destroyed) return;
    stdin.write(`${JSON.stringify(message)}\n`);
  }

  private write(): void {
    const temporary = `${this.file}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(this.record), { mode: 0o600 });
      renameSync(temporary, this.file);
    } catch (error) {
      this.writeFailed(error);
    }
  }

  /**
   * The reaper: `botcap run-reaper <file>`, detached (its own session: a terminal's Ctrl-C or a CI job's group
   * kill does not reach it), reading a pipe from us. The pipe's end closes when we exit however we exit, SIGKILL
   * included; the reaper then cleans what the file still lists. Its stderr is ours, so it says what it cleaned
   * where the run's output went.
   */
  private startReaper(): void {
    try {
      const reaper = spawn(process.execPath, [BOTCAP_BIN, 'run-reaper', this.file], {
        detached: true,
        stdio: ['pipe', 'ignore', 'inherit'],
      });
      reaper.on('error', (error) => this.writeFailed(error));
      // Neither the reaper nor its pipe may keep this process alive.
      reaper.unref();
      (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      reaper.stdin?.on('error', () => undefined);
      this.reaper = reaper;
    } catch (error) {
      this.writeFailed(error);
    }
  }
}

/** What botcap tells its reaper through the pipe, one JSON object per line. */
interface ReaperMessage {
  database: string;
  adminUrl: string;
}

const BOTCAP_BIN = fileURLToPath(new URL('../bin/botcap.js', import.meta.url));

function readRecord(file: string): RunRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    return record.version === 1 ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the botcap that wrote the record is still running. */
export function isOwnerAlive(record: RunRecord): boolean {
  return isSameProcess(record.ownerPid, record.ownerStartTicks);
}

/** The postmaster's pid from a data dir's postmaster.pid, if that server still runs. */
function postmasterOf(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    // A stale postmaster.pid can name a reused pid: the live server's command line names its data dir.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Admin URLs a cleanup may use to drop a dead run's databases on external servers. */
export interface ReapCredentials {
  /** By database name: what the reaper was told through its pipe. */
  byDatabase?: ReadonlyMap<string, string>;
  /** Any server's admin URL (a later run's `--database-url`): used for the databases on that server. */
  adminUrls?: readonly string[];
}

/**
 * Cleans what a dead run left: kills its processes (bots and other groups first, PostgreSQL last with an
 * immediate shutdown), removes its data and temp dirs, drops its databases on external servers where it has
 * their credentials, and deletes its registry file; a record of the databases it could not drop stays.
 */
export async function reapRun(file: string, record: RunRecord, credentials: ReapCredentials = {}): Promise<ReapReport> {
  const killed: ReapReport['killed'] = [];
  for (const p of record.processes) {
    const leaderAlive = isSameProcess(p.pid, p.startTicks);
    // A group outlives its leader when a child of it (a shell's child) lives on; Linux does not reuse a pid
    // that still names a process group, so a group with no leader is still this run's.
    const orphanGroup = p.group && !isAlive(p.pid) && isGroupAlive(p.pid);
    if (!leaderAlive && !orphanGroup) continue;
    signalQuietly(p.group ? -p.pid : p.pid, 'SIGKILL');
    killed.push({ name: p.name, pid: p.pid });
  }
  // Gone before their dirs are removed: a dying process can still write a file into them.
  await waitFor('the killed processes to exit', async () => killed.every((k) => !isAlive(k.pid)), {
    timeoutMs: RUN_REGISTRY_DEFAULTS.quitGraceMs,
  }).catch(() => undefined);
  for (const dataDir of record.postgresDataDirs) {
    const pid = postmasterOf(dataDir);
    if (pid === undefined) continue;
    // Immediate shutdown: the postmaster takes its backends down with it.
    signalQuietly(pid, 'SIGQUIT');
    killed.push({ name: 'postgres', pid });
    await waitFor(`postgres ${pid} to exit`, async () => !isAlive(pid), {
      timeoutMs: RUN_REGISTRY_DEFAULTS.quitGraceMs,
    }).catch(() => signalQuietly(pid, 'SIGKILL'));
  }
  const removedDirs: string[] = [];
  for (const dir of [...record.postgresDataDirs, ...record.dirs]) {
    if (!exists(dir)) continue;
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    removedDirs.push(dir);
  }
  const { droppedDatabases, leftDatabases } = await dropDatabases(record.databases ?? [], credentials);
  if (leftDatabases.length === 0) rmSync(file, { force: true });
  else {
    // What is still there is only the databases: the next run with their server's URL finishes the job.
    const rest: RunRecord = {
      ...record,
      processes: [],
      postgresDataDirs: [],
      dirs: [],
      ports: [],
      databases: leftDatabases.map(({ name, server }) => ({ name, server })),
    };
    writeFileSync(file, JSON.stringify(rest), { mode: 0o600 });
  }
  return {
    runId: record.runId,
    ownerPid: record.ownerPid,
    startedAt: record.startedAt,
    killed,
    removedDirs,
    ports: record.ports,
    droppedDatabases,
    leftDatabases,
  };
}

async function dropDatabases(
  databases: readonly RecordedDatabase[],
  credentials: ReapCredentials,
): Promise<Pick<ReapReport, 'droppedDatabases' | 'leftDatabases'>> {
  const droppedDatabases: RecordedDatabase[] = [];
  const leftDatabases: ReapReport['leftDatabases'] = [];
  for (const database of databases) {
    const adminUrl =
      credentials.byDatabase?.get(database.name) ??
      credentials.adminUrls?.find((url) => sameServer(url, database.server));
    if (adminUrl === undefined) {
      leftDatabases.push({ ...database, why: `no credentials for ${database.server}` });
      continue;
    }
    try {
      // Loaded here, not at the top: the reaper's bundle stays small for the runs that never need it.
      const { dropRunDatabase } = await import('./postgres.ts');
      await dropRunDatabase(adminUrl, database.name);
      droppedDatabases.push(database);
    } catch (error) {
      leftDatabases.push({ ...database, why: error instanceof Error ? error.message : String(error) });
    }
  }
  return { droppedDatabases, leftDatabases };
}

function sameServer(url: string, server: string): boolean {
  try {
    return serverOf(url) === server;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Every registry file whose botcap is gone, with its record. */
export function findDeadRuns(dir = runRegistryDir()): Array<{ file: string; record: RunRecord }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    if (!name.endsWith('.json')) return [];
    const file = join(dir, name);
    const record = readRecord(file);
    if (record === undefined) return [];
    return isOwnerAlive(record) ? [] : [{ file, record }];
  });
}

/**
 * Cleans after every run whose botcap died without cleaning up (SIGKILL, a crash, a power cut); runs whose
 * botcap is alive are left alone. Returns what was done, one report per dead run (empty reports included).
 *
 * @example
 * for (const report of await reapDeadRuns()) console.error(describeReap(report));
 */
export async function reapDeadRuns(dir = runRegistryDir(), credentials: ReapCredentials = {}): Promise<ReapReport[]> {
  const reports: ReapReport[] = [];
  for (const { file, record } of findDeadRuns(dir)) reports.push(await reapRun(file, record, credentials));
  return reports;
}

/** Whether a cleanup found anything still there and removed it. */
export function reapedAnything(report: ReapReport): boolean {
  return report.killed.length > 0 || report.removedDirs.length > 0 || report.droppedDatabases.length > 0;
}

/**
 * The run databases dead runs left on external servers that nothing could drop yet, one line each with how to
 * drop it: for `botcap doctor`.
 *
 * @example
 * describeLeftDatabases(reports) // ['botcap_run_3f9a1c2b4d5e on postgres@db.example.com:5432 (no credentials ...): ...']
 */
export function describeLeftDatabases(reports: readonly ReapReport[]): string[] {
  return reports.flatMap((report) =>
    report.leftDatabases.map(
      (d) =>
        `a run that died (botcap pid ${report.ownerPid}, started ${report.startedAt}) left database ${d.name} on ` +
        `${d.server} (${d.why}): the next botcap run with a --database-url for that server drops it, or run ` +
        `DROP DATABASE ${d.name} there`,
    ),
  );
}

/**
 * One line saying what was cleaned after a dead run.
 *
 * @example
 * describeReap(report) // 'cleaned up after a run that died (botcap pid 4242, started 2026-12-03T13:00:00.000Z) ...): killed bot-1 (pid 4250), postgres (pid 4251); removed /tmp/botcap-pg-1a2b'
 */
export function describeReap(report: ReapReport): string {
  const what = `cleaned up after a run that died (botcap pid ${report.ownerPid}, started ${report.startedAt})`;
  if (!reapedAnything(report)) return `${what}: it had left nothing`;
  const parts: string[] = [];
  if (report.killed.length > 0) {
    parts.push(`killed ${report.killed.map((k) => `${k.name} (pid ${k.pid})`).join(', ')}`);
  }
  if (report.removedDirs.length > 0) parts.push(`removed ${report.removedDirs.join(', ')}`);
  if (report.droppedDatabases.length > 0)
    parts.push(`dropped ${report.droppedDatabases.map((d) => `database ${d.name} on ${d.server}`).join(', ')}`);
  if (report.killed.length > 0 && report.ports.length > 0) {
    parts.push(`freed ports ${report.ports.map((p) => `${p.port} (${p.name})`).join(', ')}`);
  }
  return `${what}: ${parts.join('; ')}`;
}

/**
 * The reaper's body (`botcap run-reaper <file>`): waits for the pipe from botcap to close, then, if botcap is
 * gone and its file is still there, cleans up after it and says what it cleaned on `out`.
 */
export async function runReaper(file: string, input: NodeJS.ReadableStream, out: NodeJS.WritableStream): Promise<void> {
  const byDatabase = new Map<string, string>();
  let pending = '';
  await new Promise<void>((resolve) => {
    input.on('data', (chunk: Buffer | string) => {
      pending += String(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const message = parseReaperMessage(line);
        if (message !== undefined) byDatabase.set(message.database, message.adminUrl);
      }
    });
    input.on('end', resolve);
    input.on('close', resolve);
    input.on('error', () => resolve());
  });
  const record = readRecord(file);
  // No file: the run cleaned up itself.
  if (record === undefined) return;
  // The pipe closes while the kernel is still tearing botcap down: give its death a moment to show. An owner
  // still alive after that closed the pipe on purpose.
  const dead = await waitFor('botcap to exit', async () => !isOwnerAlive(record), {
    timeoutMs: RUN_REGISTRY_DEFAULTS.ownerExitGraceMs,
  }).catch(() => false);
  if (!dead) return;
  const report = await reapRun(file, record, { byDatabase });
  if (reapedAnything(report)) out.write(`botcap run-reaper: ${describeReap(report)}\n`);
  for (const line of describeLeftDatabases([report])) out.write(`botcap run-reaper: ${line}\n`);
}

function parseReaperMessage(line: string): ReaperMessage | undefined {
  try {
    const message = JSON.parse(line) as Partial<ReaperMessage>;
    return typeof message.database === 'string' && typeof message.adminUrl === 'string'
      ? { database: message.database, adminUrl: message.adminUrl }
      : undefined;
  } catch {
    return undefined;
  }
}
