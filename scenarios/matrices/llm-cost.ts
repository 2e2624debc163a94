import type { BotConfigInput } from '../../bot/config/schema.ts';
import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * What will Claude cost at 10K DAU, and what cuts it? The same morning (questions all along, a digest
 * burst at 10:00) with each cost control alone, a routing-threshold sweep, and all combined; the cost
 * report prices each run's measured tokens and scales them to 10K DAU.
 *
 * Budget (real s, 2 cores): default 09:58-10:04 at 60x = 6 s of load, eight single-instance variants
 * ~ 120 s; quick: all combined only, 09:59-10:02 at 60x ~ 12 s. Tokens, not latency, decide here, so the
 * high time scale costs little accuracy.
 */
const SIZES: Record<MatrixSize, { start: string; durationMs: number }> = {
  default: { start: '09:58', durationMs: 6 * 60_000 },
  quick: { start: '09:59', durationMs: 3 * 60_000 },
};

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-llm-cost',
    description: 'llm-cost matrix: questions all morning and 200 digests at 10:00, per cost control',
    seed: 1,
    timeScale: 60,
    start: s.start,
    load: {
      executor: 'scheduled-peak',
      duration: s.durationMs,
      rate: 2,
      timeUnit: '1s',
      preAllocatedVUs: 50,
      maxVUs: 300,
    },
    population: {
      size: 2_000,
      onboarded: true,
      digestTimes: { peak: '10:00', peakShare: 0.1, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 },
    },
    behaviour: { mix: { navigation: 0.4, question: 0.5, settings: 0.1, start: 0 } },
    replies: { deadline: '60s' },
    bot: { transport: 'polling', instances: 1 },
    fakes: { claude: { latency: 'realistic', tier: 'unlimited' } },
  };
}

function cost(label: string, knobs: NonNullable<BotConfigInput['cost']>, quick = false): MatrixVariant {
  return { label, patch: { bot: { config: { cost: knobs } } }, quick };
}

const NONE = { routing: false, digestCache: false, promptCaching: false, batchDigests: false };

export const llmCost: MatrixDefinition = {
  name: 'llm-cost',
  question: 'What will Claude cost at 10K DAU, and what cuts it?',
  base,
  budgetRealS: { default: 120, quick: 12 },
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
  ],
};
