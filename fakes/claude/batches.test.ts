import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeClaude, startFakeClaude } from './index.ts';
import { waitFor } from './testing.ts';

let fake: FakeClaude | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const params = (content: string) => ({
  model: 'claude-haiku-4-5',
  max_tokens: 120,
  messages: [{ role: 'user' as const, content }],
});

describe('message batches', () => {
  it('completes on the scaled clock; results JSONL parse; usage is flagged batch', async () => {
    // Processing is drawn from 1-60 simulated minutes: at most 36 ms real at this scale.
    fake = await startFakeClaude({ latency: 'zero', timeScale: 100_000 });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const created = await client.messages.batches.create({
      requests: [
        { custom_id: 'digest-en', params: params('Morning digest about markets') },
        { custom_id: 'digest-ru', params: params('Утренний дайджест о погоде') },
        { custom_id: 'broken', params: { ...params('x'), model: 'claude-nope' } },
      ],
    });
    expect(created.processing_status).toBe('in_progress');
    expect(created.request_counts.processing).toBe(3);
    const ended = await waitFor(async () => {
      const batch = await client.messages.batches.retrieve(created.id);
      return batch.processing_status === 'ended' ? batch : undefined;
    });
    expect(ended.request_counts).toMatchObject({ succeeded: 2, errored: 1, processing: 0 });
    expect(ended.results_url).toContain(`/v1/messages/batches/${created.id}/results`);

    const results: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const line of await client.messages.batches.results(created.id)) results.push(line);
    expect(results.map((r) => [r.custom_id, r.result.type])).toEqual([
      ['digest-en', 'succeeded'],
      ['digest-ru', 'succeeded'],
      ['broken', 'errored'],
    ]);
    const ru = results[1]!.result;
    if (ru.type !== 'succeeded') throw new Error('expected success');
    expect(ru.message.content[0]?.type === 'text' && ru.message.content[0].text).toMatch(/[а-яё]/i);

    const usage = fake.usage();
    expect(usage.batch.calls).toBe(3);
    expect(usage.batch.outputTokens).toBeGreaterThan(0);
    expect(usage.standard.outputTokens).toBe(0);
    expect(fake.calls().filter((c) => c.batch)).toHaveLength(3);

    const listed = await client.messages.batches.list();
    expect(listed.data.map((b) => b.id)).toContain(created.id);
  });

  it('cancels a running batch', async () => {
    fake = await startFakeClaude({
      latency: 'zero',
      timeScale: 1000,
      batchProcessing: { minMs: 3_600_000, maxMs: 3_600_000 },
    });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
    const created = await client.messages.batches.create({ requests: [{ custom_id: 'a', params: params('hi') }] });
    const canceling = await client.messages.batches.cancel(created.id);
    expect(canceling.processing_status).toBe('canceling');
    const ended = await waitFor(async () => {
      const batch = await client.messages.batches.retrieve(created.id);
      return batch.processing_status === 'ended' ? batch : undefined;
    });
    expect(ended.request_counts.canceled).toBe(1);
    expect(fake.usage().batch.calls).toBe(0);
  });
});
