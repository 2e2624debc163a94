import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../common/probes.ts';
import { type RedisHandle, startRedis } from '../../environment/redis.ts';
import { type Backends, BotHarness, metricSum, startBackends } from '../../testing/bot-harness.ts';
import { ONBOARDING_UNFINISHED_METRIC } from './flow-metrics.ts';

/**
 * Two webhook instances on one database, and a balancer without chat affinity played by hand: the
 * onboarding dialog starts on instance A, and the user's typed time lands on instance B. Whether B knows
 * the dialog is waiting for a time depends only on where the session lives.
 */
let backends: Backends;
let redis: RedisHandle | undefined;
const SECRET = 'sessions-test-secret';

beforeAll(async () => {
  backends = await startBackends();
  if (process.env.REDIS_URL) redis = await startRedis({ url: process.env.REDIS_URL });
  else if (await findOnPath('redis-server')) redis = await startRedis({ runtime: 'binary' });
});
afterAll(async () => {
  await redis?.stop();
  await backends?.stop();
});

/** Sends the next updates to `bot`, as a round-robin balancer would for this chat's next request. */
async function routeTo(bot: BotHarness): Promise<void> {
  await bot.app.bot.api.setWebhook(bot.app.webhookUrl!, { secret_token: SECRET });
}

/** Onboards `user` up to the time question on A, then types the time on B; returns B's reply. */
async function timeTypedOnOtherInstance(
  storage: string,
  user: number,
): Promise<{ reply: string; minute: unknown; unfinished: number }> {
  const databaseUrl = await backends.postgres.createDatabase();
  const flags = {
    'session.storage': storage,
    'database.url': databaseUrl,
    'telegram.webhookSecret': SECRET,
    'session.redisKeyPrefix': `test-${user}:`,
    ...(redis === undefined ? {} : { 'scheduler.redisUrl': redis.url }),
  };
  const a = await BotHarness.start(backends, 'webhook', { ...flags, instanceId: 'bot-a' });
  const b = await BotHarness.start(backends, 'webhook', { ...flags, instanceId: 'bot-b' });
  try {
    await routeTo(a);
    await a.send({ kind: 'command', user_id: user, command: 'start', first_name: 'Ann' });
    await a.press(user, '✅ Yes');
    const asked = await a.press(user, '🔬 Science');
    expect(asked.buttons).toContain('10:00');
    await routeTo(b);
    const reply = await b.send({ kind: 'message', user_id: user, text: '10:00' });
    const { rows } = await b.app.pool.query('SELECT digest_minute FROM users WHERE user_id = $1', [user]);
    const unfinished = await metricSum(b.app, new RegExp(`^${ONBOARDING_UNFINISHED_METRIC}\\{`));
    return { reply: reply.text ?? '', minute: rows[0]?.digest_minute ?? null, unfinished };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

describe('session.storage with two instances and no chat affinity', () => {
  it('memory: the instance that gets the typed time never saw the dialog, so the time is not booked', async () => {
    const { reply, minute, unfinished } = await timeTypedOnOtherInstance('memory', 7001);
    expect(reply).not.toMatch(/^Done!/);
    expect(minute).toBeNull();
    // The stuck user shows on the onboarding funnel gauge the sessions matrix reads.
    expect(unfinished).toBe(1);
  });

  it('postgres: the other instance reads the dialog from the sessions table and books 10:00', async () => {
    const { reply, minute, unfinished } = await timeTypedOnOtherInstance('postgres', 7002);
    expect(reply).toMatch(/^Done! Your daily digest arrives at 10:00 UTC\./);
    expect(minute).toBe(600);
    expect(unfinished).toBe(0);
  });

  it('redis: the other instance reads the dialog from Redis and books 10:00', async (ctx) => {
    if (redis === undefined) ctx.skip();
    const { reply, minute } = await timeTypedOnOtherInstance('redis', 7003);
    expect(reply).toMatch(/^Done! Your daily digest arrives at 10:00 UTC\./);
    expect(minute).toBe(600);
  });
});
