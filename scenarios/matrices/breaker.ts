import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * One circuit breaker or one per client? Question-heavy traffic through a Claude 529 storm (every call
 * fails from 25% to 50% of the run, then recovers), and through an MCP (knowledge server) outage, per
 * breaker scope. Every variant uses the MCP lookup, so a shared breaker's effect on the other upstream shows.
 *
 * The scenario schema has no MCP fault window yet, so the MCP outage is the knowledge lookup timing out
 * (`mcp.timeoutMs: 1`) for the whole run: there is no "after" and no recovery to measure in those variants.
 *
 * Budget (real s, 2 cores): default 4 min simulated at 20x = 12 s of load, six variants ~ 150 s;
 * quick: per-upstream in the storm, 2 min at 30x ~ 17 s.
 */
const SIZES: Record<MatrixSize, { durationMs: number; vus: number }> = {
  default: { durationMs: 4 * 60_000, vus: 100 },
  quick: { durationMs: 2 * 60_000, vus: 60 },
};

/** The storm window as fractions of the run, so both sizes storm the same share of it. */
export const BREAKER_STORM = { fromFraction: 0.25, toFraction: 0.5 } as const;

function stormWindow(size: MatrixSize): { from: number; to: number; rate: number; kind: '529' } {
  const d = SIZES[size].durationMs;
  return { from: d * BREAKER_STORM.fromFraction, to: d * BREAKER_STORM.toFraction, rate: 1, kind: '529' };
}

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-breaker',
    description: 'breaker matrix: question-heavy traffic through a Claude 529 storm or an MCP outage',
    seed: 1,
    timeScale: size === 'quick' ? 30 : 20,
    start: '14:00',
    load: { executor: 'constant-vus', vus: s.vus, duration: s.durationMs },
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
      fakes: { claude: { faults: [stormWindow(size)] } },
    }),
    quick,
  };
}

function mcpOutage(scope: Scope): MatrixVariant {
  return {
    label: `${scope === 'none' ? 'no breaker' : scope}, MCP outage`,
    patch: { bot: { config: { resilience: { breakerScope: scope }, mcp: { timeoutMs: 1 } } } },
    quick: false,
    note: 'MCP outage = every knowledge lookup times out (mcp.timeoutMs 1) for the whole run',
  };
}

export const breaker: MatrixDefinition = {
  name: 'breaker',
  question: 'One circuit breaker or one per client?',
  base,
  budgetRealS: { default: 152, quick: 17 },
  variants: [
    storm('none'),
    storm('per-upstream', true),
    storm('shared'),
    mcpOutage('none'),
    mcpOutage('per-upstream'),
    mcpOutage('shared'),
  ],
};
