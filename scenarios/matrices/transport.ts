import type { ScenarioInput } from '../schema.ts';
import { staircase } from './steps.ts';
import type { MatrixDefinition, MatrixSize } from './types.ts';

/**
 * Long polling or webhooks, and when? A staircase of concurrent users at the production mix, each
 * transport and instance count on the same seed; two extra webhook x3 runs SIGKILL one instance half-way
 * to count lost and duplicated updates, once per `webhookOnTimeout` policy.
 *
 * Budget (real s, 2 cores): default 5 steps of 40 s simulated at 12x = 17 s of load per variant, six
 * variants with 1-5 instances ~ 190 s; quick: polling x1 only, 2 steps of 15 s at 15x ~ 15 s.
 */
const SIZES: Record<MatrixSize, { levels: number[]; rampMs: number; holdMs: number; timeScale: number }> = {
  default: { levels: [100, 200, 300, 400, 500], rampMs: 10_000, holdMs: 30_000, timeScale: 12 },
  quick: { levels: [50, 100], rampMs: 5_000, holdMs: 10_000, timeScale: 15 },
};

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-transport',
    description: 'transport matrix: a staircase of concurrent users at the production mix',
    seed: 1,
    timeScale: s.timeScale,
    start: '13:00',
    load: { executor: 'ramping-vus', startVUs: 0, stages: staircase(s.levels, s.rampMs, s.holdMs) },
    population: { size: 10_000, onboarded: true },
    behaviour: {
      mix: { navigation: 0.5, question: 0.35, settings: 0.05, start: 0.1 },
      thinkTime: { distribution: 'lognormal', median: '15s', p95: '90s' },
    },
    replies: { deadline: '30s' },
    bot: { transport: 'polling', instances: 1 },
    fakes: { claude: { latency: 'realistic', tier: 'start' } },
    thresholds: { reply_latency: ['p(95)<3000'], lost_updates: ['count==0'], duplicate_replies: ['count==0'] },
  };
}

export const transport: MatrixDefinition = {
  name: 'transport',
  question: 'Long polling or webhooks, and when?',
  base,
  budgetRealS: { default: 195, quick: 15 },
  variants: [
    { label: 'polling x1', patch: { bot: { transport: 'polling', instances: 1 } }, quick: true },
    { label: 'webhook x1', patch: { bot: { transport: 'webhook', instances: 1 } }, quick: false },
    { label: 'webhook x3', patch: { bot: { transport: 'webhook', instances: 3 } }, quick: false },
    { label: 'webhook x5', patch: { bot: { transport: 'webhook', instances: 5 } }, quick: false },
    {
      label: 'webhook x3, one killed, onTimeout throw',
      patch: { bot: { transport: 'webhook', instances: 3, config: { telegram: { webhookOnTimeout: 'throw' } } } },
      kill: { fraction: 0.5 },
      quick: false,
    },
    {
      label: 'webhook x3, one killed, onTimeout return',
      patch: { bot: { transport: 'webhook', instances: 3, config: { telegram: { webhookOnTimeout: 'return' } } } },
      kill: { fraction: 0.5 },
      quick: false,
    },
  ],
};
