import { budgetFromScenario, DEFAULT_LATENCY_BUDGET } from '../../analysis/knee.ts';
import { quantile, seriesFor } from '../../analysis/series.ts';
import { botKnob, isUsable, ms, noData, num, type UsableOutcome, verdictSkeleton } from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

export const BREAKER_RULE =
  'per condition (Claude 529 storm, MCP outage), the variant with the fewest user-visible failures ' +
  '(updates with no reply within the deadline) wins, then the fewest wasted calls (Claude calls answered ' +
  'with an error, i.e. attempted while the upstream was down), then the fewest fallback replies, then the ' +
  'lower p95 during the fault. p95 during/after = median of the per-interval p95 reply latency inside/after ' +
  "the fault window; time to recover = from the window's end to the first interval back within the " +
  "scenario's latency budget.";

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'failures', label: 'user-visible failures', unit: 'updates' },
  { key: 'fallbacks', label: 'fallback replies', unit: 'replies' },
  { key: 'wastedCalls', label: 'wasted calls', unit: 'calls' },
  { key: 'p95DuringMs', label: 'p95 during', unit: 'ms' },
  { key: 'p95AfterMs', label: 'p95 after', unit: 'ms' },
  { key: 'recoveryMs', label: 'time to recover', unit: 'ms' },
];

interface FaultWindow {
  fromMs: number;
  toMs: number;
}

/** The Claude fault window the scenario ran with (simulated ms since the load started), if any. */
function stormOf(o: UsableOutcome): FaultWindow | null {
  const faults = (
    o.result.scenario.resolved as { fakes?: { claude?: { faults?: { from?: unknown; to?: unknown }[] } } }
  ).fakes?.claude?.faults;
  const first = faults?.[0];
  return typeof first?.from === 'number' && typeof first.to === 'number'
    ? { fromMs: first.from, toMs: first.to }
    : null;
}

function condition(o: UsableOutcome): 'Claude 529 storm' | 'MCP outage' {
  return stormOf(o) === null ? 'MCP outage' : 'Claude 529 storm';
}

function figures(o: UsableOutcome): Record<string, number | null> {
  const r = o.result;
  const storm = stormOf(o);
  const endMs = r.durationSimulatedS * 1000;
  // Without a window the outage covers the whole run: everything is "during", nothing is "after".
  const window = storm ?? { fromMs: 0, toMs: endMs };
  const points = seriesFor(r, 'replyLatencyP95Ms')[0]?.points ?? [];
  const inside = points.filter(([t]) => t > window.fromMs && t <= window.toMs).map(([, v]) => v);
  const after = points.filter(([t]) => t > window.toMs).map(([, v]) => v);
  const budget = budgetFromScenario(r) ?? DEFAULT_LATENCY_BUDGET;
  const back = storm === null ? undefined : points.find(([t, v]) => t > window.toMs && v <= budget.maxMs);
  const errors = Object.entries(r.claude.statusCounts)
    .filter(([status]) => !status.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    failures: r.correctness.lostUpdates,
    fallbacks: r.correctness.fallbackReplies,
    // Only Claude's calls are counted by a fake; the MCP fake's are not in the RunResult.
    wastedCalls: storm === null ? null : errors,
    p95DuringMs: quantile(inside, 0.5),
    p95AfterMs: quantile(after, 0.5),
    recoveryMs: back === undefined ? null : back[0] - window.toMs,
  };
}

function scopeOf(o: UsableOutcome): string {
  const scope = botKnob(o.result, 'resilience.breakerScope');
  return typeof scope === 'string' ? scope : 'unknown';
}

function rank(f: Record<string, number | null>): number[] {
  const inf = Number.POSITIVE_INFINITY;
  return [f.failures ?? inf, f.wastedCalls ?? 0, f.fallbacks ?? inf, f.p95DuringMs ?? inf];
}

function byRank(a: Record<string, number | null>, b: Record<string, number | null>): number {
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/**
 * The breaker verdict: the best breaker scope per failure condition.
 *
 * @example
 * breakerRule.decide(outcomes, question).answer
 * // 'Claude 529 storm: per-upstream (0 failures, 12 wasted calls); MCP outage: per-upstream (0 failures, 3 fallbacks).'
 */
export const breakerRule: VerdictRule = {
  rule: BREAKER_RULE,
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const v = verdictSkeleton('breaker', question, BREAKER_RULE, outcomes, COLUMNS, figures);
    const usable = outcomes.filter(isUsable);
    if (usable.length === 0) return noData(v, 'no variant completed');
    for (const o of usable) {
      const f = figures(o);
      const storm = stormOf(o);
      v.sentences.push(
        `${o.label} (breaker ${scopeOf(o)}, ${condition(o)}${storm === null ? ' for the whole run' : ` from ${ms(storm.fromMs)} to ${ms(storm.toMs)}`}): ` +
          `${num(f.failures)} user-visible failures, ${num(f.fallbacks)} fallback replies, ${num(f.wastedCalls)} wasted calls; ` +
          `p95 during ${ms(f.p95DuringMs)}, after ${ms(f.p95AfterMs)}; ` +
          `${storm === null ? 'no recovery to measure' : f.recoveryMs === null ? 'did not recover within the run' : `recovered ${ms(f.recoveryMs)} after the storm`}.`,
      );
    }
    const winners: { condition: string; label: string; f: Record<string, number | null>; runnerUp: string | null }[] =
      [];
    for (const c of ['Claude 529 storm', 'MCP outage'] as const) {
      const ranked = usable.filter((o) => condition(o) === c).sort((a, b) => byRank(figures(a), figures(b)));
      const best = ranked[0];
      if (best === undefined) {
        v.sentences.push(`No variant completed in the ${c}: that half of the question has no data.`);
        continue;
      }
      winners.push({ condition: c, label: best.label, f: figures(best), runnerUp: ranked[1]?.label ?? null });
    }
    if (winners.length === 0) return noData(v, 'no variant completed in either condition');
    const parts = winners.map(
      (w) =>
        `${w.condition}: ${w.label} (${num(w.f.failures)} failures, ${num(w.f.fallbacks)} fallbacks, ${num(w.f.wastedCalls)} wasted calls)`,
    );
    return {
      ...v,
      status: 'answered',
      answer: `${parts.join('; ')}.`,
      figure: winners
        .map(
          (w) =>
            `${w.condition}: p95 during ${ms(w.f.p95DuringMs)}, after ${ms(w.f.p95AfterMs)}, recovery ${ms(w.f.recoveryMs)}`,
        )
        .join('; '),
      changesIf: winners
        .map((w) =>
          w.runnerUp === null
            ? `${w.condition}: only one variant completed, so the pick is unchallenged`
            : `${w.condition}: the pick changes if ${w.runnerUp} makes fewer user-visible failures than ${num(w.f.failures)} (e.g. a longer or partial outage, other breaker thresholds)`,
        )
        .join('; ')
        .concat('.'),
      winner: winners[0]!.label,
    };
  },
};
