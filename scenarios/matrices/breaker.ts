import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant, ScenarioPatch } from './types.ts';

/**
 * One circuit breaker or one per client? Question-heavy traffic through a Claude 529 storm (every call
 * fails from 25% to 50% of the run, then recovers), and through an MCP (knowledge server) outage in the
 * same window (every request answered 503, then back), per breaker scope. Every variant uses the MCP
 * lookup, so a shared breaker's effect on the other upstream shows; both conditions have a "during" and an
 * "after", so the verdict measures how fast each scope recovers.
 *
 * Sized so that without a fault the bot keeps up: a question holds one of the 10 Claude slots (the default
 * bulkhead) for ~5.5 simulated s, so one instance answers ~1.8 questions/s; 30 users with 5 s think times
 * ask ~1.2/s. At 100 users (the first runs) the queue was full before the storm and never drained, so
 * every variant read 30 s "during" and "after" alike.
 *
 * Sizes (issue 11, fidelity first): default 25 users for 3 simulated minutes at `auto` (1.5x-2x on the
 * 2-core lab machine in the committed run; `botcap matrix --list` prints the estimate), six variants; quick: per-upstream in the
 * storm, 2 min at 30x (CI's check of the machinery, not a committed figure).
 */
const SIZES: Record<MatrixSize, { durationMs: number; vus: number }> = {
  default: { durationMs: 3 * 60_000, vus: 25 },
  quick: { durationMs: 2 * 60_000, vus: 20 },
};

/** The fault window (storm or outage) as fractions of the run, so both sizes fail the same share of it. */
export const BREAKER_FAULT_WINDOW = { fromFraction: 0.25, toFraction: 0.5 } as const;

function faultWindow(size: MatrixSize): { from: number; to: number } {
  const d = SIZES[size].durationMs;
  return { from: d * BREAKER_FAULT_WINDOW.fromFraction, to: d * BREAKER_FAULT_WINDOW.toFraction };
}

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-breaker',
    description: 'breaker matrix: question-heavy traffic through a Claude 529 storm or an MCP outage',
    seed: 1,
    timeScale: size === 'quick' ? 30 : 'auto',
    start: '14:00',
    // Users arrive over the first eighth rather than all at once, so the minute before the fault is the
    // bot's normal, not the start-up queue of every user's first question.
    load: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: s.durationMs / 8, target: s.vus },
        { duration: (s.durationMs * 7) / 8, target: s.vus },
      ],
    },
    population: { size: 2_000, onboarded: true },
    behaviour: {
      mix: { navigation: 0.3, question: 0.6, settings: 0.1, start: 0 },
      thinkTime: { distribution: 'lognormal', median: '5s', p95: '20s' },
    },
    replies: { deadline: '30s' },
    bot: { transport: 'polling', instances: 1, config: { mcp: { timeoutMs: 3_000 } } },
    fakes: { claude: { latency: 'realistic', tier: 'unlimited' } },
    thresholds: { reply_latency: ['p(95)<5000'] },
  };
}

type Scope = 'none' | 'per-upstream' | 'shared';

function storm(scope: Scope, quick = false): MatrixVariant {
  return {
    label: `${scope === 'none' ? 'no breaker' : scope}, Claude 529 storm`,
    patch: (size) => ({
      bot: { config: { resilience: { breakerScope: scope } } },
      fakes: { claude: { faults: [{ ...faultWindow(size), rate: 1, kind: '529' }] } },
    }),
    quick,
  };
}

function mcpOutage(scope: Scope): MatrixVariant {
  return {
    label: `${scope === 'none' ? 'no breaker' : scope}, MCP outage`,
    patch: (size): ScenarioPatch => ({
      bot: { config: { resilience: { breakerScope: scope } } },
      fakes: { mcp: { faults: [{ ...faultWindow(size), rate: 1, kind: 'http-503' }] } },
    }),
    quick: false,
  };
}

export const breaker: MatrixDefinition = {
  name: 'breaker',
  question: 'One circuit breaker or one per client?',
  base,
  budgetRealS: { default: 710, quick: 13 },
  variants: [
    storm('none'),
    storm('per-upstream', true),
    storm('shared'),
    mcpOutage('none'),
    mcpOutage('per-upstream'),
    mcpOutage('shared'),
  ],
};
