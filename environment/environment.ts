import { rmSync } from 'node:fs';
import { EnvironmentError } from '../common/errors.ts';
import {
  type ProbeResult,
  probeDockerEngine,
  probeEmbeddedPostgres,
  probePgBouncer,
  probeRedis,
} from '../common/probes.ts';
import type { ComponentHandle } from './component.ts';
import { type PgBouncerHandle, type PgBouncerOptions, startPgBouncer } from './pgbouncer.ts';
import { POSTGRES_DEFAULTS, type PostgresHandle, type PostgresRuntime, startPostgres } from './postgres.ts';
import { type RedisHandle, type RedisOptions, startRedis } from './redis.ts';
import {
  describeReap,
  type ReapReport,
  RunRegistration,
  type RunResource,
  reapDeadRuns,
  reapedAnything,
} from './run-registry.ts';
import { type ManagedProcess, type ProcessSpec, Supervisor } from './supervisor.ts';
import { EnvironmentStopped, makeTempDir, onProcessExit, removeDir } from './util.ts';

export interface EnvironmentOptions {
  /** Where Postgres comes from. Default 'url' when `databaseUrl` is set, else 'embedded'. */
  runtime?: PostgresRuntime;
  /** `--database-url`: an existing server; the run creates and drops its own database there. */
  databaseUrl?: string;
  /** `max_connections` of a server botcap starts. Default 100 (a small managed plan). */
  maxConnections?: number;
  /** PgBouncer: false (default), true (binary; a container with runtime 'docker'), or settings / `{ url }`. */
  pgbouncer?: boolean | PgBouncerOptions;
  /** Redis: false (default), true (redis-server, else a container), or settings / `{ url }` for `--redis-url`. */
  redis?: boolean | RedisOptions;
  /** Simulated seconds per real second, handed to the bots. Default 1. Never applies to Postgres. */
  timeScale?: number;
  /** Per-process log files. Default: a temp dir removed by stop(). */
  logDir?: string;
  /** Install SIGINT/SIGTERM handlers while the environment runs. Default true. */
  handleSignals?: boolean;
  /** After a signal-triggered teardown, exit with 128+signal. Default true; false = only abort `signal`. */
  exitOnSignal?: boolean;
  /** Deadline for each component's start. Default 60,000 ms. */
  startTimeoutMs?: number;
  /** Progress for the CLI (and the teardown test). */
  onEvent?: (event: EnvironmentEvent) => void;
  /**
   * The run registry (environment/run-registry.ts): clean after runs that died, list what this one starts, and
   * start a reaper that cleans up if botcap is killed. Default true; the registry's dir is under os.tmpdir().
   */
  registry?: boolean;
}

export const ENVIRONMENT_DEFAULTS = {
  maxConnections: POSTGRES_DEFAULTS.maxConnections,
  timeScale: 1,
  handleSignals: true,
  exitOnSignal: true,
  startTimeoutMs: 60_000,
  registry: true,
} as const;

export type EnvironmentEvent =
  | { type: 'starting'; component: string }
  | { type: 'started'; component: string; pids: number[] }
  | { type: 'ready' }
  /** What a run that died had left, cleaned before this one starts. */
  | { type: 'cleaned'; report: ReapReport; description: string }
  | { type: 'signal'; signal: NodeJS.Signals; forced: boolean }
  | { type: 'stopped' };

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Fails fast, before anything starts, with ONE message listing every missing component and how to get it.
 *
 * @example
 * await checkEnvironment({ pgbouncer: true }); // EnvironmentError: "- PgBouncer: ... -> apt-get install pgbouncer ..."
 */
export async function checkEnvironment(options: EnvironmentOptions): Promise<void> {
  const runtime = options.runtime ?? (options.databaseUrl ? 'url' : 'embedded');
  const missing: ProbeResult[] = [];
  const need = async (probe: Promise<ProbeResult>) => {
    const result = await probe;
    if (!result.available) missing.push(result);
  };
  if (runtime === 'url' && !options.databaseUrl) {
    throw new EnvironmentError('runtime "url" needs --database-url postgres://user:password@host:port/db');
  }
  if (runtime === 'embedded') await need(probeEmbeddedPostgres());
  if (runtime === 'docker') await need(probeDockerEngine());
  const bouncer = options.pgbouncer;
  if (bouncer && (bouncer === true || !bouncer.url)) {
    const docker = bouncer !== true && bouncer.runtime === 'docker';
    if (!docker && runtime !== 'docker') await need(probePgBouncer());
  }
  const redis = options.redis;
  if (redis && (redis === true || !redis.url) && runtime !== 'docker') {
    const [binary, engine] = await Promise.all([probeRedis(), probeDockerEngine()]);
    if (!binary.available && !engine.available) missing.push(binary);
  }
  if (missing.length > 0) {
    const lines = missing.map((m) => `  - ${m.component}: ${m.detail} -> ${m.howToGet}`);
    throw new EnvironmentError(`this run needs components that are missing:\n${lines.join('\n')}`);
  }
}

/**
 * Everything a run needs besides the in-process fakes: Postgres, then PgBouncer, then Redis, then the
 * bot processes; torn down in reverse order by `stop()` (idempotent) or by the first SIGINT/SIGTERM.
 * A second signal kills what is left at once and exits.
 *
 * @example
 * const env = await Environment.start({ maxConnections: 100, pgbouncer: { defaultPoolSize: 20 } });
 * try {
 *   await env.startProcess({ name: 'bot-1', command: process.execPath, args: ['bin/botcap.js', 'bot'],
 *     env: { DATABASE_URL: env.databaseUrl }, ready: { kind: 'http', url: 'http://127.0.0.1:8081/healthz' } });
 *   // ... drive load, sample ...
 * } finally {
 *   await env.stop();
 * }
 */
export class Environment {
  readonly supervisor = new Supervisor({
    onSpawn: (name, pid) => this.registration?.add({ kind: 'process', name, pid, group: true }),
  });
  /** Aborted on SIGINT/SIGTERM and by stop(): the run loop's cue to end early. */
  readonly signal: AbortSignal;
  readonly timeScale: number;
  private readonly abort = new AbortController();
  private readonly components: ComponentHandle[] = [];
  private tempLogDir: string | undefined;
  private starting: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private signalsSeen = 0;
  private postgresHandle: PostgresHandle | undefined;
  private pgbouncerHandle: PgBouncerHandle | undefined;
  private redisHandle: RedisHandle | undefined;
  private logDirPath = '';
  private unregisterExitHook: () => void = () => undefined;
  private registration: RunRegistration | undefined;

  private constructor(private readonly options: EnvironmentOptions) {
    this.signal = this.abort.signal;
    this.timeScale = options.timeScale ?? ENVIRONMENT_DEFAULTS.timeScale;
  }

  /** Checks prerequisites, then starts the components in order. On failure, whatever started is stopped. */
  static async start(options: EnvironmentOptions = {}): Promise<Environment> {
    await checkEnvironment(options);
    const env = new Environment(options);
    if (options.registry ?? ENVIRONMENT_DEFAULTS.registry) await env.openRegistry();
    if (options.handleSignals ?? ENVIRONMENT_DEFAULTS.handleSignals) env.installSignalHandlers();
    // Exiting without stop() (an uncaught exception) still kills what we started and removes temp dirs.
    env.unregisterExitHook = onProcessExit(() => env.forceStop());
    const starting = env.startComponents();
    env.starting = starting.catch(() => undefined);
    try {
      await starting;
      return env;
    } catch (error) {
      // Read before stop(), which aborts the signal too: only a signal that came first makes this an interrupt.
      // A server that refused us is a failure (exit 1), not a Ctrl-C (130).
      const interrupted = env.signal.aborted;
      // Errors surface only once teardown is complete, so a caller that exits on them leaves nothing behind.
      await env.stop().catch(() => undefined);
      if (interrupted && !(error instanceof EnvironmentStopped)) {
        throw new EnvironmentStopped(`stopped while starting: ${error instanceof Error ? error.message : error}`);
      }
      throw error;
    }
  }

  get postgres(): PostgresHandle {
    if (!this.postgresHandle) throw new EnvironmentError('PostgreSQL is not started');
    return this.postgresHandle;
  }

  get pgbouncer(): PgBouncerHandle | undefined {
    return this.pgbouncerHandle;
  }

  get redis(): RedisHandle | undefined {
    return this.redisHandle;
  }

  /** What the bots get as DATABASE_URL: through PgBouncer when there is one. Contains the password. */
  get databaseUrl(): string {
    return this.pgbouncerHandle?.url ?? this.postgres.url;
  }

  get logDir(): string {
    return this.logDirPath;
  }

  /**
   * Every local process of the run, for the sampler (containers and external servers have none). The
   * Postgres server is marked `withChildren`: its work happens in backend processes, not the postmaster.
   */
  processes(): Array<{ name: string; pid: number; withChildren: boolean }> {
    const all = [...this.components, ...this.supervisor.list()];
    return all.flatMap((c) => c.pids().map((pid) => ({ name: c.name, pid, withChildren: c.name === 'postgres' })));
  }

  /** Cleans what dead runs left, then lists this run in the registry with a reaper beside it. */
  private async openRegistry(): Promise<void> {
    // This run's --database-url is the credential for the databases dead runs left on the same server.
    const adminUrls = this.options.databaseUrl === undefined ? [] : [this.options.databaseUrl];
    for (const report of await reapDeadRuns(undefined, { adminUrls })) {
      if (reapedAnything(report))
        this.options.onEvent?.({ type: 'cleaned', report, description: describeReap(report) });
    }
    this.registration = RunRegistration.open();
  }

  /** Starts a supervised process (a bot instance) with its logs in `logDir`. */
  async startProcess(spec: ProcessSpec): Promise<ManagedProcess> {
    if (this.stopping) throw new EnvironmentStopped('the environment is stopping');
    this.options.onEvent?.({ type: 'starting', component: spec.name });
    let managed: ManagedProcess;
    try {
      // A process the run starts is the system under test's (a bot instance): the lab gets a core first.
      managed = await this.supervisor.start({ logDir: this.logDirPath, yieldsCpu: true, ...spec });
    } catch (error) {
      const stopping = this.stopping as Promise<void> | undefined;
      if (!stopping) throw error;
      await stopping.catch(() => undefined);
      throw error instanceof EnvironmentStopped
        ? error
        : new EnvironmentStopped(`${spec.name}: stopped while starting`);
    }
    this.options.onEvent?.({ type: 'started', component: spec.name, pids: managed.pids() });
    return managed;
  }

  /** Stops processes, then Redis, PgBouncer and Postgres; removes temp dirs. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  private async startComponents(): Promise<void> {
    const options = this.options;
    const timeoutMs = options.startTimeoutMs ?? ENVIRONMENT_DEFAULTS.startTimeoutMs;
    if (options.logDir) {
      this.logDirPath = options.logDir;
    } else {
      this.tempLogDir = await makeTempDir('logs');
      this.logDirPath = this.tempLogDir;
      this.registration?.add({ kind: 'dir', path: this.tempLogDir });
    }
    const runtime = options.runtime ?? (options.databaseUrl ? 'url' : 'embedded');
    const onResource = (resource: RunResource) => this.registration?.add(resource);
    this.postgresHandle = await this.track('postgres', () =>
      startPostgres({
        runtime,
        databaseUrl: options.databaseUrl,
        maxConnections: options.maxConnections ?? ENVIRONMENT_DEFAULTS.maxConnections,
        startTimeoutMs: timeoutMs,
        onResource,
      }),
    );
    if (options.pgbouncer) {
      const settings = options.pgbouncer === true ? {} : options.pgbouncer;
      const postgres = this.postgresHandle;
      this.pgbouncerHandle = await this.track('pgbouncer', () =>
        startPgBouncer(postgres, {
          runtime: runtime === 'docker' ? 'docker' : 'binary',
          logDir: this.logDirPath,
          onResource,
          ...settings,
        }),
      );
    }
    if (options.redis) {
      const settings = options.redis === true ? {} : options.redis;
      this.redisHandle = await this.track('redis', () =>
        startRedis({
          runtime: runtime === 'docker' ? 'docker' : 'auto',
          logDir: this.logDirPath,
          onResource,
          ...settings,
        }),
      );
    }
    this.options.onEvent?.({ type: 'ready' });
  }

  /** Starts one component, records it for teardown, and stops early if a signal arrived meanwhile. */
  private async track<T extends ComponentHandle>(name: string, start: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) throw new EnvironmentStopped(`stopped before ${name} started`);
    this.options.onEvent?.({ type: 'starting', component: name });
    const handle = await start();
    this.components.push(handle);
    this.options.onEvent?.({ type: 'started', component: name, pids: handle.pids() });
    if (this.signal.aborted) throw new EnvironmentStopped(`stopped while ${name} was starting`);
    return handle;
  }

  private async teardown(): Promise<void> {
    this.abort.abort();
    // A component mid-start finishes starting (or fails) first, so it lands on the stack and is stopped.
    await this.starting;
    const errors: unknown[] = [];
    await this.supervisor.stopAll().catch((error: unknown) => errors.push(error));
    for (const component of [...this.components].reverse()) {
      await component.stop().catch((error: unknown) => errors.push(error));
    }
    if (this.tempLogDir) await removeDir(this.tempLogDir);
    // Only after everything is down: until then, if we are killed, the reaper still has the whole list.
    await this.registration?.close();
    this.unregisterExitHook();
    this.removeSignalHandlers();
    this.options.onEvent?.({ type: 'stopped' });
    if (errors.length > 0) {
      const messages = errors.map((e) => (e instanceof Error ? e.message : String(e)));
      throw new EnvironmentError(`teardown finished with errors: ${messages.join('; ')}`);
    }
  }

  /** Second signal: no waiting, kill everything we know of and remove temp dirs synchronously. */
  private forceStop(): void {
    this.supervisor.forceStopAll();
    for (const component of [...this.components].reverse()) component.forceStop();
    if (this.tempLogDir) rmSync(this.tempLogDir, { recursive: true, force: true });
  }

  private readonly onSignal = (signal: NodeJS.Signals) => {
    const forced = this.signalsSeen++ > 0;
    this.options.onEvent?.({ type: 'signal', signal, forced });
    const code = 128 + (SIGNAL_NUMBERS[signal as keyof typeof SIGNAL_NUMBERS] ?? 2);
    if (forced) {
      this.forceStop();
      process.exit(code);
    }
    const exit = this.options.exitOnSignal ?? ENVIRONMENT_DEFAULTS.exitOnSignal;
    this.stop()
      .catch(() => undefined)
      .finally(() => {
        if (exit) process.exit(code);
      });
  };

  private installSignalHandlers(): void {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  private removeSignalHandlers(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
