import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClaude, startFakeClaude } from './index.ts';
import { REDACTED_THINKING_TRIGGER } from './thinking.ts';

const KEY = 'sk-ant-test-0123456789';
let fake: FakeClaude;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeClaude({
    latency: 'zero',
    toolUse: { share: 1, maxRounds: 1, parallelShare: 0, preambleShare: 0 },
  });
  client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const search: Tool = {
  name: 'search',
  description: 'Search the knowledge base.',
  input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};
const thinking = { type: 'enabled' as const, budget_tokens: 2_000 };
const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 4_000,
  thinking,
  messages: [{ role: 'user' as const, content: 'Why did the central bank hold rates?' }],
};
const tokensOf = (text: string) =>
  client.messages.countTokens({ model: request.model, messages: [{ role: 'user', content: text }] });

describe('extended thinking', () => {
  it('answers with a signed thinking block before the text, billed as output tokens', async () => {
    const message = await client.messages.create(request);
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const [think, text] = message.content as [
      Extract<ContentBlock, { type: 'thinking' }>,
      Extract<ContentBlock, { type: 'text' }>,
    ];
    expect(think.signature.length).toBeGreaterThan(20);
    const details = message.usage.output_tokens_details;
    expect(details?.thinking_tokens).toBeGreaterThan(0);
    expect(details?.thinking_tokens).toBeLessThanOrEqual(thinking.budget_tokens);
    // Counted as text, thinking and answer cost about what output_tokens says (the fake does not summarise).
    const recount = (await tokensOf(think.thinking)).input_tokens + (await tokensOf(text.text)).input_tokens;
    expect(Math.abs(recount - message.usage.output_tokens)).toBeLessThanOrEqual(20);
  });

  it('streams thinking_delta then signature_delta, and the accumulated message equals the non-streamed one', async () => {
    const plain = await client.messages.create(request);
    const events: string[] = [];
    const stream = client.messages.stream(request);
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta') events.push(event.delta.type);
    });
    const streamed = await stream.finalMessage();
    expect(streamed.content).toEqual(plain.content);
    expect(streamed.usage).toEqual(plain.usage);
    const firstText = events.indexOf('text_delta');
    expect(events.slice(0, firstText).at(-1)).toBe('signature_delta');
    expect(new Set(events.slice(0, firstText - 1))).toEqual(new Set(['thinking_delta']));
  });

  it('round-trips thinking blocks through a tool loop, and refuses a modified one', async () => {
    const first = await client.messages.create({ ...request, tools: [search] });
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    const use = first.content[1] as Extract<ContentBlock, { type: 'tool_use' }>;
    const loop = (assistant: ContentBlock[]): MessageParam[] => [
      ...request.messages,
      { role: 'assistant', content: assistant },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Rates held at 4%.' }] },
    ];
    const second = await client.messages.create({ ...request, tools: [search], messages: loop(first.content) });
    // Without interleaved thinking Claude thinks once per turn: the continuation is text only.
    expect(second.content.map((b) => b.type)).toEqual(['text']);
    // The thinking block sent back is billed as input in the current turn.
    const withThinking = await client.messages.countTokens({
      model: request.model,
      tools: [search],
      thinking,
      messages: loop(first.content),
    });
    const without = await client.messages.countTokens({
      model: request.model,
      tools: [search],
      thinking,
      messages: loop([use]),
    });
    expect(withThinking.input_tokens).toBeGreaterThan(without.input_tokens);
    const forged = [{ ...first.content[0]!, thinking: 'I changed my mind.' } as ContentBlock, use];
    await expect(client.messages.create({ ...request, tools: [search], messages: loop(forged) })).rejects.toThrow(
      'messages.1.content.0: Invalid `signature` in `thinking` block',
    );
  });

  it('thinks between tool calls with the interleaved-thinking beta, where budget_tokens may exceed max_tokens', async () => {
    const betas = ['interleaved-thinking-2025-05-14'];
    const wide = { ...request, max_tokens: 3_000, thinking: { type: 'enabled' as const, budget_tokens: 8_000 } };
    const first = await client.beta.messages.create({ ...wide, betas, tools: [search] });
    const use = first.content.find((b) => b.type === 'tool_use')!;
    const second = await client.beta.messages.create({
      ...wide,
      betas,
      tools: [search],
      messages: [
        ...wide.messages,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: use.type === 'tool_use' ? use.id : '', content: 'Rates held.' },
          ],
        },
      ],
    });
    expect(second.content[0]?.type).toBe('thinking');
    expect(second.usage.output_tokens).toBeLessThanOrEqual(wide.max_tokens);
  });

  it('strips thinking of earlier turns from the input on Haiku 4.5, and keeps it on Opus 4.5', async () => {
    // A thinking block is signed for the model that wrote it, so each model answers its own first turn.
    const extra = async (model: string) => {
      const answer = await client.messages.create({ ...request, model });
      const after = (content: ContentBlock[]): MessageParam[] => [
        ...request.messages,
        { role: 'assistant', content },
        { role: 'user', content: 'And next month?' },
      ];
      const count = (content: ContentBlock[]) =>
        client.messages.countTokens({ model, messages: after(content), thinking }).then((r) => r.input_tokens);
      return (await count(answer.content)) - (await count(answer.content.filter((b) => b.type !== 'thinking')));
    };
    expect(await extra('claude-haiku-4-5')).toBe(0);
    expect(await extra('claude-opus-4-5')).toBeGreaterThan(0);
  });

  it('answers the documented test string with a redacted_thinking block that round-trips', async () => {
    const redacted = { ...request, messages: [{ role: 'user' as const, content: REDACTED_THINKING_TRIGGER }] };
    const message = await client.messages.create(redacted);
    expect(message.content[0]).toMatchObject({ type: 'redacted_thinking', data: expect.any(String) });
    const streamed = await client.messages.stream(redacted).finalMessage();
    expect(streamed.content).toEqual(message.content);
    const next = await client.messages.create({
      ...request,
      messages: [
        ...redacted.messages,
        { role: 'assistant', content: message.content },
        { role: 'user', content: 'Go on.' },
      ],
    });
    expect(next.type).toBe('message');
  });

  it('refuses the thinking settings the API refuses, with its messages', async () => {
    const refused: Array<[object, string]> = [
      [
        { thinking: { type: 'enabled', budget_tokens: 512 } },
        'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
      ],
      [
        { thinking: { type: 'enabled', budget_tokens: 4_000 } },
        '`max_tokens` must be greater than `thinking.budget_tokens`.',
      ],
      [
        { tools: [search], tool_choice: { type: 'any' } },
        'Thinking may not be enabled when tool_choice forces tool use.',
      ],
      [{ temperature: 0.2 }, '`temperature` may only be set to 1 when thinking is enabled or in adaptive mode'],
    ];
    for (const [change, message] of refused) {
      const error = await client.messages.create({ ...request, ...change } as typeof request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ error: { message } });
    }
  });
});
