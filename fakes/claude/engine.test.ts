import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageJson, messageObject, planCall } from './engine.ts';
import { LATENCY_PROFILES } from './latency.ts';
import { PromptCache } from './prompt-cache.ts';
import { createManualClock } from './testing.ts';
import { createThinkingSigner } from './thinking.ts';
import { countTextTokens } from './tokenizer.ts';
import { validateMessagesRequest } from './validation.ts';

const clock = createManualClock();
const context = {
  seed: 7,
  clock,
  cache: new PromptCache(clock),
  latency: LATENCY_PROFILES.realistic,
  outputLength: { medianTokens: 180, p95Tokens: 600 },
  thinkingLength: { medianTokens: 600, p95Tokens: 3000 },
  toolUse: { share: 0.8, maxRounds: 2, parallelShare: 0.1, preambleShare: 0.5 },
  signer: createThinkingSigner(7),
  nextId: (prefix: string) => `${prefix}_01test`,
};
const textOf = (call: ReturnType<typeof planCall>) =>
  call.reply.blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');

const block = fc.record({
  type: fc.constant('text' as const),
  text: fc.string({ maxLength: 3000 }),
  cache_control: fc.option(
    fc.record({ type: fc.constant('ephemeral' as const), ttl: fc.constantFrom('5m' as const, '1h' as const) }),
    { nil: undefined },
  ),
});
const requestArb = fc.record({
  model: fc.constantFrom('claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-5', 'claude-3-5-haiku-20241022'),
  max_tokens: fc.integer({ min: 1, max: 8192 }),
  system: fc.option(fc.array(block, { maxLength: 2 }), { nil: undefined }),
  messages: fc.array(
    fc.record({
      role: fc.constantFrom('user' as const, 'assistant' as const),
      content: fc.oneof(fc.string(), fc.array(block, { maxLength: 2 })),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

describe('usage invariants (property)', () => {
  it('input + cache writes + cache reads = prompt tokens; 1 <= output <= max_tokens; same request, same answer', () => {
    fc.assert(
      fc.property(requestArb, (body) => {
        let valid: ReturnType<typeof validateMessagesRequest>;
        try {
          valid = validateMessagesRequest(body);
        } catch {
          return true; // e.g. more than 4 breakpoints: the parser's job, tested elsewhere
        }
        const first = planCall(valid, context);
        context.cache.commit(first.cachePlan);
        const second = planCall(valid, context);
        const total = (u: typeof first.usage) =>
          u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens + u.cacheReadTokens;
        expect(total(second.usage)).toBe(total(first.usage));
        for (const call of [first, second]) {
          expect(call.usage.inputTokens).toBeGreaterThanOrEqual(0);
          expect(call.usage.outputTokens).toBeGreaterThanOrEqual(1);
          expect(call.usage.outputTokens).toBeLessThanOrEqual(body.max_tokens);
          if (call.reply.stopReason === 'max_tokens') expect(call.usage.outputTokens).toBe(body.max_tokens);
        }
        expect(textOf(second)).toBe(textOf(first));
        expect(second.usage.cacheWrite5mTokens + second.usage.cacheWrite1hTokens).toBe(0);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('reply text', () => {
  it('costs about its output_tokens when counted again as input (English and Russian)', () => {
    for (const content of ['Tell me about habits', 'Расскажи о привычках']) {
      const valid = validateMessagesRequest({
        model: 'claude-haiku-4-5',
        max_tokens: 4000,
        messages: [{ role: 'user', content }],
      });
      const call = planCall(valid, context);
      const recounted = countTextTokens(textOf(call));
      expect(Math.abs(recounted - call.usage.outputTokens)).toBeLessThanOrEqual(
        Math.max(2, call.usage.outputTokens * 0.02),
      );
    }
  });
});

describe('messageJson', () => {
  it('equals JSON.stringify of the message object, with text that needs escaping', () => {
    const valid = validateMessagesRequest({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Привет "quoted" \\ \n' }],
    });
    const call = planCall(valid, context);
    const tricky = {
      ...call,
      reply: { ...call.reply, blocks: [{ type: 'text' as const, text: 'a "b" \\ \n \u2028 é', tokens: 5 }] },
    };
    for (const c of [call, tricky]) expect(JSON.parse(messageJson(c, 'msg_1'))).toEqual(messageObject(c, 'msg_1'));
  });
});

describe('replies with tools and thinking (property)', () => {
  const tool = {
    name: 'search',
    input_schema: {
      type: 'object',
      properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 10 } },
      required: ['query'],
    },
  };
  it('keep 1 <= output <= max_tokens, bill every block, and stop with tool_use exactly when they call a tool', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6_000 }),
        fc.constantFrom('auto', 'any', 'none', undefined),
        fc.boolean(),
        fc.string({ maxLength: 200 }),
        (maxTokens, choice, think, text) => {
          const thinking = think && maxTokens > 1024 && choice !== 'any';
          const valid = validateMessagesRequest({
            model: 'claude-haiku-4-5',
            max_tokens: maxTokens,
            tools: [tool],
            ...(choice === undefined ? {} : { tool_choice: { type: choice } }),
            ...(thinking ? { thinking: { type: 'enabled', budget_tokens: 1024 } } : {}),
            messages: [{ role: 'user', content: text || 'hi' }],
          });
          const call = planCall(valid, context);
          const { reply } = call;
          expect(reply.outputTokens).toBeGreaterThanOrEqual(1);
          expect(reply.outputTokens).toBeLessThanOrEqual(maxTokens);
          expect(reply.outputTokens).toBe(reply.blocks.reduce((sum, b) => sum + b.tokens, 0));
          const calls = reply.blocks.filter((b) => b.type === 'tool_use');
          expect(reply.stopReason === 'tool_use').toBe(calls.length > 0);
          if (choice === 'none') expect(calls).toHaveLength(0);
          for (const use of calls) if (use.type === 'tool_use') expect(typeof use.input.query).toBe('string');
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});
