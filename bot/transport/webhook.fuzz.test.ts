import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, BotHarness, startBackends } from '../../testing/bot-harness.ts';
import { anyField, bodies, contentTypes, fuzzParameters, heapGrowthMb, post } from '../../testing/fuzz.ts';

/**
 * Fuzzing the bot's webhook (BOTCAP_FUZZ_RUNS inputs, testing/fuzz.ts): whatever arrives, the answer is 2xx or
 * 4xx, the instance keeps serving, and memory stays bounded. Update-shaped bodies with wrong types reach grammY
 * and the handlers too.
 */
let backends: Backends;
let bot: BotHarness;
const secret = 'fuzz-secret';
beforeAll(async () => {
  backends = await startBackends();
  bot = await BotHarness.start(backends, 'webhook', { 'telegram.webhookSecret': secret });
});
afterAll(async () => {
  await bot?.stop();
  await backends?.stop();
});

const updateShaped = fc.record(
  {
    update_id: fc.oneof(fc.integer({ min: 1, max: 2 ** 31 }), anyField),
    message: fc.record(
      {
        message_id: anyField,
        date: anyField,
        chat: fc.oneof(
          anyField,
          fc.record({ id: fc.oneof(fc.integer({ min: 1, max: 1e6 }), anyField), type: anyField }),
        ),
        from: fc.oneof(anyField, fc.record({ id: anyField, is_bot: anyField, first_name: anyField })),
        text: fc.oneof(fc.string({ maxLength: 50 }), anyField),
      },
      { requiredKeys: [] },
    ),
    callback_query: fc.record({ id: anyField, data: anyField, from: anyField }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

describe('webhook fuzz', () => {
  it('answers every body 2xx or 4xx, keeps serving, bounded memory', async () => {
    const statuses = new Set<number>();
    const growthMb = await heapGrowthMb(() =>
      fc.assert(
        fc.asyncProperty(bodies(updateShaped), contentTypes, fc.boolean(), async (body, type, withSecret) => {
          const status = await post(bot.app.webhookUrl!, body, {
            'content-type': type,
            'x-telegram-bot-api-secret-token': withSecret ? secret : undefined,
          });
          statuses.add(status);
          expect(status).toBeLessThan(500);
        }),
        fuzzParameters(),
      ),
    );
    expect([...statuses].every((status) => status >= 200)).toBe(true);
    expect((await fetch(`${bot.app.httpUrl}/healthz`)).status).toBe(200);
    expect(growthMb).toBeLessThan(100);
  });
});
