import { valueAt } from '../../../common/path.ts';
import { seriesFor } from '../../../contracts/series.ts';
import { budgetFromScenario, DEFAULT_LATENCY_BUDGET } from '../../analysis/knee.ts';
import { quantile } from '../../analysis/series.ts';
import {
  botKnob,
  capitalized,
  counted,
  isUsable,
  ms,
  noData,
  num,
  type UsableOutcome,
  verdictSkeleton,
} from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

export const BREAKER_RULE =
  'per condition (Claude 529 storm, MCP outage), the variant with the fewest user-visible failures ' +
  '(updates with no reply within the deadline) wins, then the fewest wasted calls (calls attempted while the ' +
  "upstream was down: Claude's answered with an error in the storm, the MCP server's refused in the outage; " +
  'results from before botcap counted the MCP server have none), then the fewest fallback replies, then the ' +
  'lower p95 during the fault. ' +
  'p95 before/during/after = median of the per-interval p95 reply latency before/inside/after the fault ' +
  "window (the scenario's Claude or MCP fault window); time to recover = from the window's end to the first " +
  "interval back within the scenario's latency budget or at the p95 before the fault, whichever is higher " +
  '(a bot that never held the budget recovers when it is back to its own normal).';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'failures', label: 'user-visible failures', unit: 'updates' },
  { key: 'fallbacks', label: 'fallback replies', unit: 'replies' },
  { key: 'wastedCalls', label: 'wasted calls', unit: 'calls' },
  { key: 'p95BeforeMs', label: 'p95 before', unit: 'ms' },
  { key: 'p95DuringMs', label: 'p95 during', unit: 'ms' },
  { key: 'p95AfterMs', label: 'p95 after', unit: 'ms' },
  { key: 'recoveryMs', label: 'time to recover', unit: 'ms' },
];

const CONDITIONS = ['Claude 529 storm', 'MCP outage'] as const;
type Condition = (typeof CONDITIONS)[number];

interface FaultWindow {
  condition: Condition;
  fromMs: number;
  toMs: number;
}

function firstWindow(faults: unknown): { fromMs: number; toMs: number } | null {
  const fromMs = valueAt(faults, [0, 'from']);
  const toMs = valueAt(faults, [0, 'to']);
  return typeof fromMs === 'number' && typeof toMs === 'number' ? { fromMs, toMs } : null;
}

/** The fault window the scenario ran with (simulated ms since the load started): Claude's, else the MCP server's. */
function faultOf(o: UsableOutcome): FaultWindow | null {
  const storm = firstWindow(valueAt(o.result.scenario.resolved, 'fakes.claude.faults'));
  if (storm !== null) return { condition: 'Claude 529 storm', ...storm };
  const outage = firstWindow(valueAt(o.result.scenario.resolved, 'fakes.mcp.faults'));
  return outage === null ? null : { condition: 'MCP outage', ...outage };
}

function figures(o: UsableOutcome): Record<string, number | null> {
  const r = o.result;
  const fault = faultOf(o);
  const points = seriesFor(r, 'replyLatencyP95Ms')[0]?.points ?? [];
  const before = fault === null ? [] : points.filter(([t]) => t <= fault.fromMs).map(([, v]) => v);
  const inside = fault === null ? [] : points.filter(([t]) => t > fault.fromMs && t <= fault.toMs).map(([, v]) => v);
  const after = fault === null ? [] : points.filter(([t]) => t > fault.toMs).map(([, v]) => v);
  const p95BeforeMs = quantile(before, 0.5);
  const normalMs = Math.max((budgetFromScenario(r) ?? DEFAULT_LATENCY_BUDGET).maxMs, p95BeforeMs ?? 0);
  const back = fault === null ? undefined : points.find(([t, v]) => t > fault.toMs && v <= normalMs);
  const errors = Object.entries(r.claude.statusCounts)
    .filter(([status]) => !status.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    failures: r.correctness.lostUpdates,
    fallbacks: r.correctness.fallbackReplies,
    wastedCalls: fault?.condition === 'Claude 529 storm' ? errors : (r.mcp?.refused ?? null),
    p95BeforeMs,
    p95DuringMs: quantile(inside, 0.5),
    p95AfterMs: quantile(after, 0.5),
    recoveryMs: back === undefined || fault === null ? null : back[0] - fault.toMs,
  };
}

function scopeOf(o: UsableOutcome): string {
  const scope = botKnob(o.result, 'resilience.breakerScope');
  return typeof scope === 'string' ? scope : 'unknown';
}

/**
 * The breaker a variant ran, as a sentence names it (its label also names the condition, which reads twice).
 *
 * @example
 * breakerName('none') // 'no breaker'
 * breakerName('per-upstream') // 'the per-upstream breaker'
 */
export function breakerName(scope: string): string {
  return scope === 'none' ? 'no breaker' : `the ${scope} breaker`;
}

/** `0 user-visible failures, 1 fallback reply, 25 wasted calls`; wasted calls left out where they are not counted. */
function outcomeText(f: Record<string, number | null>): string {
  return [
    counted(f.failures, 'user-visible failure'),
    counted(f.fallbacks, 'fallback reply', 'fallback replies'),
    ...(f.wastedCalls === null ? [] : [counted(f.wastedCalls, 'wasted call')]),
  ].join(', ');
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

/** The ranking's keys in order, as a sentence names them. */
const RANK_NAMES = ['user-visible failures', 'wasted calls', 'fallback replies', 'p95 during the fault'] as const;

/**
 * What would change the pick between the winner and the runner-up: the first ranking key on which they
 * differ, with both figures, so the sentence never asks for "fewer than 0".
 *
 * @example
 * whatChangesThePick('shared', { failures: 0, wastedCalls: 12, ... }, 'per-upstream', { failures: 0, wastedCalls: 40, ... })
 * // 'the pick changes if per-upstream had fewer wasted calls than shared (40 against 12; both had 0 user-visible failures), e.g. ...'
 */
export function whatChangesThePick(
  winner: string,
  w: Record<string, number | null>,
  runnerUp: string,
  r: Record<string, number | null>,
): string {
  const [a, b] = [rank(w), rank(r)];
  const at = a.findIndex((x, i) => x !== b[i]);
  if (at < 0) return `${winner} and ${runnerUp} tie on every figure (${RANK_NAMES.join(', ')}), so either will do`;
  const value = (i: number, x: number) => {
    const known = Number.isFinite(x) ? x : null;
    return i === 3 ? ms(known) : num(known);
  };
  const tied = RANK_NAMES.slice(0, at)
    .map((name, i) => `${value(i, a[i]!)} ${name}`)
    .join(', ');
  const fewer = at === 3 ? 'had a lower p95 during the fault' : `had fewer ${RANK_NAMES[at]!}`;
  return (
    `the pick changes if ${runnerUp} ${fewer} than ${winner} (${value(at, b[at]!)} against ${value(at, a[at]!)}` +
    `${tied === '' ? '' : `; both had ${tied}`}), e.g. with a longer or partial outage or other breaker thresholds`
  );
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
  decidingFigure: { column: 'failures', better: 'lower' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const v = verdictSkeleton('breaker', question, BREAKER_RULE, outcomes, COLUMNS, figures);
    const usable = outcomes.filter(isUsable);
    if (usable.length === 0) return noData(v, 'no variant completed');
    for (const o of usable) {
      const f = figures(o);
      const fault = faultOf(o);
      if (fault === null) {
        v.sentences.push(
          `${o.label} (breaker ${scopeOf(o)}) ran without a Claude or MCP fault window: nothing to judge.`,
        );
        continue;
      }
      v.sentences.push(
        `${o.label} (breaker ${scopeOf(o)}, ${fault.condition} from ${ms(fault.fromMs)} to ${ms(fault.toMs)}): ` +
          `${outcomeText(f)}${f.wastedCalls === null ? ' (wasted calls not counted)' : ''}; ` +
          `p95 before ${ms(f.p95BeforeMs)}, during ${ms(f.p95DuringMs)}, after ${ms(f.p95AfterMs)}; ` +
          `${f.recoveryMs === null ? 'did not recover within the run' : `recovered ${ms(f.recoveryMs)} after the ${fault.condition === 'MCP outage' ? 'outage' : 'storm'}`}.`,
      );
    }
    const winners: {
      condition: string;
      label: string;
      scope: string;
      f: Record<string, number | null>;
      runnerUp: { label: string; f: Record<string, number | null> } | null;
    }[] = [];
    for (const c of CONDITIONS) {
      const ranked = usable.filter((o) => faultOf(o)?.condition === c).sort((a, b) => byRank(figures(a), figures(b)));
      const best = ranked[0];
      if (best === undefined) {
        v.sentences.push(`No variant completed in the ${c}: that half of the question has no data.`);
        continue;
      }
      const second = ranked[1];
      winners.push({
        condition: c,
        label: best.label,
        scope: scopeOf(best),
        f: figures(best),
        runnerUp: second === undefined ? null : { label: breakerName(scopeOf(second)), f: figures(second) },
      });
    }
    if (winners.length === 0) return noData(v, 'no variant completed in either condition');
    const parts = winners.map((w) => `${w.condition}: ${breakerName(w.scope)} (${outcomeText(w.f)})`);
    const scopes = [...new Set(winners.map((w) => w.scope))];
    const advice = (scope: string) =>
      scope === 'none' ? 'run without a circuit breaker' : `use a ${scope} circuit breaker`;
    const against = (c: string) => `against ${c === 'MCP outage' ? 'an' : 'a'} ${c}`;
    const recommendation =
      scopes.length === 1 && winners.length === CONDITIONS.length
        ? `${capitalized(advice(scopes[0]!))}: it gave the fewest user-visible failures in both the Claude 529 storm and the MCP outage.`
        : `${capitalized(winners.map((w) => `${against(w.condition)}, ${advice(w.scope)}`).join('; '))}${winners.length < CONDITIONS.length ? ' (the other condition has no data)' : ''}.`;
    return {
      ...v,
      status: 'answered',
      answer: `${parts.join('; ')}.`,
      parts: winners.map((w, i) => ({
        name: w.condition,
        winner: w.label,
        answer: parts[i]!,
        recommendation: capitalized(`${against(w.condition)}, ${advice(w.scope)}`),
      })),
      figure: winners
        .map(
          (w) =>
            `${w.condition}: p95 before ${ms(w.f.p95BeforeMs)}, during ${ms(w.f.p95DuringMs)}, after ${ms(w.f.p95AfterMs)}, ${w.f.recoveryMs === null ? 'not recovered within the run' : `recovered in ${ms(w.f.recoveryMs)}`}`,
        )
        .join('; '),
      changesIf: winners
        .map((w) =>
          w.runnerUp === null
            ? `${w.condition}: only one variant completed, so the pick is unchallenged`
            : `${w.condition}: ${whatChangesThePick(breakerName(w.scope), w.f, w.runnerUp.label, w.runnerUp.f)}`,
        )
        .join('; ')
        .concat('.'),
      recommendation,
      winner: winners[0]!.label,
    };
  },
};
