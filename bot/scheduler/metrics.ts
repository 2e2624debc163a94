import type { Registry } from 'prom-client';
import { classifyDbError } from '../db/errors.ts';
import { BOT_METRIC_NAMES } from '../observability/metrics.ts';
import { counterOnce, gaugeOnce, histogramOnce } from '../resilience/metrics.ts';

/**
 * The scheduler's signals: digests sent (by strategy and digest outcome), lateness (simulated seconds from the
 * slot to the send), ticks, leadership, and reclaimed jobs. Duplicates are not a metric of one instance - they
 * are counted across instances from `digest_deliveries`.
 *
 * @example
 * schedulerMetrics(registry).lateness.observe({ strategy: 'skip-locked' }, 12.5);
 */
export function schedulerMetrics(registry: Registry) {
  // The bot's own counter (bot/observability), so a 53300 met by the scheduler counts with the handlers' ones.
  const dbConnectionErrors = counterOnce(registry, {
    name: BOT_METRIC_NAMES.dbConnectionErrors,
    help: 'Failures to get a database connection, by SQLSTATE (53300 = too many clients) or pool_timeout',
    labelNames: ['sqlstate'],
  });
  return {
    /** Counts a failure to get a database connection (53300, pool_timeout, ...); other errors are not counted. */
    recordDbError(error: unknown): void {
      const classified = classifyDbError(error);
      if (classified?.connection) dbConnectionErrors.inc({ sqlstate: classified.code });
    },
    sent: counterOnce(registry, {
      name: 'bot_digests_sent_total',
      help: 'digests sent by this instance, by scheduler strategy and digest outcome (ok, cached, batched, fallback)',
      labelNames: ['strategy', 'outcome'],
    }),
    lateness: histogramOnce(registry, {
      name: 'bot_digest_lateness_seconds',
      help: 'send time minus the digest slot, simulated seconds',
      labelNames: ['strategy'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    }),
    ticks: counterOnce(registry, {
      name: 'bot_scheduler_ticks_total',
      help: 'scheduler ticks by strategy and role (leader, follower, worker)',
      labelNames: ['strategy', 'role'],
    }),
    tickErrors: counterOnce(registry, {
      name: 'bot_scheduler_tick_errors_total',
      help: 'ticks that failed (database, Redis or send errors), by strategy',
      labelNames: ['strategy'],
    }),
    leader: gaugeOnce(registry, {
      name: 'bot_scheduler_leader',
      help: '1 while this instance holds the scheduler leadership (advisory-lock, redis-lock)',
      labelNames: ['strategy'],
    }),
    reclaimed: counterOnce(registry, {
      name: 'bot_scheduler_jobs_reclaimed_total',
      help: 'skip-locked: jobs claimed again after an earlier claimer did not finish within the lease',
      labelNames: [],
    }),
    blocked: counterOnce(registry, {
      name: 'bot_digest_recipients_blocked_total',
      help: 'digests not sent because Telegram answered 403 (the user blocked the bot); the user is marked and skipped from then on',
      labelNames: ['strategy'],
    }),
    sendErrors: counterOnce(registry, {
      name: 'bot_digest_send_errors_total',
      help: 'digests whose generation or sendMessage failed (retried on a later tick)',
      labelNames: ['strategy'],
    }),
  };
}

export type SchedulerMetrics = ReturnType<typeof schedulerMetrics>;
