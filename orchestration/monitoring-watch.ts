import pg from 'pg';
import type { Clock } from '../common/clock.ts';
import type { TimeSeries } from '../contracts/run-result.ts';
import { POSTGRES_DEFAULTS } from '../environment/index.ts';
import type { FakeIngest } from '../fakes/ingest/index.ts';
import type { FakeTelegram } from '../fakes/telegram/index.ts';

/**
 * Where the team would read of an error, watched during the load: the admins' Telegram group (alerts the
 * fake delivered, alerts it refused 429), the error-tracking ingestion (events received) and the
 * `error_log` table (rows written). Each becomes a cumulative series on the load's simulated axis, so the
 * monitoring verdict reads "first told after the fault started" from the receiving side, never from what the
 * bot believes it sent. The series names are MONITORING_SERIES (reports/matrix/rules/monitoring.ts reads them).
 */

/** The series this watcher writes, by channel; source `monitoring`. */
export const MONITORING_SERIES = {
  alertsDelivered: 'monitoring_alerts_delivered_total',
  alertsRefused: 'monitoring_alerts_refused_total',
  eventsReceived: 'monitoring_events_received_total',
  errorLogRows: 'monitoring_error_log_rows_total',
} as const;

export interface MonitoringWatchOptions {
  clock: Clock;
  telegram: FakeTelegram;
  /** The admins' group the bot alerts (observability.alertChatId); undefined when alerts are off. */
  alertChatId: number | undefined;
  ingest: FakeIngest | undefined;
  /** The run database's URL when the bot writes the error log; undefined when off. */
  errorLogUrl: string | undefined;
  /** Real ms between looks. Default 250. */
  everyRealMs?: number;
}

export interface MonitoringWatch {
  /** Stops watching and returns the series (empty when no channel is on). */
  stop(): Promise<TimeSeries[]>;
}

/**
 * Starts watching from now (the load's start).
 *
 * @example
 * const watch = watchMonitoring({ clock, telegram, alertChatId: -100, ingest: undefined, errorLogUrl: undefined });
 * // ... the load ...
 * result.timeSeries.push(...(await watch.stop()));
 */
export function watchMonitoring(options: MonitoringWatchOptions): MonitoringWatch {
  const { clock, telegram, alertChatId, ingest, errorLogUrl } = options;
  const startMs = clock.monotonicMs();
  const series = new Map<string, TimeSeries>();
  const record = (name: string, value: number) => {
    let one = series.get(name);
    if (one === undefined) {
      one = { name, unit: 'count', source: 'monitoring', points: [] };
      series.set(name, one);
    }
    one.points.push([Math.round(clock.monotonicMs() - startMs), value]);
  };
  // Botcap's own application name: the Postgres fault spares this session, as it spares the sampler's.
  const db =
    errorLogUrl === undefined
      ? undefined
      : new pg.Pool({
          connectionString: errorLogUrl,
          max: 1,
          application_name: POSTGRES_DEFAULTS.applicationName,
          connectionTimeoutMillis: 1_000,
        });
  db?.on('error', () => undefined);
  let looking: Promise<void> | undefined;

  async function look(): Promise<void> {
    if (alertChatId !== undefined) {
      const calls = telegram.calls({ chat_id: alertChatId, method: 'sendMessage', limit: Number.MAX_SAFE_INTEGER });
      record(MONITORING_SERIES.alertsDelivered, calls.filter((c) => c.ok).length);
      record(MONITORING_SERIES.alertsRefused, calls.filter((c) => c.error_code === 429).length);
    }
    if (ingest !== undefined) record(MONITORING_SERIES.eventsReceived, ingest.stats().events);
    if (db !== undefined) {
      // A failed count (the table not reachable during a Postgres fault) is a missing point, not a zero.
      const rows = await db
        .query<{ n: number }>('SELECT count(*)::int AS n FROM error_log')
        .then((r) => r.rows[0]?.n)
        .catch(() => undefined);
      if (rows !== undefined) record(MONITORING_SERIES.errorLogRows, rows);
    }
  }

  const timer = setInterval(() => {
    // A look still running (a slow count during a fault) is not overtaken by the next.
    looking ??= look().finally(() => {
      looking = undefined;
    });
  }, options.everyRealMs ?? 250);
  return {
    async stop() {
      clearInterval(timer);
      await looking;
      await look();
      await db?.end().catch(() => undefined);
      return [...series.values()];
    },
  };
}
