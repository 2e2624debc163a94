import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import pidusage from 'pidusage';
import { request } from 'undici';
import { CpuMeter, ProcStat } from './proc-stat.ts';
import { type PromSample, parsePrometheusText, sumOf } from './prometheus.ts';
import type { SampleSource } from './sampler.ts';

export const SOURCE_DEFAULTS = {
  scrapeTimeoutMs: 800,
  /** The bots' connection-error counter (labels summed); the reference bot exports it per SQLSTATE. */
  connectionErrorsMetric: 'bot_db_connection_errors_total',
  /** prom-client's default process_/nodejs_ metrics are left out: the process source measures CPU and RSS. */
  excludePrefixes: ['process_', 'nodejs_'],
  /** ...except the event-loop lag: the wait every callback of an update meets in a busy bot (loadgen/fidelity). */
  keepNames: ['nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_p99_seconds'],
  probeTimeoutMs: 800,
  applicationName: 'botcap-sampler',
  eventLoopResolutionMs: 10,
} as const;

export interface BotTarget {
  /** e.g. 'bot-1'. */
  instance: string;
  /** Full URL of its /metrics. */
  url: string;
}

export interface BotMetricsSample {
  instance: string;
  /** Whether /metrics answered 200 and parsed. */
  up: boolean;
  scrapeMs: number;
  /** Sum of the connection-error counter over its labels; undefined when the bot does not export it. */
  connectionErrorsTotal: number | undefined;
  samples: PromSample[];
  /** Why it is down. */
  error?: string;
}

/**
 * Scrapes every bot's `/metrics`. Targets are read each tick, so restarted or added instances appear.
 *
 * @example
 * botMetricsSource(() => [{ instance: 'bot-1', url: 'http://127.0.0.1:8081/metrics' }])
 */
export function botMetricsSource(
  targets: () => readonly BotTarget[],
  options: { scrapeTimeoutMs?: number; connectionErrorsMetric?: string; include?: (name: string) => boolean } = {},
): SampleSource<BotMetricsSample[]> {
  const timeoutMs = options.scrapeTimeoutMs ?? SOURCE_DEFAULTS.scrapeTimeoutMs;
  const errorsMetric = options.connectionErrorsMetric ?? SOURCE_DEFAULTS.connectionErrorsMetric;
  const include =
    options.include ??
    ((name: string) =>
      (SOURCE_DEFAULTS.keepNames as readonly string[]).includes(name) ||
      !SOURCE_DEFAULTS.excludePrefixes.some((prefix) => name.startsWith(prefix)));
  const scrape = async (target: BotTarget): Promise<BotMetricsSample> => {
    const started = performance.now();
    try {
      // undici's request, not fetch: fetch wraps every response in web streams, which made each tick's
      // scrapes a busy stretch on the generator's loop, whose lag is part of every run's fidelity verdict.
      const response = await request(target.url, { signal: AbortSignal.timeout(timeoutMs) });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`HTTP ${response.statusCode}`);
      }
      const all = parsePrometheusText(await response.body.text());
      return {
        instance: target.instance,
        up: true,
        scrapeMs: Math.round(performance.now() - started),
        connectionErrorsTotal: sumOf(all, errorsMetric),
        samples: all.filter((s) => include(s.name)),
      };
    } catch (error) {
      return {
        instance: target.instance,
        up: false,
        scrapeMs: Math.round(performance.now() - started),
        connectionErrorsTotal: undefined,
        samples: [],
        error: error instanceof Error ? error.message : String(error),
      };
    }
  };
  return { collect: () => Promise.all(targets().map(scrape)) };
}

export interface PostgresActivitySample {
  /** Client backends on the whole server: what counts against max_connections (the sampler's own included). */
  clientConnections: number;
  maxConnections: number;
  byState: Array<{ state: string; connections: number }>;
  byApplication: Array<{ database: string; user: string; applicationName: string; connections: number }>;
  /** Client backends waiting on a heavyweight lock. */
  lockWaits: number;
}

/**
 * `pg_stat_activity` counts through ONE dedicated admin connection, held for the whole run: it occupies
 * a slot of max_connections (a superuser slot when the admin is a superuser), so budget for it.
 *
 * @example
 * postgresActivitySource({ adminUrl: env.postgres.adminUrl })
 */
export function postgresActivitySource(options: { adminUrl: string }): SampleSource<PostgresActivitySample> {
  let client: pg.Client | undefined;
  const connect = async () => {
    const fresh = new pg.Client({
      connectionString: options.adminUrl,
      application_name: SOURCE_DEFAULTS.applicationName,
      connectionTimeoutMillis: SOURCE_DEFAULTS.probeTimeoutMs,
    });
    // Reconnect on the next tick rather than crash the generator if the server drops us.
    fresh.on('error', () => {
      if (client === fresh) client = undefined;
    });
    await fresh.connect();
    client = fresh;
    return fresh;
  };
  return {
    async collect() {
      const db = client ?? (await connect());
      const [rows, max] = await Promise.all([
        db.query<{ state: string; database: string; user: string; app: string; n: number; locks: number }>(
          `SELECT coalesce(state, 'unknown') AS state, coalesce(datname, '') AS database,
                  coalesce(usename, '') AS user, coalesce(application_name, '') AS app,
                  count(*)::int AS n, (count(*) FILTER (WHERE wait_event_type = 'Lock'))::int AS locks
             FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2, 3, 4`,
        ),
        db.query<{ max: string }>("SELECT current_setting('max_connections') AS max"),
      ]);
      const byState = new Map<string, number>();
      for (const row of rows.rows) byState.set(row.state, (byState.get(row.state) ?? 0) + row.n);
      return {
        clientConnections: rows.rows.reduce((sum, row) => sum + row.n, 0),
        maxConnections: Number(max.rows[0]!.max),
        byState: [...byState].map(([state, connections]) => ({ state, connections })),
        byApplication: rows.rows.map((row) => ({
          database: row.database,
          user: row.user,
          applicationName: row.app,
          connections: row.n,
        })),
        lockWaits: rows.rows.reduce((sum, row) => sum + row.locks, 0),
      };
    },
    async close() {
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

export interface ConnectionProbeSample {
  /** Whether this tick's fresh connection succeeded. */
  ok: boolean;
  connectMs: number;
  /** SQLSTATE of this tick's failure (53300 = too many clients), or the network error code. */
  errorCode?: string;
  /** Refusals with SQLSTATE 53300 seen by the probe since the source was created. */
  tooManyClientsTotal: number;
  /** All failed probes since the source was created. */
  failuresTotal: number;
}

/**
 * Opens (and closes) one fresh connection per tick as the bots' user, to see what a bot opening a
 * connection would see: 53300 when max_connections is exhausted. It briefly takes a slot itself.
 *
 * @example
 * connectionProbeSource({ url: env.databaseUrl })
 */
export function connectionProbeSource(options: {
  url: string;
  timeoutMs?: number;
}): SampleSource<ConnectionProbeSample> {
  let tooManyClientsTotal = 0;
  let failuresTotal = 0;
  return {
    async collect() {
      const started = performance.now();
      const client = new pg.Client({
        connectionString: options.url,
        application_name: SOURCE_DEFAULTS.applicationName,
        connectionTimeoutMillis: options.timeoutMs ?? SOURCE_DEFAULTS.probeTimeoutMs,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return { ok: true, connectMs: Math.round(performance.now() - started), tooManyClientsTotal, failuresTotal };
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unknown';
        failuresTotal++;
        if (code === '53300') tooManyClientsTotal++;
        return {
          ok: false,
          connectMs: Math.round(performance.now() - started),
          errorCode: code,
          tooManyClientsTotal,
          failuresTotal,
        };
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

export interface ProcessStatsSample {
  name: string;
  pid: number;
  /**
   * Percent of one core since the previous sample (can exceed 100 on several cores); with children, the tree's,
   * children that exited since included (proc-stat.ts, CpuMeter).
   */
  cpuPercent: number;
  /** Resident memory; with children it is a sum, which counts shared memory (Postgres shared_buffers) more than once. */
  rssBytes: number;
  /** 1, or 1 + the live direct children measured with it. */
  processCount: number;
}

/** A process to measure; `withChildren` adds its direct children (Postgres does its work in backend processes). */
export interface ProcessTarget {
  name: string;
  pid: number;
  withChildren?: boolean;
}

/**
 * CPU % and RSS of every process in the run, the generator itself included as 'generator': from /proc read
 * synchronously on Linux (proc-stat.ts says why), through pidusage elsewhere. Processes that exited since the
 * target list was read are left out of that tick. CPU % is the share since the previous reading of that pid,
 * so a process seen for the first time reports its lifetime average once.
 *
 * @example
 * processStatsSource(() => env.processes())
 */
export function processStatsSource(
  targets: () => readonly ProcessTarget[],
  options: { includeGenerator?: boolean } = {},
): SampleSource<ProcessStatsSample[]> {
  const all = (): ProcessTarget[] => [
    ...((options.includeGenerator ?? true) ? [{ name: 'generator', pid: process.pid }] : []),
    ...targets(),
  ];
  const proc = ProcStat.open();
  return proc === undefined ? pidusageStats(all) : procStats(proc, all);
}

function procStats(proc: ProcStat, targets: () => readonly ProcessTarget[]): SampleSource<ProcessStatsSample[]> {
  const meter = new CpuMeter(proc);
  const measure = (target: ProcessTarget): ProcessStatsSample | undefined => {
    const tree = meter.sample(target.pid, target.withChildren ? proc.children(target.pid) : undefined);
    return tree === undefined ? undefined : { name: target.name, pid: target.pid, ...tree };
  };
  return {
    collect() {
      const measured = targets().flatMap((target) => measure(target) ?? []);
      meter.endTick();
      return measured;
    },
  };
}

/** Where there is no /proc: pidusage (ps on macOS, wmic on Windows), without children. */
function pidusageStats(targets: () => readonly ProcessTarget[]): SampleSource<ProcessStatsSample[]> {
  // pidusage's first call per process runs `getconf` in a shell for the clock tick and page size: on a
  // busy machine that alone outlasted a tick's timeout, so a run of a few real seconds had no CPU series
  // at all. Pay it now, while the load starts, not inside the first tick.
  const warmUp = pidusage(process.pid).catch(() => undefined);
  // A tick that timed out may still be reading when the sampler stops; pidusage.clear() under it would throw.
  let inFlight: Promise<unknown> = warmUp;
  const measure = async (target: ProcessTarget): Promise<ProcessStatsSample | undefined> => {
    const stats = await pidusage(target.pid).catch(() => undefined);
    if (stats === undefined) return undefined;
    return { name: target.name, pid: target.pid, cpuPercent: stats.cpu, rssBytes: stats.memory, processCount: 1 };
  };
  return {
    collect() {
      const measuring = warmUp
        .then(() => Promise.all(targets().map(measure)))
        .then((measured) => measured.filter((m): m is ProcessStatsSample => m !== undefined));
      inFlight = measuring.catch(() => undefined);
      return measuring;
    },
    async close() {
      await inFlight;
      pidusage.clear();
    },
  };
}

export interface EventLoopLagSample {
  meanMs: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The generator's own event-loop delay since the previous tick (perf_hooks.monitorEventLoopDelay): when
 * it grows, the load generator - not the system under test - is the bottleneck.
 *
 * @example
 * eventLoopLagSource() // { meanMs: 10.4, p99Ms: 12.1, maxMs: 15.3 } with a 10 ms resolution
 */
export function eventLoopLagSource(options: { resolutionMs?: number } = {}): SampleSource<EventLoopLagSample> {
  const histogram = monitorEventLoopDelay({
    resolution: options.resolutionMs ?? SOURCE_DEFAULTS.eventLoopResolutionMs,
  });
  histogram.enable();
  const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
  return {
    collect() {
      const sample = { meanMs: ms(histogram.mean), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) };
      histogram.reset();
      return sample;
    },
    close() {
      histogram.disable();
    },
  };
}
