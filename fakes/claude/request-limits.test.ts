import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClaude, startFakeClaude } from './index.ts';

const KEY = 'sk-ant-test-0123456789';
let fake: FakeClaude;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeClaude({ latency: 'zero' });
  client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());

const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 800,
  messages: [{ role: 'user' as const, content: 'Give me a long list of morning routine ideas.' }],
};
const textOf = (message: Anthropic.Message) => message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');

describe('stop sequences', () => {
  it('end the text before the first sequence found, with stop_reason stop_sequence and the sequence named', async () => {
    const full = await client.messages.create(request);
    const words = textOf(full).split(' ');
    expect(words.length).toBeGreaterThan(8);
    const sequence = ` ${words[Math.floor(words.length / 2)]}`;
    const cut = await client.messages.create({ ...request, stop_sequences: ['NEVER-OCCURS', sequence] });
    expect(cut.stop_reason).toBe('stop_sequence');
    expect(cut.stop_sequence).toBe(sequence);
    expect(textOf(cut)).toBe(textOf(full).slice(0, textOf(full).indexOf(sequence)));
    expect(cut.usage.output_tokens).toBeLessThan(full.usage.output_tokens);
    const streamed = await client.messages.stream({ ...request, stop_sequences: [sequence] }).finalMessage();
    expect([streamed.stop_reason, streamed.stop_sequence, textOf(streamed)]).toEqual([
      'stop_sequence',
      sequence,
      textOf(cut),
    ]);
  });

  it('leave the answer whole when no sequence occurs', async () => {
    const message = await client.messages.create({ ...request, stop_sequences: ['\n\nHuman:'] });
    expect(message.stop_sequence).toBeNull();
    expect(['end_turn', 'max_tokens']).toContain(message.stop_reason);
  });
});

describe('context window', () => {
  // 'word ' is 5 ASCII characters: 1.25 tokens by the fake's counting.
  const prompt = (tokens: number) => [{ role: 'user' as const, content: 'word '.repeat(Math.ceil(tokens / 1.25)) }];

  it('refuses a prompt over the model window with the API message', async () => {
    const error = (await client.messages
      .create({ ...request, messages: prompt(201_000) })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toMatch(/prompt is too long: \d+ tokens > 200000 maximum/);
  });

  it('refuses a prompt whose max_tokens does not fit beside it, and accepts it on a 1M-token model', async () => {
    const messages = prompt(190_000);
    const { input_tokens } = await client.messages.countTokens({ model: request.model, messages });
    const error = (await client.messages
      .create({ ...request, max_tokens: 20_000, messages })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error).toMatchObject({
      error: {
        type: 'invalid_request_error',
        message: `input length and \`max_tokens\` exceed context limit: ${input_tokens} + 20000 > 200000, decrease input length or \`max_tokens\` and try again`,
      },
    });
    await expect(
      client.messages.create({ ...request, model: 'claude-sonnet-4-6', max_tokens: 20_000, messages }),
    ).resolves.toMatchObject({ type: 'message' });
  });
});
