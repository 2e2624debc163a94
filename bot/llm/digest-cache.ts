import type pg from 'pg';
import type { Clock } from '../../common/clock.ts';
import { nowWholeMs } from '../scheduler/day.ts';

/**
 * The digest content cache: one generated digest per (topic, send date, language) in Postgres, shared by every
 * instance. At 10:00 a thousand subscribers of "technology" are due at once; without coordination every
 * instance would miss the cache at the same moment and pay for the same digest. So a miss first *claims* the
 * row (`INSERT ... ON CONFLICT DO NOTHING`): the one instance whose insert wins generates; the others poll the
 * row until it is ready. A claim older than the lease (its generator died or hung) is taken over. Inside one
 * instance, concurrent requests for the same key share one promise, so only one of them polls the database.
 * Polling rather than LISTEN/NOTIFY keeps this working behind a transaction pooler (PgBouncer).
 *
 * Failed generations (the fallback text) are never cached: the claim is deleted so the next request retries.
 */

export interface DigestKey {
  topic: string;
  /** YYYY-MM-DD */
  sendDate: string;
  language: string;
}

export interface CachedDigest {
  text: string;
  model: string | undefined;
  source: 'live' | 'batch';
}

/** Where a digest came from: an earlier generation, a batch, a concurrent generation we waited for, or us. */
export type CacheResult = 'hit' | 'batched' | 'shared' | 'miss';

export interface GeneratedDigest {
  text: string;
  model: string | undefined;
  /** false for a fallback: served to the user, never stored. */
  cacheable: boolean;
}

export interface DigestCacheOptions {
  pool: pg.Pool;
  clock: Clock;
  instanceId: string;
  /** A claim older than this is considered abandoned, simulated ms. */
  claimLeaseMs: number;
  /** How often a waiter re-reads a claimed row, simulated ms. */
  pollMs: number;
}

interface Row {
  status: 'generating' | 'ready';
  source: 'live' | 'batch';
  text: string | null;
  model: string | null;
  claimed_at_ms: string | null;
}

/**
 * @example
 * const cache = new DigestCache({ pool, clock, instanceId: 'bot-1', claimLeaseMs: 120_000, pollMs: 1_000 });
 * const { digest, result } = await cache.getOrGenerate(key, () => generate(key));
 */
export class DigestCache {
  private readonly inProcess = new Map<
    string,
    Promise<{ digest: CachedDigest | GeneratedDigest; result: CacheResult }>
  >();

  constructor(private readonly options: DigestCacheOptions) {}

  /** A ready digest, or undefined. */
  async lookup(key: DigestKey): Promise<CachedDigest | undefined> {
    const row = await this.read(key);
    return row?.status === 'ready' && row.text !== null
      ? { text: row.text, model: row.model ?? undefined, source: row.source }
      : undefined;
  }

  /**
   * The cached digest, or the one `generate` produces (stored when cacheable). Concurrent callers in this and
   * other instances share one generation as long as it finishes within the lease.
   */
  async getOrGenerate(
    key: DigestKey,
    generate: () => Promise<GeneratedDigest>,
  ): Promise<{ digest: CachedDigest | GeneratedDigest; result: CacheResult }> {
    const id = `${key.topic}\u0000${key.sendDate}\u0000${key.language}`;
    const running = this.inProcess.get(id);
    if (running) {
      const shared = await running;
      return { digest: shared.digest, result: shared.result === 'miss' ? 'shared' : shared.result };
    }
    const work = this.resolve(key, generate).finally(() => this.inProcess.delete(id));
    this.inProcess.set(id, work);
    return work;
  }

  /** Stores a batch-generated digest unless a digest is already there. Returns whether it was stored. */
  async storeBatchResult(key: DigestKey, text: string, model: string | undefined): Promise<boolean> {
    const { rowCount } = await this.options.pool.query(
      `INSERT INTO digest_cache (topic, send_date, language, status, source, text, model, created_at_ms)
       VALUES ($1, $2, $3, 'ready', 'batch', $4, $5, $6)
       ON CONFLICT (topic, send_date, language) DO UPDATE
         SET status = 'ready', source = 'batch', text = EXCLUDED.text, model = EXCLUDED.model,
             claimed_by = NULL, claimed_at_ms = NULL
         WHERE digest_cache.status = 'generating'`,
      [key.topic, key.sendDate, key.language, text, model ?? null, nowWholeMs(this.options.clock)],
    );
    return (rowCount ?? 0) > 0;
  }

  private async resolve(
    key: DigestKey,
    generate: () => Promise<GeneratedDigest>,
  ): Promise<{ digest: CachedDigest | GeneratedDigest; result: CacheResult }> {
    const { clock, claimLeaseMs, pollMs } = this.options;
    const giveUpAtMs = clock.monotonicMs() + claimLeaseMs;
    let waited = false;
    for (;;) {
      const row = await this.read(key);
      if (row?.status === 'ready' && row.text !== null) {
        const digest: CachedDigest = { text: row.text, model: row.model ?? undefined, source: row.source };
        return { digest, result: waited ? 'shared' : row.source === 'batch' ? 'batched' : 'hit' };
      }
      if (!row && (await this.claim(key))) return this.generateAsClaimer(key, generate);
      if (row?.claimed_at_ms != null && Number(row.claimed_at_ms) < clock.nowMs() - claimLeaseMs) {
        if (await this.takeOver(key, row.claimed_at_ms)) return this.generateAsClaimer(key, generate);
      }
      if (clock.monotonicMs() > giveUpAtMs) {
        // The claimer is alive but slower than the lease: serve this user rather than wait forever.
        return { digest: await generate(), result: 'miss' };
      }
      waited = true;
      await clock.sleepMs(pollMs);
    }
  }

  private async generateAsClaimer(
    key: DigestKey,
    generate: () => Promise<GeneratedDigest>,
  ): Promise<{ digest: GeneratedDigest; result: CacheResult }> {
    const { pool, instanceId, clock } = this.options;
    let digest: GeneratedDigest;
    try {
      digest = await generate();
    } catch (error) {
      await this.release(key);
      throw error;
    }
    if (!digest.cacheable) {
      await this.release(key);
      return { digest, result: 'miss' };
    }
    await pool.query(
      `UPDATE digest_cache SET status = 'ready', text = $4, model = $5, created_at_ms = $7
       WHERE topic = $1 AND send_date = $2 AND language = $3 AND status = 'generating' AND claimed_by = $6`,
      [key.topic, key.sendDate, key.language, digest.text, digest.model ?? null, instanceId, nowWholeMs(clock)],
    );
    return { digest, result: 'miss' };
  }

  /** Drops our claim so the next request tries again (a fallback must not be cached). */
  private async release(key: DigestKey): Promise<void> {
    await this.options.pool.query(
      `DELETE FROM digest_cache
       WHERE topic = $1 AND send_date = $2 AND language = $3 AND status = 'generating' AND claimed_by = $4`,
      [key.topic, key.sendDate, key.language, this.options.instanceId],
    );
  }

  private async read(key: DigestKey): Promise<Row | undefined> {
    const { rows } = await this.options.pool.query<Row>(
      `SELECT status, source, text, model, claimed_at_ms FROM digest_cache
       WHERE topic = $1 AND send_date = $2 AND language = $3`,
      [key.topic, key.sendDate, key.language],
    );
    return rows[0];
  }

  private async claim(key: DigestKey): Promise<boolean> {
    const { rowCount } = await this.options.pool.query(
      `INSERT INTO digest_cache (topic, send_date, language, status, source, claimed_by, claimed_at_ms, created_at_ms)
       VALUES ($1, $2, $3, 'generating', 'live', $4, $5, $5)
       ON CONFLICT (topic, send_date, language) DO NOTHING`,
      [key.topic, key.sendDate, key.language, this.options.instanceId, nowWholeMs(this.options.clock)],
    );
    return (rowCount ?? 0) > 0;
  }

  private async takeOver(key: DigestKey, previousClaimMs: string): Promise<boolean> {
    const { rowCount } = await this.options.pool.query(
      `UPDATE digest_cache SET claimed_by = $4, claimed_at_ms = $5
       WHERE topic = $1 AND send_date = $2 AND language = $3 AND status = 'generating' AND claimed_at_ms = $6`,
      [key.topic, key.sendDate, key.language, this.options.instanceId, nowWholeMs(this.options.clock), previousClaimMs],
    );
    return (rowCount ?? 0) > 0;
  }
}
