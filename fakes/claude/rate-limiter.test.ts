import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createScaledClock } from '../../common/clock.ts';
import { type FakeClaude, startFakeClaude } from './index.ts';
import { retryAfterHeader } from './messages-handler.ts';
import { RateLimiter } from './rate-limiter.ts';
import { createManualClock } from './testing.ts';

let fake: FakeClaude | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 50,
  messages: [{ role: 'user' as const, content: 'Short question?' }],
};

describe('rate limits', () => {
  it('moves the ratelimit headers and answers 429 with retry-after when the request bucket empties', async () => {
    const clock = createManualClock();
    fake = await startFakeClaude({ latency: 'zero', clock, tier: 'tier-1' }); // Haiku 4.5: 50 RPM
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        client.messages
          .create(request)
          .withResponse()
          .then((r) => r.response),
      ),
    );
    for (const response of responses) {
      expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('50');
      expect(response.headers.get('anthropic-ratelimit-input-tokens-limit')).toBe('50000');
      expect(response.headers.get('anthropic-ratelimit-output-tokens-limit')).toBe('10000');
      expect(Date.parse(response.headers.get('anthropic-ratelimit-requests-reset') ?? '')).toBeGreaterThanOrEqual(
        clock.nowMs(),
      );
    }
    const remaining = responses.map((r) => Number(r.headers.get('anthropic-ratelimit-requests-remaining')));
    expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const refused = await client.messages.create(request).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    const error = refused as InstanceType<typeof Anthropic.RateLimitError>;
    expect(error.headers?.get('retry-after')).toBe('2'); // one request refills in 60 s / 50 = 1.2 s
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    // Buckets refill on the scaled clock.
    clock.advanceMs(1_200);
    await expect(client.messages.create(request)).resolves.toMatchObject({ type: 'message' });
    expect(fake.calls().filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('counts uncached input and cache writes against ITPM and answers 429 when a prompt does not fit', async () => {
    const clock = createManualClock();
    fake = await startFakeClaude({
      latency: 'zero',
      clock,
      tier: {
        haiku: { requestsPerMin: 1000, inputTokensPerMin: 1000, outputTokensPerMin: 100_000 },
        sonnet: { requestsPerMin: 1000, inputTokensPerMin: 1000, outputTokensPerMin: 100_000 },
        opus: { requestsPerMin: 1000, inputTokensPerMin: 1000, outputTokensPerMin: 100_000 },
      },
    });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const big = { ...request, messages: [{ role: 'user' as const, content: 'word '.repeat(700) }] }; // ~880 tokens
    const { response } = await client.messages.create(big).withResponse();
    // ~120 of 1,000 left: remaining token counts are rounded to the nearest thousand, as the API sends them.
    expect(response.headers.get('anthropic-ratelimit-input-tokens-remaining')).toBe('0');
    // tokens-* is input and output combined.
    expect(response.headers.get('anthropic-ratelimit-tokens-limit')).toBe('101000');
    expect(response.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('100000');
    await expect(client.messages.create(big)).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    clock.advanceMs(60_000);
    await expect(client.messages.create(big)).resolves.toMatchObject({ type: 'message' });
  });

  it('switches tier at run time through the control API', async () => {
    fake = await startFakeClaude({ latency: 'zero' });
    const put = await fetch(`${fake.url}/control/rate-limits`, {
      method: 'PUT',
      body: JSON.stringify({ tier: 'tier-2' }),
    });
    expect(await put.json()).toEqual({ tier: 'tier-2' });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const { response } = await client.messages.create(request).withResponse();
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('1000');
    const bad = await fetch(`${fake.url}/control/rate-limits`, {
      method: 'PUT',
      body: JSON.stringify({ tier: 'tier-9' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/tier/);
  });

  it('reserves max_tokens of the output bucket at admission and corrects it to the actual output at the end', async () => {
    const clock = createManualClock();
    fake = await startFakeClaude({ latency: 'zero', clock, tier: 'tier-1' }); // Haiku 4.5: 10,000 OTPM
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const asking = { ...request, max_tokens: 8_000 };
    // A stream sends its headers before it has output: the whole max_tokens is reserved then.
    const stream = client.messages.stream(asking);
    const streamed = await stream.finalMessage();
    const atStart = (await stream.withResponse()).response.headers;
    expect(atStart.get('anthropic-ratelimit-output-tokens-remaining')).toBe('2000');
    // A non-streamed answer sends them at its end, after the correction to what was produced.
    const { data, response } = await client.messages.create(asking).withResponse();
    const produced = streamed.usage.output_tokens + data.usage.output_tokens;
    expect(produced).toBeLessThan(2_000);
    expect(response.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe(
      String(Math.round((10_000 - produced) / 1000) * 1000),
    );
    // Little output was used, but a max_tokens the bucket cannot hold is refused until it refills.
    const refused = await client.messages.create({ ...request, max_tokens: 10_000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect((refused as InstanceType<typeof Anthropic.RateLimitError>).message).toMatch(/output tokens per minute/);
    clock.advanceMs(60_000);
    await expect(client.messages.create({ ...request, max_tokens: 10_000 })).resolves.toMatchObject({
      type: 'message',
    });
  });
});

describe('RateLimiter', () => {
  const NAMES = ['requests', 'input-tokens', 'output-tokens', 'tokens'].flatMap((bucket) =>
    ['limit', 'remaining', 'reset'].map((part) => `anthropic-ratelimit-${bucket}-${part}`),
  );

  it("sends the API's twelve ratelimit headers, and a refused call gets them even when an admitted one asked for none", () => {
    const limiter = new RateLimiter(createManualClock(), 'tier-1'); // Haiku: 50 requests per minute
    const admitted = limiter.admit('haiku', 1_000, 100);
    expect(Object.keys(admitted.headers).sort()).toEqual([...NAMES].sort());
    expect(admitted.headers['anthropic-ratelimit-requests-remaining']).toBe('49');
    expect(Number.isNaN(Date.parse(admitted.headers['anthropic-ratelimit-tokens-reset'] ?? ''))).toBe(false);
    // A non-streamed answer reads them at its end (headersFor), so its admission builds none.
    for (let i = 0; i < 49; i++) expect(limiter.admit('haiku', 10, 10, { headers: false }).headers).toEqual({});
    expect(limiter.headersFor('haiku')['anthropic-ratelimit-requests-remaining']).toBe('0');
    const refused = limiter.admit('haiku', 10, 10, { headers: false });
    expect(refused.refusedBy).toBe('requests');
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.headers['anthropic-ratelimit-requests-remaining']).toBe('0');
  });
});

describe('retry-after', () => {
  const atScale = (timeScale: number) => createScaledClock({ timeScale });

  it('is whole seconds at 1x, at least 1, as the API sends it', () => {
    expect(retryAfterHeader(atScale(1), 300)).toBe('1');
    expect(retryAfterHeader(atScale(1), 1_200)).toBe('2');
    expect(retryAfterHeader(atScale(1), 3_000)).toBe('3');
  });

  it('asks for the same whole simulated seconds at every scale, in real seconds', () => {
    // A 0.3 s wait is one simulated second at any scale: 0.5 real s at 2x, not 0.15 (which retried sooner at 2x
    // than at 1x, so a faster run drained a rate-limited burst faster than the API lets a bot).
    for (const simulatedMs of [300, 1_200, 3_000]) {
      const at1x = Number(retryAfterHeader(atScale(1), simulatedMs));
      for (const timeScale of [2, 3, 15]) {
        const realS = Number(retryAfterHeader(atScale(timeScale), simulatedMs));
        expect(realS * timeScale).toBeGreaterThanOrEqual(at1x);
        expect(realS * timeScale).toBeLessThan(at1x + 0.001 * timeScale);
      }
    }
    expect(retryAfterHeader(atScale(2), 300)).toBe('0.500');
    expect(retryAfterHeader(atScale(3), 300)).toBe('0.334');
  });
});
