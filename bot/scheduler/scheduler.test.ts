import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, createScaledClock } from '../../common/clock.ts';
import { findOnPath } from '../../common/probes.ts';
import { type RedisHandle, startRedis } from '../../environment/redis.ts';
import { startFakeClaude } from '../../fakes/claude/index.ts';
import { openTestPool, startTestPostgres, type TestPostgres } from '../../testing/postgres.ts';
import { waitFor } from '../../testing/wait.ts';
import { botConfigSchema } from '../config/schema.ts';
import { migrate } from '../db/migrate.ts';
import { type Assistant, createAssistant } from '../llm/assistant.ts';
import { createAdvisoryLock, SCHEDULER_LOCK_KEY } from './advisory-lock.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';
import { RecipientBlockedError } from './send-with-telegram.ts';
import { claimJobs, materializeJobs } from './skip-locked.ts';

const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
const TIME_SCALE = 600; // one simulated minute = 100 real ms
const DAY = '2026-11-30';
const USERS = 40;
const FIRST_MINUTE = 600; // 10:00
const SPREAD_MINUTES = 8; // users due 10:00 .. 10:07
const LAST_DUE_MS = Date.parse(`${DAY}T10:07:00Z`);

let server: TestPostgres;
let redis: RedisHandle | undefined;
let redisSkipReason: string | undefined;

beforeAll(async () => {
  server = await startTestPostgres();
  if (process.env.REDIS_URL) redis = await startRedis({ url: process.env.REDIS_URL });
  else if (await findOnPath('redis-server')) redis = await startRedis({ runtime: 'binary' });
  else redisSkipReason = 'redis-lock tests skipped: no REDIS_URL and no redis-server on PATH';
  if (redisSkipReason) console.warn(redisSkipReason);
});
afterAll(async () => {
  await redis?.stop();
  await server?.stop();
});

/** A stand-in for the Claude side: digests take 1.5 simulated seconds by default, like a (fast) model call. */
function slowAssistant(clock: Clock, digestMs = 1_500): Assistant {
  return {
    answer: async () => ({ text: 'unused', outcome: 'ok' }),
    digest: async (input) => {
      await clock.sleepMs(digestMs);
      return { text: `📰 ${input.topic} ${input.sendDate}`, outcome: 'ok', model: 'test' };
    },
    pregenerateDigests: async () => ({ submitted: 0, stored: 0 }),
    close: async () => {},
  };
}

interface Fleet {
  clock: Clock;
  admin: pg.Pool;
  schedulers: Scheduler[];
  registries: Registry[];
  pools: pg.Pool[];
  sent: { chatId: number; instance: string }[];
  /** Starts one more process on the fleet's database (not started: call `start()` or `handleTick()`). */
  add(instanceId: string, role: 'instance' | 'worker'): Scheduler;
}

const fleets: Fleet[] = [];
afterEach(async () => {
  for (const fleet of fleets.splice(0)) {
    await Promise.all(fleet.schedulers.map((s) => s.stop().catch(() => undefined)));
    await Promise.all(fleet.pools.map((p) => p.end().catch(() => undefined)));
    await fleet.admin.end();
  }
});

/** A fresh database with USERS users due between 10:00 and 10:07, and `instances` schedulers on it. */
async function startFleet(
  strategy: 'none' | 'advisory-lock' | 'skip-locked' | 'redis-lock' | 'cron-http' | 'queue-worker',
  options: {
    instances?: number;
    /** queue-worker: the role of each process, by index (default: all bot instances). */
    roles?: readonly ('instance' | 'worker')[];
    startAt?: string;
    start?: boolean;
    scheduler?: Record<string, unknown>;
    /** Use the real assistant (digest cache on) against this fake Claude instead of the stand-in. */
    claudeUrl?: string;
    /** How long the stand-in assistant takes per digest, simulated ms. */
    digestMs?: number;
    /** Chats whose user blocked the bot: sending there fails as Telegram's 403 does. */
    blockedChats?: readonly number[];
  } = {},
): Promise<Fleet> {
  const databaseUrl = await server.createDatabase();
  await migrate({ databaseUrl, logger });
  const admin = openTestPool(databaseUrl, { max: 3 });
  await admin.query(
    `INSERT INTO users (user_id, chat_id, first_name, language_code, topic, digest_minute)
     SELECT i, 1000 + i, 'user ' || i, CASE WHEN i % 2 = 0 THEN 'ru' ELSE 'en' END,
            CASE WHEN i % 3 = 0 THEN 'science' ELSE 'technology' END, $2 + (i % $3)
     FROM generate_series(1, $1) AS i`,
    [USERS, FIRST_MINUTE, SPREAD_MINUTES],
  );
  const clock = createScaledClock({
    timeScale: TIME_SCALE,
    startAtMs: Date.parse(options.startAt ?? `${DAY}T09:59:40Z`),
  });
  const notYet = (): Scheduler => {
    throw new Error('fleet.add is set below');
  };
  const fleet: Fleet = { clock, admin, schedulers: [], registries: [], pools: [], sent: [], add: notYet };
  fleets.push(fleet);
  const redisKey = `botcap:test:${randomUUID()}`;
  const add = (instanceId: string, role: 'instance' | 'worker'): Scheduler => {
    const config = botConfigSchema.parse({
      instanceId,
      time: { timeScale: TIME_SCALE },
      claude: { baseUrl: options.claudeUrl ?? 'https://api.anthropic.com', apiKey: 'sk-ant-test-key' },
      resilience: { timeoutMs: 3_000_000 }, // 5 real s: at 600x the default 30 simulated s is 50 real ms
      cost: { digestCache: true },
      scheduler: {
        strategy,
        tickMs: 10_000,
        // Leases must outlast the slowest send; at 600x, 10 real ms of database time are 6 simulated seconds.
        claimLeaseMs: 600_000,
        leaseMs: 120_000,
        takeoverGraceMs: 120_000,
        redisUrl: redis?.url,
        redisKey,
        role,
        ...options.scheduler,
      },
    });
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
    // As in production: a pool without an 'error' listener crashes the process when the server drops a
    // connection it holds (here: the advisory-lock connection after pg_terminate_backend).
    pool.on('error', () => undefined);
    const registry = new Registry();
    const scheduler = createScheduler({
      config,
      clock,
      logger,
      registry,
      pool,
      assistant: options.claudeUrl
        ? createAssistant({ config, clock, logger, registry, pool })
        : slowAssistant(clock, options.digestMs),
      sendDigest: async (chatId) => {
        fleet.sent.push({ chatId, instance: instanceId });
        if (options.blockedChats?.includes(chatId))
          throw new RecipientBlockedError('Forbidden: bot was blocked by the user');
      },
    });
    fleet.pools.push(pool);
    fleet.registries.push(registry);
    fleet.schedulers.push(scheduler);
    return scheduler;
  };
  fleet.add = add;
  for (let i = 1; i <= (options.instances ?? 3); i++) {
    const role = options.roles?.[i - 1] ?? 'instance';
    add(role === 'worker' ? `worker-${i}` : `bot-${i}`, role);
  }
  if (options.start !== false) await Promise.all(fleet.schedulers.map((s) => s.start()));
  return fleet;
}

async function deliveryCounts(admin: pg.Pool): Promise<{ delivered: number; duplicates: number; missing: number }> {
  const { rows } = await admin.query<{ delivered: string; duplicates: string; missing: string }>(
    `SELECT (SELECT count(DISTINCT user_id) FROM digest_deliveries WHERE send_date = $1) AS delivered,
            (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM digest_deliveries WHERE send_date = $1
               GROUP BY user_id HAVING count(*) > 1) d) AS duplicates,
            (SELECT count(*) FROM users u WHERE NOT EXISTS
               (SELECT 1 FROM digest_deliveries d WHERE d.user_id = u.user_id AND d.send_date = $1)) AS missing`,
    [DAY],
  );
  const row = rows[0]!;
  return { delivered: Number(row.delivered), duplicates: Number(row.duplicates), missing: Number(row.missing) };
}

/** Waits until every user got a digest and the window is well over (three more ticks for stragglers). */
async function runWindow(fleet: Fleet): Promise<{ delivered: number; duplicates: number; missing: number }> {
  await waitFor('every user to get a digest', async () => (await deliveryCounts(fleet.admin)).missing === 0, 20_000);
  await waitFor('the window to be over', () => fleet.clock.nowMs() > LAST_DUE_MS + 3 * 10_000, 20_000);
  return deliveryCounts(fleet.admin);
}

async function leaderIndex(fleet: Fleet, strategy: string): Promise<number | undefined> {
  for (const [i, registry] of fleet.registries.entries()) {
    const metric = await registry.getSingleMetric('bot_scheduler_leader')?.get();
    if (metric?.values.some((v) => v.labels.strategy === strategy && v.value === 1)) return i;
  }
  return undefined;
}

describe('scheduler strategies with three instances', () => {
  it('none: every instance scans and sends, so users get duplicate digests', async () => {
    const fleet = await startFleet('none');
    const result = await runWindow(fleet);
    expect(result.missing).toBe(0);
    expect(result.duplicates).toBeGreaterThan(0);
    expect(new Set(fleet.sent.map((s) => s.instance)).size).toBe(3);
  });

  it('advisory-lock: one leader sends, no duplicates and none missing', async () => {
    const fleet = await startFleet('advisory-lock');
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    expect(new Set(fleet.sent.map((s) => s.instance)).size).toBe(1);
  });

  it('advisory-lock: when the leader loses its lock connection mid-run, another instance takes over', async () => {
    const fleet = await startFleet('advisory-lock');
    await waitFor('some digests sent', async () => (await deliveryCounts(fleet.admin)).delivered >= 5, 20_000);
    const leader = await waitFor('a leader', () => leaderIndex(fleet, 'advisory-lock'));
    const { rows } = await fleet.admin.query<{ terminated: boolean }>(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_locks WHERE locktype = 'advisory' AND granted`,
    );
    expect(rows.map((r) => r.terminated)).toEqual([true]);
    await fleet.schedulers[leader]!.kill(); // and the old leader's process is gone for good
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    expect(new Set(fleet.sent.map((s) => s.instance)).size).toBeGreaterThanOrEqual(2);
  });

  it("advisory-lock: a kill while the lock is being taken leaves no lock behind, as a crashed process's closed connection does", async () => {
    const databaseUrl = await server.createDatabase();
    const pool = openTestPool(databaseUrl, { max: 2 });
    const other = openTestPool(databaseUrl, { max: 1 });
    try {
      const lock = createAdvisoryLock(pool, logger);
      const acquiring = lock.acquire();
      await lock.kill();
      expect(await acquiring).toBeUndefined();
      expect(await lock.acquire()).toBeUndefined();
      // The server frees a closed connection's lock when its backend exits, a moment after the close (a CI run
      // asked at once and found it still held): another instance can take it once that is done.
      await waitFor(
        'the closed connection to let the lock go',
        async () => {
          const { rows } = await other.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
            SCHEDULER_LOCK_KEY.toString(),
          ]);
          return rows[0]!.locked;
        },
        5_000,
      );
    } finally {
      await pool.end();
      await other.end();
    }
  });

  it('skip-locked: instances share the work through job claims, no duplicates and none missing', async () => {
    const fleet = await startFleet('skip-locked');
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    await waitFor('every job marked done', async () => {
      const { rows } = await fleet.admin.query<{ n: string }>(
        'SELECT count(*) AS n FROM digest_jobs WHERE done_at_ms IS NULL',
      );
      return Number(rows[0]!.n) === 0;
    });
    expect(new Set(fleet.sent.map((s) => s.instance)).size).toBeGreaterThan(1);
  });

  it('skip-locked: jobs claimed by an instance that died before sending are reclaimed after the lease', async () => {
    const fleet = await startFleet('skip-locked', { start: false, startAt: `${DAY}T10:03:00Z` });
    await materializeJobs(fleet.admin, fleet.clock.nowMs());
    const doomed = await claimJobs(fleet.admin, {
      instanceId: 'bot-dead',
      nowMs: fleet.clock.nowMs(),
      leaseMs: 600_000,
      limit: 6,
    });
    expect(doomed).toHaveLength(6);
    await Promise.all(fleet.schedulers.map((s) => s.start()));
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    const { rows } = await fleet.admin.query<{ attempts: number; claimed_by: string }>(
      'SELECT attempts, claimed_by FROM digest_jobs WHERE id = ANY($1)',
      [doomed.map((d) => d.jobId)],
    );
    expect(rows.every((r) => r.attempts === 2 && r.claimed_by !== 'bot-dead')).toBe(true);
  });

  it('skip-locked, claimMode transaction: every job in flight holds a connection; still once each, none missing', async () => {
    // Everyone due at the first tick; each digest takes a simulated minute (100 real ms), so claims overlap.
    const fleet = await startFleet('skip-locked', {
      startAt: `${DAY}T10:08:00Z`,
      digestMs: 60_000,
      scheduler: { claimMode: 'transaction' },
    });
    const held = await waitFor('the pools full of open claim transactions', async () => {
      const { rows } = await fleet.admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
      );
      const n = Number(rows[0]!.n);
      return n >= 12 ? n : undefined;
    });
    // Three pools of five: the claims, not the users, decide how many connections the fleet holds.
    expect(held).toBeLessThanOrEqual(15);
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    const { rows } = await fleet.admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM digest_jobs WHERE done_at_ms IS NULL',
    );
    expect(Number(rows[0]!.n)).toBe(0);
    // Shared, not necessarily by all: on a loaded CI machine one instance's first tick came after the other two
    // had drained the queue, so only two of three sent. That is the strategy working, not failing.
    expect(new Set(fleet.sent.map((s) => s.instance)).size).toBeGreaterThan(1);
  });

  it.skipIf(!process.env.REDIS_URL && process.env.BOTCAP_NO_REDIS === '1')(
    'redis-lock: a leader lease in Redis, no duplicates and none missing, also when the leader dies',
    async (context) => {
      if (!redis) context.skip(redisSkipReason);
      const fleet = await startFleet('redis-lock');
      await waitFor('some digests sent', async () => (await deliveryCounts(fleet.admin)).delivered >= 5, 20_000);
      const leader = await waitFor('a leader', () => leaderIndex(fleet, 'redis-lock'));
      await fleet.schedulers[leader]!.kill(); // the lease stays in Redis until it expires
      expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
      expect(new Set(fleet.sent.map((s) => s.instance)).size).toBeGreaterThanOrEqual(2);
    },
  );

  it('skip-locked with the real assistant: one Claude call per topic and language, the rest from the digest cache', async () => {
    const fake = await startFakeClaude({ timeScale: TIME_SCALE, latency: 'zero' });
    try {
      const fleet = await startFleet('skip-locked', { claudeUrl: fake.url });
      expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
      const { rows } = await fleet.admin.query<{ outcome: string; n: string }>(
        'SELECT outcome, count(*) AS n FROM digest_deliveries GROUP BY outcome',
      );
      const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
      // 2 topics x 2 languages: four digests generated, every other user served from the cache
      expect(byOutcome).toEqual({ ok: 4, cached: USERS - 4 });
      expect(fake.calls().filter((c) => c.endpoint === 'messages' && c.status === 200)).toHaveLength(4);
      expect(fleet.sent.every((s) => s.chatId > 1000)).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('cron-http: nothing is sent without a tick; one external tick sends everything due', async () => {
    const fleet = await startFleet('cron-http', { instances: 1 });
    await waitFor('every user to be due', () => fleet.clock.nowMs() > LAST_DUE_MS + 30_000, 20_000);
    expect((await deliveryCounts(fleet.admin)).delivered).toBe(0);
    const { sent } = await fleet.schedulers[0]!.handleTick();
    expect(sent).toBe(USERS);
    expect(await deliveryCounts(fleet.admin)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    const { rows } = await fleet.admin.query<{ min: string }>('SELECT min(lateness_ms) AS min FROM digest_deliveries');
    expect(Number(rows[0]!.min)).toBeGreaterThanOrEqual(30_000);
    const lateness = await fleet.registries[0]!.getSingleMetric('bot_digest_lateness_seconds')?.get();
    const count = lateness?.values.find(
      (v) => (v as { metricName?: string }).metricName === 'bot_digest_lateness_seconds_count',
    );
    expect(count?.value).toBe(USERS);
  });

  it('skip-locked: a user who blocked the bot is marked, their job closed, and never tried again', async () => {
    const blockedChat = 1001; // user 1
    const fleet = await startFleet('skip-locked', { blockedChats: [blockedChat] });
    await waitFor(
      'everyone else served',
      async () => (await deliveryCounts(fleet.admin)).delivered === USERS - 1,
      20_000,
    );
    await waitFor('the window over', () => fleet.clock.nowMs() > LAST_DUE_MS + 3 * 10_000, 20_000);
    expect(await deliveryCounts(fleet.admin)).toEqual({ delivered: USERS - 1, duplicates: 0, missing: 1 });
    expect(fleet.sent.filter((s) => s.chatId === blockedChat)).toHaveLength(1);
    const { rows } = await fleet.admin.query<{ blocked: boolean; done: boolean }>(
      `SELECT u.blocked_at IS NOT NULL AS blocked, j.done_at_ms IS NOT NULL AS done
       FROM users u JOIN digest_jobs j USING (user_id) WHERE u.user_id = 1`,
    );
    expect(rows).toEqual([{ blocked: true, done: true }]);
  });
});

describe('who decides and who sends, through the digest_jobs queue', () => {
  const openJobs = async (admin: pg.Pool) => {
    const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM digest_jobs WHERE done_at_ms IS NULL');
    return Number(rows[0]!.n);
  };

  it('queue-worker: the dedicated worker plans and sends nothing, the instances send each digest once', async () => {
    const fleet = await startFleet('queue-worker', { instances: 4, roles: ['worker'] });
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    expect(fleet.sent.filter((s) => s.instance.startsWith('worker'))).toEqual([]);
    expect(new Set(fleet.sent.map((s) => s.instance)).size).toBeGreaterThan(1);
    await waitFor('every job done', async () => (await openJobs(fleet.admin)) === 0);
  });

  it('queue-worker: killed mid-burst, the queued digests are sent once; the rest wait for a worker to return', async () => {
    const fleet = await startFleet('queue-worker', { instances: 4, roles: ['worker'] });
    // Users are due 10:00 .. 10:07; the worker dies after the 10:02 tick has queued the first ones.
    await waitFor('the first minutes queued', async () => {
      const { rows } = await fleet.admin.query<{ n: string }>('SELECT count(*) AS n FROM digest_jobs');
      return Number(rows[0]!.n) >= 10 && fleet.clock.nowMs() < Date.parse(`${DAY}T10:04:00Z`);
    });
    await fleet.schedulers[0]!.kill();
    const { rows } = await fleet.admin.query<{ n: string }>('SELECT count(*) AS n FROM digest_jobs');
    const queued = Number(rows[0]!.n);
    expect(queued).toBeLessThan(USERS);
    await waitFor('the window over', () => fleet.clock.nowMs() > LAST_DUE_MS + 3 * 10_000, 20_000);
    await waitFor('the queued jobs done', async () => (await openJobs(fleet.admin)) === 0);
    // Honest count: what was queued went out exactly once; what fell due after the kill is missing, not sent twice.
    expect(await deliveryCounts(fleet.admin)).toEqual({ delivered: queued, duplicates: 0, missing: USERS - queued });
    // A worker started again (a supervisor's restart) plans what is due today and not queued: late, not lost.
    await fleet.add('worker-restarted', 'worker').start();
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
  });

  it('advisory-lock with sendBy all-instances: one leader decides, every instance sends, once each', async () => {
    // Everyone due at the first tick, a simulated minute per digest and small claims: the leader plans and claims
    // first (same tick), the followers take their share at their next tick while it is still sending.
    const fleet = await startFleet('advisory-lock', {
      startAt: `${DAY}T10:08:00Z`,
      digestMs: 60_000,
      scheduler: { sendBy: 'all-instances', claimBatch: 5 },
    });
    expect(await runWindow(fleet)).toEqual({ delivered: USERS, duplicates: 0, missing: 0 });
    // With sendBy decider (the test above) one instance sends them all.
    expect(new Set(fleet.sent.map((s) => s.instance)).size).toBeGreaterThan(1);
    const { rows } = await fleet.admin.query<{ n: string }>('SELECT count(*) AS n FROM digest_jobs');
    expect(Number(rows[0]!.n)).toBe(USERS);
  });

  it('scheduler.role worker with another strategy is refused with the fix', () => {
    const config = botConfigSchema.parse({ scheduler: { strategy: 'skip-locked', role: 'worker' } });
    expect(() =>
      createScheduler({
        config,
        clock: createScaledClock({ timeScale: 1 }),
        logger,
        registry: new Registry(),
        pool: new pg.Pool(),
        assistant: slowAssistant(createScaledClock({ timeScale: 1 })),
        sendDigest: async () => {},
      }),
    ).toThrow(/scheduler.role worker is only for scheduler.strategy queue-worker/);
  });
});
