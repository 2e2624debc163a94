import Anthropic from '@anthropic-ai/sdk';
import { betaZodTool } from '@anthropic-ai/sdk/helpers/beta/zod';
import type { MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeClaude, startFakeClaude } from './index.ts';

const KEY = 'sk-ant-test-0123456789';
let fake: FakeClaude;
let client: Anthropic;
const ajv = new Ajv2020({ strict: false });

beforeAll(async () => {
  fake = await startFakeClaude({ latency: 'zero' });
  client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const weather: Tool = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  input_schema: {
    type: 'object',
    properties: {
      location: { type: 'string', minLength: 2, description: 'City and country' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1, maximum: 7 },
      filters: {
        type: 'object',
        properties: {
          fields: { type: 'array', items: { type: 'string', enum: ['wind', 'rain', 'uv'] }, minItems: 1, maxItems: 3 },
          threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        },
        required: ['fields'],
        additionalProperties: false,
      },
    },
    required: ['location', 'unit', 'filters'],
    additionalProperties: false,
  },
};
const search: Tool = {
  name: 'search',
  description: 'Search the knowledge base.',
  input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};
const ask = (content: string): MessageParam[] => [{ role: 'user', content }];
const base = { model: 'claude-haiku-4-5', max_tokens: 1_000 };

/** The fields of the SSE events this file reads. */
interface SseEvent {
  type: string;
  index?: number;
  content_block?: { type: string; id?: string; name?: string; input?: object };
  delta: { type?: string; partial_json?: string; stop_reason?: string };
}

async function raw(body: object, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('tool use', () => {
  it('answers a forced tool call with tool_use blocks whose input validates against the input_schema', async () => {
    const validate = ajv.compile(weather.input_schema);
    for (let i = 0; i < 20; i++) {
      const message = await client.messages.create({
        ...base,
        tools: [weather, search],
        tool_choice: { type: 'tool', name: 'get_weather' },
        messages: ask(`What is the weather like in city number ${i}?`),
      });
      expect(message.stop_reason).toBe('tool_use');
      // Forced tool use: the API prefills the turn, so no text comes before the tool_use blocks.
      expect(message.content.every((block) => block.type === 'tool_use')).toBe(true);
      for (const block of message.content) {
        if (block.type !== 'tool_use') continue;
        expect(block.id).toMatch(/^toolu_01/);
        expect(block.name).toBe('get_weather');
        expect(validate(block.input), JSON.stringify(validate.errors)).toBe(true);
      }
    }
  });

  it('never calls a tool with tool_choice none, and always calls one with any', async () => {
    for (let i = 0; i < 10; i++) {
      const none = await client.messages.create({
        ...base,
        tools: [search],
        tool_choice: { type: 'none' },
        messages: ask(`Question ${i}?`),
      });
      expect(none.content.map((b) => b.type)).toEqual(['text']);
      const any = await client.messages.create({
        ...base,
        tools: [search],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        messages: ask(`Question ${i}?`),
      });
      expect(any.content.map((b) => b.type)).toEqual(['tool_use']);
    }
  });

  it('runs a whole tool loop with the SDK tool runner, and the usage adds up', async () => {
    const calls: string[] = [];
    const runner = client.beta.messages.toolRunner({
      ...base,
      // The full conversation each turn: the fake holds no server-side threads.
      thread: false,
      max_iterations: 10,
      messages: [{ role: 'user', content: 'What do the news say about interest rates?' }],
      tools: [
        betaZodTool({
          name: 'search',
          description: 'Search the knowledge base.',
          inputSchema: z.object({ query: z.string(), limit: z.number().int().min(1).max(10).optional() }),
          run: (input) => {
            calls.push(input.query);
            return `Central bank holds key rate. Related to "${input.query}".`;
          },
        }),
      ],
    });
    const messages: Anthropic.Beta.BetaMessage[] = [];
    for await (const message of runner) messages.push(message);
    const final = messages.at(-1)!;
    expect(final.stop_reason).toBe('end_turn');
    expect(final.content.some((b) => b.type === 'text')).toBe(true);
    // The default behaviour calls the tool for up to two rounds, then answers.
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.length).toBeLessThanOrEqual(3);
    expect(calls.length).toBeGreaterThanOrEqual(messages.length - 1);
    const sum = (pick: (u: (typeof final)['usage']) => number) => messages.reduce((s, m) => s + pick(m.usage), 0);
    const totals = fake.usage().standard;
    expect(totals.calls).toBe(messages.length);
    expect(totals.inputTokens).toBe(sum((u) => u.input_tokens));
    expect(totals.outputTokens).toBe(sum((u) => u.output_tokens));
  });

  it('gives streamed and non-streamed calls the same message, tool_use input included', async () => {
    const request = { ...base, tools: [weather], tool_choice: { type: 'any' as const }, messages: ask('Weather?') };
    const plain = await client.messages.create(request);
    const streamed = await client.messages.stream(request).finalMessage();
    expect(streamed.content).toEqual(
      plain.content.map((b) => (b.type === 'tool_use' ? { ...b, id: expect.any(String) } : b)),
    );
    expect(streamed.usage).toEqual(plain.usage);
    expect([streamed.stop_reason, streamed.stop_sequence]).toEqual([plain.stop_reason, plain.stop_sequence]);
  });

  it('streams tool_use as content_block_start with empty input, then input_json_delta fragments', async () => {
    const { text } = await raw({
      ...base,
      stream: true,
      tools: [weather],
      tool_choice: { type: 'any' },
      messages: ask('Weather?'),
    });
    const events = text
      .trim()
      .split('\n\n')
      .map((chunk) => JSON.parse(chunk.split('\n')[1]!.slice('data: '.length)) as SseEvent);
    const start = events.find((e) => e.type === 'content_block_start')!;
    expect(start.content_block).toMatchObject({ type: 'tool_use', name: 'get_weather', input: {} });
    expect(start.content_block?.id).toMatch(/^toolu_/);
    const fragments = events
      .filter((e) => e.type === 'content_block_delta' && e.index === start.index)
      .map((e) => e.delta);
    expect(fragments.every((d) => d.type === 'input_json_delta')).toBe(true);
    expect(fragments[0]?.partial_json).toBe('');
    expect(ajv.validate(weather.input_schema, JSON.parse(fragments.map((d) => d.partial_json).join('')))).toBe(true);
    const delta = events.find((e) => e.type === 'message_delta')!;
    expect(delta.delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null, stop_details: null });
  });

  it('makes one tool call per answer with disable_parallel_tool_use, and sometimes two without', async () => {
    const parallel = await startFakeClaude({
      latency: 'zero',
      toolUse: { share: 1, maxRounds: 1, parallelShare: 1, preambleShare: 0 },
    });
    try {
      const c = new Anthropic({ apiKey: KEY, baseURL: parallel.url, maxRetries: 0 });
      const two = await c.messages.create({ ...base, tools: [search, weather], messages: ask('Both?') });
      expect(two.content.filter((b) => b.type === 'tool_use')).toHaveLength(2);
      const one = await c.messages.create({
        ...base,
        tools: [search, weather],
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
        messages: ask('Both?'),
      });
      expect(one.content.filter((b) => b.type === 'tool_use')).toHaveLength(1);
      // Both results are needed in the next message, or the API refuses it.
      const uses = two.content.filter((b) => b.type === 'tool_use');
      const partial = c.messages.create({
        ...base,
        tools: [search, weather],
        messages: [
          ...ask('Both?'),
          { role: 'assistant', content: two.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: uses[0]!.id, content: 'ok' }] },
        ],
      });
      await expect(partial).rejects.toThrow(
        `messages.1: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${uses[1]!.id}.`,
      );
    } finally {
      await parallel.close();
    }
  });

  it('answers with text once the turn has had maxRounds tool rounds', async () => {
    const eager = await startFakeClaude({
      latency: 'zero',
      toolUse: { share: 1, maxRounds: 1, parallelShare: 0, preambleShare: 0 },
    });
    try {
      const c = new Anthropic({ apiKey: KEY, baseURL: eager.url, maxRetries: 0 });
      const first = await c.messages.create({ ...base, tools: [search], messages: ask('Rates?') });
      const use = first.content.find((b) => b.type === 'tool_use')!;
      expect(use).toBeDefined();
      const second = await c.messages.create({
        ...base,
        tools: [search],
        messages: [
          ...ask('Rates?'),
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: use.type === 'tool_use' ? use.id : '',
                content: [{ type: 'text', text: 'Rates held.' }],
              },
            ],
          },
        ],
      });
      expect(second.stop_reason).toBe('end_turn');
      expect(second.content.map((b) => b.type)).toEqual(['text']);
    } finally {
      await eager.close();
    }
  });
});

describe('tool validation, with the API messages', () => {
  const useBlock = { type: 'tool_use', id: 'toolu_01A', name: 'search', input: { query: 'x' } };
  const cases: Array<[string, object, string]> = [
    [
      'a tool_result without its tool_use',
      { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01X', content: 'hi' }] }] },
      'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01X. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    ],
    [
      'a tool_use without its tool_result',
      { messages: [...ask('q'), { role: 'assistant', content: [useBlock] }, ...ask('next')] },
      'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    ],
    [
      'an unknown tool in tool_choice',
      { tool_choice: { type: 'tool', name: 'nope' }, messages: ask('q') },
      "Tool 'nope' not found in provided tools",
    ],
    [
      'a tool name with a dot',
      { tools: [{ ...search, name: 'kb.search' }], messages: ask('q') },
      "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
    ],
    [
      'an input_schema that is not JSON Schema',
      {
        tools: [{ ...search, input_schema: { type: 'object', properties: { q: { type: 'strin' } } } }],
        messages: ask('q'),
      },
      'tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12 (https://json-schema.org/draft/2020-12). Learn more about tool use at https://docs.claude.com/en/docs/tool-use.',
    ],
    [
      'a top-level anyOf',
      {
        tools: [{ ...search, input_schema: { type: 'object', anyOf: [{ required: ['a'] }, { required: ['b'] }] } }],
        messages: ask('q'),
      },
      'tools.0.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level',
    ],
  ];
  for (const [what, body, message] of cases) {
    it(`refuses ${what}`, async () => {
      const { status, text } = await raw({ ...base, tools: [search], ...body });
      expect(status).toBe(400);
      expect(JSON.parse(text).error).toEqual({ type: 'invalid_request_error', message });
    });
  }

  it('accepts null properties and required, as the SDK MCP helper sends them', async () => {
    const { status } = await raw({
      ...base,
      tools: [{ name: 'ping', input_schema: { type: 'object', properties: null, required: null } }],
      tool_choice: { type: 'any' },
      messages: ask('q'),
    });
    expect(status).toBe(200);
  });
});

describe('tool tokens and prompt caching', () => {
  it('counts the tool definitions and the tool-use system prompt (346 auto, 313 forced) as input', async () => {
    const count = (extra: object) =>
      client.messages.countTokens({ model: base.model, messages: ask('Rates?'), ...extra }).then((r) => r.input_tokens);
    const plain = await count({});
    const auto = await count({ tools: [search] });
    const forced = await count({ tools: [search], tool_choice: { type: 'any' } });
    expect(auto - plain).toBeGreaterThan(346);
    expect(auto - forced).toBe(346 - 313);
  });

  it('caches tools first: a breakpoint on the system prompt covers the tools, and a tool_choice change keeps them', async () => {
    const system = [
      { type: 'text' as const, text: 'Guidance. '.repeat(2_000), cache_control: { type: 'ephemeral' as const } },
    ];
    const request = { ...base, system, tools: [search, weather], messages: ask('Rates?') };
    const first = await client.messages.create(request);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(4_096);
    const second = await client.messages.create({ ...request, tool_choice: { type: 'none' }, messages: ask('Other?') });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    // A changed tool definition changes the prefix from the start: nothing is read.
    const changed = await client.messages.create({
      ...request,
      tools: [search, { ...weather, description: 'Changed.' }],
    });
    expect(changed.usage.cache_read_input_tokens).toBe(0);
  });

  it('writes and reads a breakpoint on a tool: the tools are the start of the cached prefix', async () => {
    // Sonnet 4.5 caches from 1,024 tokens: a long tool description makes the tools alone cacheable.
    const manual: Tool = { ...search, description: 'Look things up in the manual. '.repeat(300) };
    const tools: Tool[] = [weather, { ...manual, cache_control: { type: 'ephemeral' } }];
    const model = 'claude-sonnet-4-5';
    const first = await client.messages.create({ ...base, model, tools, messages: ask('Rates?') });
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1_024);
    // Another system prompt and question after the tools: the tools' entry is still read.
    const second = await client.messages.create({
      ...base,
      model,
      tools,
      system: 'Be brief.',
      messages: ask('Other?'),
    });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
  });
});
