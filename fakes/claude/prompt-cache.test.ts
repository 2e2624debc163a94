import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeClaude, startFakeClaude } from './index.ts';
import { createManualClock } from './testing.ts';

const fakes: FakeClaude[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start(options: Parameters<typeof startFakeClaude>[0]) {
  const fake = await startFakeClaude(options);
  fakes.push(fake);
  return { fake, client: new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 }) };
}

/** A system prompt of roughly `tokens` tokens (4 ASCII characters per token). */
const longSystem = (tokens: number) => 'Rules of the bot. '.repeat(Math.ceil((tokens * 4) / 18));

function cachedRequest(systemTokens: number, ttl?: '5m' | '1h', model = 'claude-haiku-4-5') {
  return {
    model,
    max_tokens: 100,
    system: [
      {
        type: 'text' as const,
        text: longSystem(systemTokens),
        cache_control: { type: 'ephemeral' as const, ...(ttl ? { ttl } : {}) },
      },
    ],
    messages: [{ role: 'user' as const, content: 'What should I read today?' }],
  };
}

describe('prompt caching', () => {
  it('writes on the first call and reads on the next within the TTL; totals stay equal', async () => {
    const clock = createManualClock();
    const { client } = await start({ latency: 'zero', clock });
    const req = cachedRequest(5000);
    const first = await client.messages.create(req);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(5000);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    clock.advanceMs(4 * 60_000);
    const second = await client.messages.create(req);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    const total = (u: Anthropic.Usage) =>
      u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
    expect(total(second.usage)).toBe(total(first.usage));
  });

  it('refreshes the 5-minute TTL on a hit and expires it after 5 idle minutes', async () => {
    const clock = createManualClock();
    const { client, fake } = await start({ latency: 'zero', clock });
    const req = cachedRequest(5000);
    await client.messages.create(req);
    clock.advanceMs(4 * 60_000 + 59_000);
    expect((await client.messages.create(req)).usage.cache_read_input_tokens).toBeGreaterThan(0);
    clock.advanceMs(4 * 60_000 + 59_000); // 9:58 after the write, 4:59 after the refreshing hit
    expect((await client.messages.create(req)).usage.cache_read_input_tokens).toBeGreaterThan(0);
    clock.advanceMs(5 * 60_000 + 1);
    expect(fake.cacheEntries()).toBe(0);
    const expired = await client.messages.create(req);
    expect(expired.usage.cache_read_input_tokens).toBe(0);
    expect(expired.usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });

  it('keeps a 1-hour entry for an hour', async () => {
    const clock = createManualClock();
    const { client } = await start({ latency: 'zero', clock });
    const req = cachedRequest(5000, '1h');
    const first = await client.messages.create(req);
    expect(first.usage.cache_creation?.ephemeral_1h_input_tokens).toBeGreaterThan(0);
    clock.advanceMs(59 * 60_000);
    expect((await client.messages.create(req)).usage.cache_read_input_tokens).toBeGreaterThan(0);
    clock.advanceMs(60 * 60_000 + 1);
    expect((await client.messages.create(req)).usage.cache_read_input_tokens).toBe(0);
  });

  it('expires on a scaled clock without the test sleeping', async () => {
    const { client, fake } = await start({ latency: 'zero', timeScale: 60_000 }); // 5 min = 5 ms real
    const req = cachedRequest(5000);
    expect((await client.messages.create(req)).usage.cache_creation_input_tokens).toBeGreaterThan(0);
    const deadline = performance.now() + 5_000;
    while (fake.cacheEntries() > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    expect(fake.cacheEntries()).toBe(0);
    expect((await client.messages.create(req)).usage.cache_read_input_tokens).toBe(0);
  });

  it('caches nothing below the model minimum, without an error', async () => {
    const { client } = await start({ latency: 'zero', clock: createManualClock() });
    // ~2000 tokens: below Haiku 4.5's 4096 minimum (enough for Sonnet 4.5's 1024).
    const haiku = cachedRequest(2000, undefined, 'claude-haiku-4-5');
    const first = await client.messages.create(haiku);
    const second = await client.messages.create(haiku);
    for (const usage of [first.usage, second.usage]) {
      expect(usage.cache_creation_input_tokens).toBe(0);
      expect(usage.cache_read_input_tokens).toBe(0);
    }
    const bigHaiku = cachedRequest(4500, undefined, 'claude-haiku-4-5');
    expect((await client.messages.create(bigHaiku)).usage.cache_creation_input_tokens).toBeGreaterThan(4096);
  });

  it('makes N simultaneous cold calls all pay the write', async () => {
    const slowStart = {
      ttftMedianMs: 10_000,
      ttftP95Ms: 10_000,
      prefillMsPerToken: 0,
      outputTokensPerSMin: 1e6,
      outputTokensPerSMax: 1e6,
    };
    const { client } = await start({
      timeScale: 20, // TTFT 10 s simulated = 500 ms real: all five arrive before the first response starts
      latency: { haiku: slowStart, sonnet: slowStart, opus: slowStart },
    });
    const req = cachedRequest(5000);
    const cold = await Promise.all(Array.from({ length: 5 }, () => client.messages.create(req)));
    for (const message of cold) {
      expect(message.usage.cache_creation_input_tokens).toBeGreaterThan(5000);
      expect(message.usage.cache_read_input_tokens).toBe(0);
    }
    const warm = await client.messages.create(req);
    expect(warm.usage.cache_read_input_tokens).toBe(cold[0]?.usage.cache_creation_input_tokens);
  });

  it('reads the previous turn of a growing conversation (lookback) and writes only the new part', async () => {
    const { client } = await start({ latency: 'zero', clock: createManualClock() });
    const system = longSystem(4500);
    const turn = (text: string, cache: boolean) => ({
      type: 'text' as const,
      text,
      ...(cache ? { cache_control: { type: 'ephemeral' as const } } : {}),
    });
    const first = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      system,
      messages: [{ role: 'user', content: [turn('First question about habits.', true)] }],
    });
    const written = first.usage.cache_creation_input_tokens ?? 0;
    expect(written).toBeGreaterThan(4096);
    const second = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      system,
      messages: [
        { role: 'user', content: [turn('First question about habits.', false)] },
        { role: 'assistant', content: 'An answer.' },
        { role: 'user', content: [turn('A follow-up question.', true)] },
      ],
    });
    expect(second.usage.cache_read_input_tokens).toBe(written);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.input_tokens).toBe(0);
  });
});
