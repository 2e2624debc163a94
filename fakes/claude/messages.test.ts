import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClaude, startFakeClaude } from './index.ts';

const KEY = 'sk-ant-test-0123456789';
let fake: FakeClaude;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeClaude({ latency: 'zero', bodyLimitBytes: 64 * 1024 });
  client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());

const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 400,
  system: 'You are a concise assistant for a Telegram bot.',
  messages: [{ role: 'user' as const, content: 'Give me three ideas for a morning routine.' }],
};

async function post(path: string, body: string, headers: Record<string, string> = { 'x-api-key': KEY }) {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe('POST /v1/messages', () => {
  it('answers the SDK with a message whose usage obeys the invariants', async () => {
    const message = await client.messages.create(request);
    expect(message.model).toBe('claude-haiku-4-5-20251001');
    expect(message.content[0]?.type).toBe('text');
    const count = await client.messages.countTokens({
      model: request.model,
      system: request.system,
      messages: request.messages,
    });
    const u = message.usage;
    expect(u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0)).toBe(
      count.input_tokens,
    );
    expect(u.output_tokens).toBeGreaterThanOrEqual(1);
    expect(u.output_tokens).toBeLessThanOrEqual(request.max_tokens);
  });

  it('gives streaming and non-streaming calls the same usage and text', async () => {
    const plain = await client.messages.create(request);
    const streamed = await client.messages.stream(request).finalMessage();
    expect(streamed.usage).toEqual(plain.usage);
    expect(streamed.content).toEqual(plain.content);
    expect(streamed.stop_reason).toBe(plain.stop_reason);
  });

  it('streams the exact event sequence', async () => {
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await response.text())
      .trim()
      .split('\n\n')
      .map((chunk) => {
        const [eventLine = '', dataLine = ''] = chunk.split('\n');
        return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
      });
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = names.slice(3, -3);
    expect(deltas.length).toBeGreaterThan(0);
    expect(new Set(deltas)).toEqual(new Set(['content_block_delta']));
    const start = events[0]!.data.message.usage;
    expect(start.output_tokens).toBe(1);
    expect(start).toHaveProperty('cache_creation_input_tokens');
    expect(start).toHaveProperty('cache_read_input_tokens');
    const messageDelta = events[events.length - 2]!.data;
    expect(messageDelta.delta.stop_reason).toMatch(/end_turn|max_tokens/);
    expect(messageDelta.usage.output_tokens).toBeGreaterThanOrEqual(1);
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const message = await client.messages.create({ ...request, max_tokens: 3 });
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(3);
  });

  it('answers in Russian when the user writes in Russian, deterministically per seed', async () => {
    const russian = { ...request, messages: [{ role: 'user' as const, content: 'Расскажи про утреннюю рутину' }] };
    const first = await client.messages.create(russian);
    const second = await client.messages.create(russian);
    const text = first.content[0]?.type === 'text' ? first.content[0].text : '';
    expect(text).toMatch(/[а-яё]/i);
    expect(second.content).toEqual(first.content);
  });

  it('records every call with its retry count and usage', async () => {
    fake.reset();
    await client.messages.create(request);
    const [record] = fake.calls();
    expect(record).toMatchObject({
      endpoint: 'messages',
      model: 'claude-haiku-4-5-20251001',
      status: 200,
      retryCount: 0,
    });
    expect(record?.usage?.outputTokens).toBeGreaterThan(0);
    expect(fake.usage().byModel['claude-haiku-4-5-20251001']?.standard.calls).toBe(1);
  });
});

describe('errors', () => {
  const body = JSON.stringify(request);

  it('gives a missing key 401 with the error shape and a request-id header', async () => {
    const { status, headers, json } = await post('/v1/messages', body, {});
    expect(status).toBe(401);
    expect(json).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(json.request_id).toBe(headers.get('request-id'));
  });

  it('gives an unknown model 404 `model: <id>`', async () => {
    const { status, json } = await post('/v1/messages', JSON.stringify({ ...request, model: 'claude-nope-1' }));
    expect(status).toBe(404);
    expect(json.error).toEqual({ type: 'not_found_error', message: 'model: claude-nope-1' });
  });

  it('gives malformed JSON, wrong types and a too-large max_tokens 400', async () => {
    for (const bad of [
      '{"model":',
      JSON.stringify({ ...request, max_tokens: 'many' }),
      JSON.stringify({ ...request, max_tokens: 64_001 }),
    ]) {
      const { status, json } = await post('/v1/messages', bad);
      expect(status).toBe(400);
      expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
  });

  it('gives an oversized body 413 request_too_large', async () => {
    const big = JSON.stringify({ ...request, system: 'x'.repeat(70 * 1024) });
    const { status, json } = await post('/v1/messages', big);
    expect(status).toBe(413);
    expect(json.error).toMatchObject({ type: 'request_too_large' });
  });

  it('surfaces as the SDK error classes', async () => {
    await expect(client.messages.create({ ...request, model: 'claude-nope-1' })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
    await expect(client.messages.create({ ...request, max_tokens: 0 })).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
  });

  it('never leaks a rejected API key into the error', async () => {
    const strict = await startFakeClaude({ latency: 'zero', apiKeys: ['sk-ant-good-key'] });
    try {
      const secret = 'sk-ant-api03-SECRETSECRETSECRET';
      const response = await fetch(`${strict.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': secret },
        body,
      });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('SECRETSECRET');
    } finally {
      await strict.close();
    }
  });

  it('survives arbitrary bodies and keeps serving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (text) => {
          const response = await fetch(`${fake.url}/v1/messages`, {
            method: 'POST',
            headers: { 'x-api-key': KEY },
            body: text,
          });
          const json = (await response.json()) as { type: string };
          return response.status < 500 && (response.status === 200 || json.type === 'error');
        },
      ),
      { numRuns: 100 },
    );
    expect((await client.messages.create(request)).type).toBe('message');
  });
});
