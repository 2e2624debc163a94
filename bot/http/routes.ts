import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { BotMetrics } from '../observability/metrics.ts';
import { type Route, sendJson, sendText } from './server.ts';

/** `GET /metrics`: the instance's registry in Prometheus text format. */
export function metricsRoute(registry: Registry): Route {
  return {
    methods: ['GET'],
    path: '/metrics',
    handler: async (_req, res) => sendText(res, 200, await registry.metrics(), registry.contentType),
  };
}

/**
 * `GET /healthz`: 200 when a connection can be had and answers `SELECT 1`, 503 otherwise. The check
 * goes through the same pool as the handlers, so a saturated pool shows here as it does to users.
 */
export function healthRoute(pool: pg.Pool, metrics: BotMetrics): Route {
  return {
    methods: ['GET'],
    path: '/healthz',
    handler: async (_req, res) => {
      try {
        await pool.query('SELECT 1');
        sendJson(res, 200, {
          status: 'ok',
          pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
        });
      } catch (error) {
        metrics.recordDbError(error);
        sendJson(res, 503, { status: 'unavailable', reason: 'database' });
      }
    },
  };
}

/** The scheduler's tick for the cron-http strategy: one external cron calls it, one instance does the work. */
export function cronRoute(
  path: string,
  tick: () => Promise<{ sent: number }>,
  onError: (error: unknown) => void,
): Route {
  return {
    methods: ['POST', 'GET'],
    path,
    handler: async (_req, res) => {
      try {
        sendJson(res, 200, await tick());
      } catch (error) {
        onError(error);
        // 500 makes the cron service retry (or alert), as for any failed job.
        sendJson(res, 500, { error: 'tick failed' });
      }
    },
  };
}
