import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClaude, startFakeClaude } from './index.ts';

let fake: FakeClaude;
beforeAll(async () => {
  fake = await startFakeClaude({ latency: 'zero' });
});
afterAll(() => fake.close());

const get = async (path: string) => (await fetch(`${fake.url}${path}`)).json() as Promise<Record<string, unknown>>;

describe('control API', () => {
  it('reports totals, per-model usage and per-call records, and resets', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const request = { model: 'claude-haiku-4-5', max_tokens: 30, messages: [{ role: 'user' as const, content: 'hi' }] };
    const a = await client.messages.create(request);
    await client.messages.create({ ...request, model: 'claude-3-5-haiku-20241022' });
    const usage = (await get('/control/usage')) as unknown as ReturnType<FakeClaude['usage']>;
    expect(usage.standard.calls).toBe(2);
    expect(usage.byModel['claude-haiku-4-5-20251001']?.standard.outputTokens).toBe(a.usage.output_tokens);
    expect(usage).toEqual(fake.usage());

    const all = (await get('/control/calls')) as { calls: { seq: number }[]; lastSeq: number };
    expect(all.calls).toHaveLength(2);
    const newer = (await get(`/control/calls?since=${all.calls[0]!.seq}&limit=10`)) as { calls: { seq: number }[] };
    expect(newer.calls.map((c) => c.seq)).toEqual([all.calls[1]!.seq]);
    const bad = await fetch(`${fake.url}/control/calls?since=-1`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/since/);

    expect(await (await fetch(`${fake.url}/control/reset`, { method: 'POST' })).json()).toEqual({ ok: true });
    expect(fake.usage().standard.calls).toBe(0);
  });

  it('lists models, tiers and health, and 404s unknown routes', async () => {
    expect(((await get('/control/models')).models as unknown[]).length).toBeGreaterThanOrEqual(4);
    expect(await get('/control/rate-limits')).toMatchObject({ tier: 'unlimited' });
    expect(await get('/control/health')).toMatchObject({ ok: true });
    expect((await fetch(`${fake.url}/control/nope`)).status).toBe(404);
  });

  it('answers a body over its limit with 413 and a body nested thousands deep with 400, never 500', async () => {
    const put = (body: string) =>
      fetch(`${fake.url}/control/faults`, { method: 'PUT', body, headers: { 'content-type': 'application/json' } });
    const huge = await put(`{"windows":[],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    expect(huge.status).toBe(413);
    expect(await huge.text()).toMatch(/maximum allowed number of bytes/);
    for (const deep of ['['.repeat(100_000) + ']'.repeat(100_000), `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`]) {
      const response = await put(deep);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(fake.getFaults()).toEqual({ windows: [] });
  });

  it('serves GET /v1/models for the SDK', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toContain('claude-haiku-4-5-20251001');
  });
});
