import { createAnthropic } from '@ai-sdk/anthropic';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeClaude, startFakeClaude } from './index.ts';

/** The Vercel AI SDK's Anthropic provider (ai 5, @ai-sdk/anthropic 2) against the fake, with a tool loop. */
let fake: FakeClaude;
let anthropic: ReturnType<typeof createAnthropic>;

beforeAll(async () => {
  // Claude calls the tool once per turn, then answers: every test sees the whole loop.
  fake = await startFakeClaude({
    latency: 'zero',
    toolUse: { share: 1, maxRounds: 1, parallelShare: 0, preambleShare: 0.5 },
  });
  // This provider's baseURL includes the /v1 prefix.
  anthropic = createAnthropic({ apiKey: 'sk-ant-test-0123456789', baseURL: `${fake.url}/v1` });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const queries: string[] = [];
const search = tool({
  description: 'Search the knowledge base for dated news snippets.',
  inputSchema: z.object({ query: z.string().min(1), limit: z.number().int().min(1).max(10).optional() }),
  execute: async ({ query }) => {
    queries.push(query);
    return `Central bank holds key rate (2026-11-27). Related to "${query}".`;
  },
});

describe('Vercel AI SDK Anthropic provider', () => {
  it('generateText runs the tool loop to a text answer, and the usage is what the fake billed', async () => {
    queries.length = 0;
    const result = await generateText({
      model: anthropic('claude-haiku-4-5'),
      tools: { search },
      stopWhen: stepCountIs(5),
      prompt: 'What is new about interest rates?',
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]!.toolCalls[0]).toMatchObject({ toolName: 'search', input: { query: expect.any(String) } });
    expect(queries.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe('stop');
    expect(result.text.length).toBeGreaterThan(0);
    const billed = fake.usage().standard;
    expect(billed.calls).toBe(result.steps.length);
    expect(result.totalUsage.outputTokens).toBe(billed.outputTokens);
    expect(result.totalUsage.inputTokens).toBe(billed.inputTokens);
  });

  it('streamText with a tool completes the loop and streams the final text', async () => {
    const result = streamText({
      model: anthropic('claude-haiku-4-5'),
      tools: { search },
      stopWhen: stepCountIs(5),
      prompt: 'Any news on the rail timetable?',
    });
    let streamedText = '';
    for await (const part of result.fullStream) if (part.type === 'text-delta') streamedText += part.text;
    const steps = await result.steps;
    expect(steps).toHaveLength(2);
    expect(steps.some((step) => step.toolResults.length > 0)).toBe(true);
    expect(await result.finishReason).toBe('stop');
    expect(streamedText).toContain(await result.text);
    expect(fake.calls().every((call) => call.stream && call.status === 200)).toBe(true);
  });
});
