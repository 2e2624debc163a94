import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { startFakeClaude } from './index.ts';
import { drawLatency, LATENCY_PROFILES } from './latency.ts';
import { createRng } from './random.ts';

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;

describe('latency model', () => {
  it('draws Haiku TTFT around 0.6 s median / 1.5 s p95 and Sonnet slower, seeded', () => {
    const draw = (modelClass: 'haiku' | 'sonnet') => {
      const rng = createRng(3);
      return Array.from({ length: 4000 }, () => drawLatency(LATENCY_PROFILES.realistic, modelClass, 0, rng));
    };
    const haiku = draw('haiku').map((d) => d.ttftMs);
    expect(quantile(haiku, 0.5)).toBeGreaterThan(500);
    expect(quantile(haiku, 0.5)).toBeLessThan(700);
    expect(quantile(haiku, 0.95)).toBeGreaterThan(1250);
    expect(quantile(haiku, 0.95)).toBeLessThan(1800);
    const sonnet = draw('sonnet');
    expect(
      quantile(
        sonnet.map((d) => d.ttftMs),
        0.5,
      ),
    ).toBeGreaterThan(1300);
    const speeds = sonnet.map((d) => 1000 / d.msPerOutputToken);
    expect(Math.min(...speeds)).toBeGreaterThanOrEqual(45);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(70);
    expect(draw('haiku').map((d) => d.ttftMs)).toEqual(haiku);
  });

  it('grows TTFT with uncached input tokens', () => {
    const short = drawLatency(LATENCY_PROFILES.realistic, 'haiku', 0, createRng(9)).ttftMs;
    const long = drawLatency(LATENCY_PROFILES.realistic, 'haiku', 50_000, createRng(9)).ttftMs;
    expect(long).toBeGreaterThan(short + 1000);
  });

  it('paces a real call on the scaled clock: simulated seconds, real milliseconds', async () => {
    const fake = await startFakeClaude({ latency: 'realistic', timeScale: 200 });
    try {
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
      const started = performance.now();
      const message = await client.messages
        .stream({
          model: 'claude-haiku-4-5',
          max_tokens: 300,
          messages: [{ role: 'user', content: 'Tell me about habits.' }],
        })
        .finalMessage();
      const realMs = performance.now() - started;
      const record = fake.calls()[0]!;
      // TTFT (~0.6 s) + output at 60-110 tok/s: well above the TTFT alone in simulated time.
      const minimumMs = (message.usage.output_tokens - 1) * (1000 / 110);
      expect(record.latencyMs).toBeGreaterThan(minimumMs);
      expect(realMs).toBeLessThan(record.latencyMs / 2); // a fraction of the simulated time
    } finally {
      await fake.close();
    }
  });
});
