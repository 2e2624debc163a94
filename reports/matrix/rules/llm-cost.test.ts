import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../contracts/run-result.ts';
import { getMatrix } from '../../../scenarios/matrices/index.ts';
import { encodeHistogram, usage } from '../../fixtures/synth.ts';
import { makeRun, ok } from '../testing/outcomes.ts';
import { decideMatrix } from '../verdicts.ts';
import { questionFigures } from './llm-cost.ts';

const SONNET = 'claude-sonnet-4-5-20250929';
const question = getMatrix('llm-cost').question;
const off = { routing: false, digestCache: false, promptCaching: false, batchDigests: false };

/**
 * A knowledge variant: 100 questions, `callsPerQuestion` Claude calls each with the given tokens per call,
 * answers taking `answerMs`, and the bot's bulkhead holding `busy` calls on average over the run.
 */
function knowledgeRun(
  label: string,
  q: {
    callsPerQuestion: number;
    inputPerCall: number;
    outputPerCall: number;
    readPerCall?: number;
    answerMs: number;
    busy: number;
  },
  mode: 'lookup' | 'tools',
): RunResult {
  return makeRun({
    variant: label,
    config: {
      cost: { ...off, promptCaching: (q.readPerCall ?? 0) > 0 },
      claude: { complexModel: SONNET },
      mcp: { mode },
    },
    edit: (r) => {
      const calls = 100 * q.callsPerQuestion;
      const perCall = {
        inputTokens: q.inputPerCall,
        outputTokens: q.outputPerCall,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        cacheReadTokens: q.readPerCall ?? 0,
      };
      r.load.population = 1000;
      r.load.maxVus = 100;
      r.load.updatesByAction = { question: 100, navigation: 900 };
      r.claude.byRoute = { question: usage(calls, perCall) };
      r.claude.byModel = { [SONNET]: usage(calls, perCall) };
      r.claude.total = usage(calls, perCall);
      r.latency.byAction = { question: encodeHistogram(Array.from({ length: 100 }, (_, i) => q.answerMs + i * 10)) };
      r.timeSeries = [
        {
          name: 'bot_bulkhead_in_flight',
          unit: 'calls',
          source: 'bot-1',
          points: [
            [1000, q.busy],
            [2000, q.busy],
          ],
        },
      ];
    },
  });
}

const direct = knowledgeRun(
  'knowledge: direct lookup',
  { callsPerQuestion: 1, inputPerCall: 5000, outputPerCall: 200, answerMs: 3000, busy: 2 },
  'lookup',
);
const loop = knowledgeRun(
  'knowledge: tool loop',
  { callsPerQuestion: 2.5, inputPerCall: 5200, outputPerCall: 90, answerMs: 6000, busy: 4 },
  'tools',
);
const cached = knowledgeRun(
  'knowledge: tool loop + prompt caching',
  { callsPerQuestion: 2.5, inputPerCall: 400, outputPerCall: 90, readPerCall: 4800, answerMs: 5500, busy: 3.6 },
  'tools',
);

describe('llm-cost verdict: the knowledge variants', () => {
  const v = decideMatrix('llm-cost', question, [ok(direct), ok(loop), ok(cached)]);
  const row = (label: string) => v.rows.find((r) => r.variant === label)!.values;

  it('states calls, tokens, dollars and latency per question for each, against the direct lookup', () => {
    expect(row('knowledge: tool loop').callsPerQuestion).toBeCloseTo(2.5);
    expect(row('knowledge: direct lookup').tokensPerQuestion).toBeCloseTo(5200);
    // 2.5 calls x (5,200 input x $3 + 90 output x $15) / 1M on Sonnet 4.5.
    expect(row('knowledge: tool loop').usdPerQuestion).toBeCloseTo((2.5 * (5200 * 3 + 90 * 15)) / 1e6, 6);
    const sentence = v.sentences.find((s) => s.startsWith('knowledge: tool loop: 2.5'));
    expect(sentence).toMatch(
      /^knowledge: tool loop: 2\.5 Claude calls \(x2\.5 the direct lookup\), 13,000 input \+ 225 output tokens, \$[\d.]+ \(x2\.\d+ the direct lookup\) per question; answer p50 6\.\d+ s \/ p95 /,
    );
    expect(v.expectations).toContainEqual(expect.objectContaining({ variant: 'knowledge: tool loop', met: true }));
  });

  it('says what the tool loop does to the Claude slots the bot needs at 10K DAU', () => {
    const slots = (label: string) => row(label).claudeSlots10k!;
    expect(slots('knowledge: direct lookup')).toBeGreaterThan(0);
    // More calls per question, each holding a slot: the loop needs more slots at the same question rate.
    expect(slots('knowledge: tool loop')).toBeGreaterThan(slots('knowledge: direct lookup'));
    expect(v.sentences.find((s) => s.startsWith('knowledge: tool loop: 2.5'))).toMatch(
      /at 10K DAU the questions need \d+ Claude slots for P\(wait\) < 5% \(x[\d.]+ the direct lookup\)\.$/,
    );
  });

  it('never takes a knowledge variant for the baseline, though its cost controls are all off', () => {
    expect(v.sentences.some((s) => s.includes('vs baseline'))).toBe(false);
    expect(v.figure).toMatch(/^baseline not measured/);
  });

  it('shows prompt caching cutting the tool loop dollars per question', () => {
    expect(row('knowledge: tool loop + prompt caching').usdPerQuestion).toBeLessThan(
      row('knowledge: tool loop').usdPerQuestion!,
    );
  });

  it('computes nothing it cannot: no question route, no per-question figures', () => {
    const bare = makeRun({ variant: 'knowledge: tool loop', config: { cost: off } });
    const q = questionFigures({ ...ok(bare), result: bare });
    expect([q.callsPerQuestion, q.usdPerQuestion, q.p50Ms]).toEqual([null, null, null]);
  });
});
