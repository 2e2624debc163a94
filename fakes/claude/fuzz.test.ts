import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyField, bodies, contentTypes, fuzzParameters, heapGrowthMb, post } from '../../testing/fuzz.ts';
import { type FakeClaude, startFakeClaude } from './index.ts';

/**
 * Fuzzing the fake Claude's /v1/messages and its control API (BOTCAP_FUZZ_RUNS inputs each, testing/fuzz.ts): a
 * client's mistake is a 4xx in the API's shape, never a 5xx, and the fake keeps serving with bounded memory. Each
 * entry point gets its own fake: a valid fault schedule generated for the control API would make /v1/messages
 * answer 5xx on purpose.
 */
let api: FakeClaude;
let control: FakeClaude;
beforeAll(async () => {
  [api, control] = await Promise.all([startFakeClaude({ latency: 'zero' }), startFakeClaude({ latency: 'zero' })]);
});
afterAll(async () => {
  await Promise.all([api?.close(), control?.close()]);
});

const API_HEADERS = { 'x-api-key': 'sk-ant-fuzz', 'anthropic-version': '2023-06-01' };

const messageContent = fc.oneof(
  fc.string({ maxLength: 40 }),
  anyField,
  fc.array(fc.record({ type: fc.oneof(fc.constantFrom('text', 'image', 'tool_result'), anyField), text: anyField })),
);
const requestShaped = fc.record(
  {
    model: fc.oneof(fc.constantFrom('claude-haiku-4-5', 'claude-sonnet-4-5', 'no-such-model'), anyField),
    max_tokens: fc.oneof(fc.integer({ min: -5, max: 100 }), anyField),
    messages: fc.oneof(
      anyField,
      fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant'), anyField), content: messageContent }), {
        maxLength: 4,
      }),
    ),
    system: anyField,
    stream: anyField,
    tools: anyField,
    temperature: anyField,
  },
  { requiredKeys: [] },
);

describe('fake Claude fuzz', () => {
  it('/v1/messages: every body answered 2xx or 4xx, bounded memory, still serving', async () => {
    const growthMb = await heapGrowthMb(() =>
      fc.assert(
        fc.asyncProperty(bodies(requestShaped), contentTypes, async (body, type) => {
          const status = await post(`${api.url}/v1/messages`, body, { ...API_HEADERS, 'content-type': type });
          expect(status).toBeLessThan(500);
        }),
        fuzzParameters(),
      ),
    );
    expect((await fetch(`${api.url}/control/health`)).status).toBe(200);
    expect(growthMb).toBeLessThan(100);
  });

  it('control API: every body answered 2xx or 4xx', async () => {
    const faultsShaped = fc.record(
      {
        windows: fc.oneof(
          anyField,
          fc.array(fc.record({ fromMs: anyField, toMs: anyField, rate: anyField, kind: anyField })),
        ),
        tier: anyField,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('faults', 'rate-limits', 'reset', 'nope'),
        bodies(faultsShaped),
        contentTypes,
        async (route, body, type) => {
          const status = await post(`${control.url}/control/${route}`, body, { 'content-type': type });
          expect(status).toBeLessThan(500);
        },
      ),
      fuzzParameters(),
    );
    expect((await fetch(`${control.url}/control/health`)).status).toBe(200);
  });
});
