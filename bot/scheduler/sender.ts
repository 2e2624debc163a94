import { BulkheadPolicy } from 'cockatiel';
import type pg from 'pg';
import type pino from 'pino';
import type { Clock } from '../../common/clock.ts';
import type { Assistant } from '../llm/assistant.ts';
import { nowWholeMs } from './day.ts';
import { type DueDigest, markRecipientBlocked, type Queryable, recordDelivery } from './due.ts';
import type { SchedulerMetrics } from './metrics.ts';
import { RecipientBlockedError, type SendDigest } from './send-with-telegram.ts';

export interface DigestSenderDeps {
  pool: pg.Pool;
  clock: Clock;
  logger: pino.Logger;
  metrics: SchedulerMetrics;
  assistant: Assistant;
  sendDigest: SendDigest;
  instanceId: string;
  strategy: string;
  /** Digests generated and sent at once by this instance. */
  concurrency: number;
}

/**
 * What happened to one due digest. `blocked`: Telegram refused the chat (403); the user is marked and left out
 * of every later scan, so the digest is done with rather than retried.
 */
export type SendResult = 'sent' | 'skipped' | 'failed' | 'blocked';

export type DigestSender = (
  due: DueDigest,
  options?: {
    /** Leadership: once aborted, digests not yet sent are skipped. */
    signal?: AbortSignal;
    /** Last check right before sendMessage (skip-locked: is the job still ours?); false skips the digest. */
    beforeSend?: () => Promise<boolean>;
    /** After the delivery is recorded (skip-locked: mark the job done). */
    afterSend?: () => Promise<void>;
    /**
     * Where the delivery is recorded. Default: the pool. skip-locked's `transaction` claim mode passes the
     * client holding the job's claim, so the delivery commits with the job.
     */
    db?: Queryable;
  },
) => Promise<SendResult>;

/**
 * Generates and sends one digest, then records the delivery and its lateness. At most `concurrency` run at once
 * per instance (a cockatiel bulkhead with an unbounded queue: a tick's digests wait, none are dropped).
 * `signal` is the caller's leadership: once it fires, digests not yet sent are skipped rather than sent by an
 * instance that is no longer the leader (the new leader will find them due).
 *
 * @example
 * const send = createDigestSender(deps);
 * await Promise.all(due.map((d) => send(d, { signal: leadership })));
 */
export function createDigestSender(deps: DigestSenderDeps): DigestSender {
  const { clock, metrics, strategy, logger } = deps;
  const limit = new BulkheadPolicy(deps.concurrency, Number.MAX_SAFE_INTEGER);
  return (due, options = {}) =>
    limit.execute(async () => {
      const { signal } = options;
      if (signal?.aborted) return 'skipped';
      try {
        const digest = await deps.assistant.digest({
          userId: due.userId,
          topic: due.topic,
          sendDate: due.sendDate,
          languageCode: due.languageCode,
        });
        // Generation takes seconds; leadership may have moved on meanwhile.
        if (signal?.aborted) return 'skipped';
        if (options.beforeSend && !(await options.beforeSend())) return 'skipped';
        await deps.sendDigest(due.chatId, digest.text);
        const sentAtMs = nowWholeMs(clock);
        await recordDelivery(options.db ?? deps.pool, {
          due,
          instanceId: deps.instanceId,
          strategy,
          outcome: digest.outcome,
          sentAtMs,
        });
        await options.afterSend?.();
        metrics.sent.inc({ strategy, outcome: digest.outcome });
        metrics.lateness.observe({ strategy }, Math.max(0, sentAtMs - due.scheduledAtMs) / 1000);
        return 'sent';
      } catch (error) {
        if (error instanceof RecipientBlockedError) {
          await markRecipientBlocked(deps.pool, due.userId, nowWholeMs(clock));
          metrics.blocked.inc({ strategy });
          logger.info({ userId: due.userId }, 'the user blocked the bot; no more digests until they /start again');
          return 'blocked';
        }
        metrics.sendErrors.inc({ strategy });
        logger.warn(
          { userId: due.userId, err: error instanceof Error ? error.message : String(error) },
          'digest not sent',
        );
        return 'failed';
      }
    });
}
