import type Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages';
import type pg from 'pg';
import type pino from 'pino';
import type { Clock } from '../../common/clock.ts';
import type { BotConfig } from '../config/schema.ts';
import type { UpstreamPolicy } from '../resilience/policy.ts';
import { dayOf, MS_PER_DAY, MS_PER_MINUTE, nowWholeMs } from '../scheduler/day.ts';
import { recordUsage } from './claude-client.ts';
import type { DigestCache } from './digest-cache.ts';
import type { LlmMetrics } from './metrics.ts';
import { digestMessages } from './prompts.ts';
import { asDigestText, type ReplyLanguage } from './reply-texts.ts';
import { systemBlocks } from './system-prompt.ts';

/**
 * Batch API pre-generation of digests (half price, answers within the hour). Each step:
 * 1. submit: the (topic, date, language) pairs whose subscribers are due within `cost.batchLeadMinutes` and that
 *    have no digest yet are claimed in `digest_batch_items` (the primary key makes each pair batched once, by
 *    whichever instance gets there first) and sent as one Message Batch;
 * 2. poll: batches still running are polled at most every `cost.batchPollMs` (one instance per batch and
 *    interval, via FOR UPDATE SKIP LOCKED); ended batches' results go into the digest cache as source 'batch',
 *    where the digest path finds them and reports 'batched'.
 * A pair whose batch fails is simply generated live at its slot: pre-generation is an optimisation, never a
 * dependency.
 */

export interface DigestBatcherDeps {
  anthropic: Anthropic;
  pool: pg.Pool;
  clock: Clock;
  config: Pick<BotConfig, 'claude' | 'cost' | 'instanceId'>;
  policy: UpstreamPolicy;
  cache: DigestCache;
  metrics: LlmMetrics;
  logger: pino.Logger;
}

export interface BatchStepResult {
  /** Requests submitted in a new batch during this step. */
  submitted: number;
  /** Digests stored from ended batches during this step. */
  stored: number;
}

export interface DigestBatcher {
  step(): Promise<BatchStepResult>;
}

/** Unbatched claims older than this (the instance died between claiming and submitting) are released. */
const ORPHAN_CLAIM_MS = 10 * MS_PER_MINUTE;

interface Item {
  topic: string;
  send_date: string;
  language: ReplyLanguage;
  custom_id: string;
}

/**
 * @example
 * const batcher = createDigestBatcher({ anthropic, pool, clock, config, policy, cache, metrics, logger });
 * await batcher.step(); // call on every scheduler tick
 */
export function createDigestBatcher(deps: DigestBatcherDeps): DigestBatcher {
  const { pool, clock, config, policy, metrics, logger, anthropic } = deps;

  async function submit(): Promise<number> {
    const nowMs = nowWholeMs(clock);
    await pool.query('DELETE FROM digest_batch_items WHERE batch_id IS NULL AND created_at_ms < $1', [
      nowMs - ORPHAN_CLAIM_MS,
    ]);
    const today = dayOf(nowMs);
    const endMinute = today.minuteOfDay + config.cost.batchLeadMinutes;
    // The window (now, now + lead] in minutes of day, split at midnight into today's and tomorrow's part.
    const windows: { sendDate: string; fromMinute: number; toMinute: number }[] = [
      { sendDate: today.sendDate, fromMinute: today.minuteOfDay, toMinute: Math.min(endMinute, 1439) },
    ];
    if (endMinute > 1439) {
      windows.push({ sendDate: dayOf(nowMs + MS_PER_DAY).sendDate, fromMinute: -1, toMinute: endMinute - 1440 });
    }
    const claimed: Item[] = [];
    for (const window of windows) {
      const { rows } = await pool.query<Item>(
        `INSERT INTO digest_batch_items (topic, send_date, language, custom_id, created_at_ms)
         SELECT p.topic, $1::date, p.language, 'd_' || md5(p.topic || '|' || $1 || '|' || p.language), $4
         FROM (
           SELECT DISTINCT COALESCE(topic, 'general') AS topic,
                  CASE WHEN language_code ILIKE 'ru%' THEN 'ru' ELSE 'en' END AS language
           FROM users
           WHERE NOT digests_paused AND digest_minute > $2 AND digest_minute <= $3
         ) p
         WHERE NOT EXISTS (
           SELECT 1 FROM digest_cache c WHERE c.topic = p.topic AND c.send_date = $1::date AND c.language = p.language
         )
         ON CONFLICT DO NOTHING
         RETURNING topic, send_date::text AS send_date, language, custom_id`,
        [window.sendDate, window.fromMinute, window.toMinute, nowMs],
      );
      claimed.push(...rows);
    }
    if (claimed.length === 0) return 0;

    const requests = claimed.map((item) => ({
      custom_id: item.custom_id,
      params: {
        model: config.claude.complexModel,
        max_tokens: config.claude.digestMaxOutputTokens,
        system: systemBlocks(config.cost),
        messages: digestMessages({ topic: item.topic, sendDate: item.send_date, language: item.language }),
      },
    }));
    const batch = await policy.execute(
      (signal) => anthropic.messages.batches.create({ requests }, { signal }),
      () => undefined,
    );
    const ids = claimed.map((item) => item.custom_id);
    if (!batch) {
      await pool.query('DELETE FROM digest_batch_items WHERE custom_id = ANY($1) AND batch_id IS NULL', [ids]);
      return 0;
    }
    await pool.query(
      `INSERT INTO digest_batches (batch_id, submitted_by, submitted_at_ms, next_poll_at_ms) VALUES ($1, $2, $3, $3)`,
      [batch.id, config.instanceId, nowMs],
    );
    await pool.query('UPDATE digest_batch_items SET batch_id = $1 WHERE custom_id = ANY($2)', [batch.id, ids]);
    metrics.batch.inc({ event: 'submitted' }, requests.length);
    logger.info({ batchId: batch.id, requests: requests.length }, 'digest batch submitted');
    return requests.length;
  }

  async function poll(): Promise<number> {
    const nowMs = nowWholeMs(clock);
    const { rows } = await pool.query<{ batch_id: string }>(
      `UPDATE digest_batches SET next_poll_at_ms = $1 + $2
       WHERE batch_id IN (
         SELECT batch_id FROM digest_batches WHERE status = 'in_progress' AND next_poll_at_ms <= $1
         FOR UPDATE SKIP LOCKED
       )
       RETURNING batch_id`,
      [nowMs, config.cost.batchPollMs],
    );
    let stored = 0;
    for (const { batch_id: batchId } of rows) {
      const results = await policy.execute(
        async (signal) => {
          const batch = await anthropic.messages.batches.retrieve(batchId, undefined, { signal });
          logger.debug({ batchId, status: batch.processing_status }, 'digest batch polled');
          if (batch.processing_status !== 'ended') return [];
          const lines: MessageBatchIndividualResponse[] = [];
          for await (const line of await anthropic.messages.batches.results(batchId, undefined, { signal })) {
            lines.push(line);
          }
          return lines;
        },
        () => undefined,
      );
      if (!results || results.length === 0) continue;
      stored += await storeResults(batchId, results);
      await pool.query(`UPDATE digest_batches SET status = 'ended', ended_at_ms = $2 WHERE batch_id = $1`, [
        batchId,
        nowWholeMs(clock),
      ]);
      metrics.batch.inc({ event: 'ended' });
    }
    return stored;
  }

  async function storeResults(batchId: string, results: MessageBatchIndividualResponse[]): Promise<number> {
    const { rows: items } = await pool.query<Item>(
      `SELECT topic, send_date::text AS send_date, language, custom_id FROM digest_batch_items WHERE batch_id = $1`,
      [batchId],
    );
    const byId = new Map(items.map((item) => [item.custom_id, item]));
    let stored = 0;
    for (const line of results) {
      const item = byId.get(line.custom_id);
      if (!item) continue;
      if (line.result.type !== 'succeeded') {
        metrics.batch.inc({ event: line.result.type });
        continue;
      }
      const message = line.result.message;
      recordUsage(metrics, message.model, 'batch', message.usage);
      const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      const key = { topic: item.topic, sendDate: item.send_date, language: item.language };
      if (await deps.cache.storeBatchResult(key, asDigestText(text), message.model)) {
        stored++;
        metrics.batch.inc({ event: 'stored' });
      }
    }
    return stored;
  }

  return {
    async step() {
      const submitted = await submit();
      const stored = await poll();
      return { submitted, stored };
    },
  };
}
