import type { BotConfigInput } from '../../bot/config/schema.ts';
import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * What will Claude cost at 10K DAU, and what cuts it? The same morning (questions all along, a digest
 * burst at 10:00) with each cost control alone, a routing-threshold sweep, and all combined; the cost
 * report prices each run's measured tokens and scales them to 10K DAU.
 *
 * Every variant must do the same work inside the window, or the cheapest is the one that did least (an unsent
 * digest costs nothing): at 60x with the bot's default 10 Claude slots and 20 digests at once, the first
 * findings left 0-141 of 212 digests unsent and lost up to 230 questions, per variant. So the bot gets
 * CLAUDE_SLOTS and as many digests at once, and the scale is 30x: at 60x one instance's CPU saturated
 * (99-105%) and still lost 49 questions; at 30x the baseline sent 212 of 212 and lost none.
 *
 * The knowledge variants answer "what does a tool loop cost, and what does it do to the Claude concurrency the bot
 * needs?": the same load with the MCP knowledge server, once as a direct lookup before each question, once as
 * tools Claude calls in a tool loop (at most KNOWLEDGE_TOOL_ROUNDS rounds), and once more with prompt caching (the
 * system prompt's breakpoint covers the tool definitions, which come first in the prefix). Every other cost
 * control is off in all three, so the difference is the knowledge path alone.
 *
 * Sizes (issue 11, fidelity first): default 1,000 users (100 digests at 10:00) and one question a second,
 * 09:58-10:02 at `auto` (1x-1.5x on the 2-core lab machine in the committed run; `botcap matrix --list`
 * prints the estimate), eleven single-instance variants; quick: all combined only, 09:59-10:02 at 30x.
 */
/** Claude calls in flight per instance, and digests generated at once. The tier is 'unlimited': no 429 caps it. */
const CLAUDE_SLOTS = 60;

/**
 * The Batch API compressed to fit the window: a production bot submits an hour ahead and a batch takes up to
 * an hour; here the bot submits at the start (09:58, 2 min ahead) and the fake finishes a batch in 20-60 s
 * (the saving, half the price, does not depend on how long it took). With the fake's default 1 min-1 h,
 * no batch finished before 10:00 and "batch digests" saved 0.3%.
 */
const BATCH = { leadMinutes: 10, pollMs: 10_000, processingMinMs: 20_000, processingMaxMs: 60_000 } as const;

const SIZES: Record<MatrixSize, { start: string; durationMs: number; population: number; questionsPerS: number }> = {
  default: { start: '09:58', durationMs: 4 * 60_000, population: 1_000, questionsPerS: 1 },
  quick: { start: '09:59', durationMs: 3 * 60_000, population: 2_000, questionsPerS: 2 },
};

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-llm-cost',
    description: 'llm-cost matrix: questions all morning and the 10:00 digests, per cost control',
    seed: 1,
    timeScale: size === 'quick' ? 30 : 'auto',
    start: s.start,
    load: {
      executor: 'scheduled-peak',
      duration: s.durationMs,
      rate: s.questionsPerS,
      timeUnit: '1s',
      preAllocatedVUs: 50,
      maxVUs: 300,
    },
    population: {
      size: s.population,
      onboarded: true,
      digestTimes: { peak: '10:00', peakShare: 0.1, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 },
    },
    behaviour: { mix: { navigation: 0.4, question: 0.5, settings: 0.1, start: 0 } },
    replies: { deadline: '60s' },
    bot: {
      transport: 'polling',
      instances: 1,
      config: {
        resilience: { bulkheadConcurrency: CLAUDE_SLOTS },
        scheduler: { sendConcurrency: CLAUDE_SLOTS },
        cost: { batchLeadMinutes: BATCH.leadMinutes, batchPollMs: BATCH.pollMs },
      },
    },
    fakes: {
      claude: {
        latency: 'realistic',
        tier: 'unlimited',
        batchProcessing: { min: BATCH.processingMinMs, max: BATCH.processingMaxMs },
      },
    },
  };
}

function cost(label: string, knobs: NonNullable<BotConfigInput['cost']>, quick = false): MatrixVariant {
  return { label, patch: { bot: { config: { cost: knobs } } }, quick };
}

const NONE = { routing: false, digestCache: false, promptCaching: false, batchDigests: false };

/** Tool rounds per question the tool-loop variants allow (the bot's `mcp.maxToolRounds`). */
export const KNOWLEDGE_TOOL_ROUNDS = 3;

function knowledge(label: string, mode: 'lookup' | 'tools', promptCaching: boolean): MatrixVariant {
  return {
    label,
    patch: {
      bot: {
        config: { cost: { ...NONE, promptCaching }, mcp: { mode, maxToolRounds: KNOWLEDGE_TOOL_ROUNDS } },
      },
    },
    quick: false,
  };
}

export const llmCost: MatrixDefinition = {
  name: 'llm-cost',
  question: 'What will Claude cost at 10K DAU, and what cuts it?',
  base,
  budgetRealS: { default: 2060, quick: 15 },
  variants: [
    cost('baseline (one big model, no cache)', NONE),
    cost('routing, threshold 0.3', { ...NONE, routing: true, routingThreshold: 0.3 }),
    cost('routing, threshold 0.5', { ...NONE, routing: true, routingThreshold: 0.5 }),
    cost('routing, threshold 0.7', { ...NONE, routing: true, routingThreshold: 0.7 }),
    cost('digest cache', { ...NONE, digestCache: true }),
    cost('prompt caching', { ...NONE, promptCaching: true }),
    cost('batch digests', { ...NONE, batchDigests: true }),
    cost(
      'all combined',
      { routing: true, routingThreshold: 0.5, digestCache: true, promptCaching: true, batchDigests: true },
      true,
    ),
    knowledge('knowledge: direct lookup', 'lookup', false),
    knowledge('knowledge: tool loop', 'tools', false),
    knowledge('knowledge: tool loop + prompt caching', 'tools', true),
  ],
};
