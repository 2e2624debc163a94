import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeClaude, startFakeClaude } from './index.ts';
import { waitFor } from './testing.ts';

let fake: FakeClaude | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 50,
  messages: [{ role: 'user' as const, content: 'Hello' }],
};
const FOREVER_MS = 1e12;

async function start(timeScale = 1000) {
  fake = await startFakeClaude({ latency: 'zero', timeScale });
  return fake;
}

describe('fault injection and the SDK retry rules', () => {
  it('retries 529 exactly maxRetries times, counting X-Stainless-Retry-Count', async () => {
    const f = await start();
    f.setFaults({ windows: [{ fromMs: 0, toMs: FOREVER_MS, rate: 1, kind: '529', retryAfterMs: 1 }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 2 });
    await expect(client.messages.create(request)).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    expect(f.calls().map((c) => [c.status, c.errorType, c.retryCount])).toEqual([
      [529, 'overloaded_error', 0],
      [529, 'overloaded_error', 1],
      [529, 'overloaded_error', 2],
    ]);
    f.reset();
    const noRetry = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 0 });
    await expect(noRetry.messages.create(request)).rejects.toThrow();
    expect(f.calls()).toHaveLength(1);
  });

  it('honours retry-after on a 429 and succeeds on the retry', async () => {
    const f = await start(1000);
    // retry-after 300 simulated s = 300 ms real; the schedule is cleared while the SDK waits.
    f.setFaults({ windows: [{ fromMs: 0, toMs: FOREVER_MS, rate: 1, kind: '429', retryAfterMs: 300_000 }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 2 });
    const pending = client.messages.create(request);
    await waitFor(() => f.calls().length === 1);
    f.setFaults({ windows: [] });
    expect((await pending).type).toBe('message');
    const [first, second] = f.calls();
    expect(first).toMatchObject({ status: 429, retryCount: 0, fault: '429' });
    expect(second).toMatchObject({ status: 200, retryCount: 1 });
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(300_000);
  });

  it('makes a mid-stream error throw in the SDK without a retry', async () => {
    const f = await start();
    f.setFaults({ windows: [{ fromMs: 0, toMs: FOREVER_MS, rate: 1, kind: 'mid_stream_error' }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 2 });
    const error = await client.messages
      .stream({ ...request, max_tokens: 200 })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: 'overloaded_error' },
    });
    expect(f.calls()).toHaveLength(1);
    expect(f.calls()[0]).toMatchObject({ status: 200, errorType: 'overloaded_error', stream: true });
  });

  it('closes a stream early without message_stop', async () => {
    const f = await start();
    f.setFaults({ windows: [{ fromMs: 0, toMs: FOREVER_MS, rate: 1, kind: 'early_close' }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 0 });
    await expect(client.messages.stream({ ...request, max_tokens: 200 }).finalMessage()).rejects.toThrow();
    expect(f.calls()[0]).toMatchObject({ errorType: 'early_close' });
  });

  it('never answers until the client gives up', async () => {
    const f = await start();
    f.setFaults({ windows: [{ fromMs: 0, toMs: FOREVER_MS, rate: 1, kind: 'never_answer' }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 0, timeout: 150 });
    await expect(client.messages.create(request)).rejects.toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    await waitFor(() => f.calls().length === 1);
    expect(f.calls()[0]).toMatchObject({ errorType: 'never_answer', fault: 'never_answer' });
  });

  it('applies a rate below 1 to about that share of calls, and only inside the window', async () => {
    const f = await start();
    f.setFaults({ windows: [{ fromMs: 0, toMs: FOREVER_MS, rate: 0.3, kind: '500' }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 0 });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () =>
        client.messages.create(request).then(
          () => 'ok',
          () => 'failed',
        ),
      ),
    );
    const failed = outcomes.filter((o) => o === 'failed').length;
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(50);
    f.setFaults({ windows: [{ fromMs: f.runMs() + 1e9, toMs: FOREVER_MS, rate: 1, kind: '500' }] });
    await expect(client.messages.create(request)).resolves.toMatchObject({ type: 'message' });
  });

  it('validates a schedule through the control API and names the field', async () => {
    const f = await start();
    const bad = await fetch(`${f.url}/control/faults`, {
      method: 'PUT',
      body: JSON.stringify({ windows: [{ fromMs: 0, toMs: 10, rate: 2, kind: '529' }] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/windows\.0\.rate.*0 to 1/);
    const good = { windows: [{ fromMs: 0, toMs: 10, rate: 0.5, kind: '504' }] };
    const ok = await fetch(`${f.url}/control/faults`, { method: 'PUT', body: JSON.stringify(good) });
    expect(await ok.json()).toEqual(good);
    expect(f.getFaults()).toEqual(good);
    expect(() => f.setFaults({ windows: [{ fromMs: 0, toMs: 10, rate: 1, kind: 'explode' as '529' }] })).toThrow(
      /kind/,
    );
  });
});

describe('fault windows per model', () => {
  it('hits only the named model, by alias or dated id', async () => {
    const f = await startFakeClaude({ latency: 'zero' });
    fake = f;
    f.setFaults({
      windows: [{ fromMs: 0, toMs: FOREVER_MS, rate: 1, kind: '500', models: ['claude-haiku-4-5-20251001'] }],
    });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: f.url, maxRetries: 0 });
    await expect(client.messages.create(request)).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    await expect(client.messages.create({ ...request, model: 'claude-3-5-haiku-20241022' })).resolves.toMatchObject({
      type: 'message',
    });
  });
});
