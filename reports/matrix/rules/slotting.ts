import { percentileOf } from '../../analysis/histogram.ts';
import {
  botKnob,
  botKnobNumber,
  counted,
  isUsable,
  ms,
  noData,
  num,
  type UsableOutcome,
  verdictSkeleton,
} from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

export const SLOTTING_RULE =
  'p95 digest lateness (delivered minus the slot the bot gave the user) per variant, none vs capped: spreading ' +
  "pays when a capped variant's p95 is below none's; among variants with zero missing and duplicated digests " +
  'the lowest p95 wins (ties: fewer users moved). Users moved from their chosen time, peak Claude concurrency ' +
  'and Claude 429s are the price and the cause, printed per variant.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'expected', label: 'digests expected', unit: 'digests' },
  { key: 'latenessP50Ms', label: 'p50 lateness', unit: 'ms' },
  { key: 'latenessP95Ms', label: 'p95 lateness', unit: 'ms' },
  { key: 'latenessMaxMs', label: 'max lateness', unit: 'ms' },
  { key: 'claudePeak', label: 'peak Claude concurrency', unit: 'calls' },
  { key: 'claude429', label: 'Claude 429s', unit: 'responses' },
  { key: 'usersMoved', label: 'users moved', unit: 'users' },
  { key: 'missing', label: 'missing', unit: 'digests' },
  { key: 'duplicated', label: 'duplicated', unit: 'digests' },
];

function figures(o: UsableOutcome): Record<string, number | null> {
  const r = o.result;
  const d = r.correctness.digests;
  return {
    expected: d.expected,
    latenessP50Ms: percentileOf(d.lateness, 50),
    latenessP95Ms: percentileOf(d.lateness, 95),
    latenessMaxMs: percentileOf(d.lateness, 100),
    claudePeak: r.claude.peakConcurrency,
    claude429: r.claude.statusCounts['429'] ?? 0,
    usersMoved: d.usersMoved,
    missing: d.missing,
    duplicated: d.duplicated,
  };
}

/** The slotting mode the run used; a bot that does not say is taken as `none`. */
export function slottingMode(o: UsableOutcome): string {
  const mode = botKnob(o.result, 'slotting.mode');
  return typeof mode === 'string' ? mode : 'none';
}

function describe(o: UsableOutcome): string {
  const mode = slottingMode(o);
  if (mode === 'none') return 'no slotting';
  return `${num(botKnobNumber(o.result, 'slotting.slotMinutes'))}-min slots capped at ${num(botKnobNumber(o.result, 'slotting.capPerSlot'))}, ${mode}`;
}

const p95 = (o: UsableOutcome) => figures(o).latenessP95Ms ?? Number.POSITIVE_INFINITY;

/**
 * The slotting verdict: none against the capped variants at p95 lateness.
 *
 * @example
 * slottingRule.decide(outcomes, question).answer
 * // "Spread them: 5-min slots, cap 50, auto has p95 lateness 40 s against none's 4.1 min (620 users moved)."
 */
export const slottingRule: VerdictRule = {
  rule: SLOTTING_RULE,
  decidingFigure: { column: 'latenessP95Ms', better: 'lower' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const v = verdictSkeleton('slotting', question, SLOTTING_RULE, outcomes, COLUMNS, figures);
    const usable = outcomes.filter(isUsable).filter((o) => o.result.correctness.digests.expected > 0);
    for (const o of usable) {
      const f = figures(o);
      v.sentences.push(
        `${o.label} (${describe(o)}): p50/p95/max lateness ${ms(f.latenessP50Ms)} / ${ms(f.latenessP95Ms)} / ${ms(f.latenessMaxMs)} ` +
          `over ${counted(f.expected, 'digest')}; peak Claude concurrency ${num(f.claudePeak)}, ${counted(f.claude429, 'Claude 429')}, ` +
          `${counted(f.usersMoved, 'user')} moved; ${num(f.missing)} missing, ${num(f.duplicated)} duplicated.`,
      );
    }
    const none = usable.find((o) => slottingMode(o) === 'none');
    const capped = usable.filter((o) => slottingMode(o) !== 'none');
    if (none === undefined || capped.length === 0) {
      const lacking = none === undefined ? "the 'none' variant" : 'any capped variant';
      return noData(v, `the comparison needs ${lacking} with digests expected, and it has no completed result`);
    }
    const clean = usable
      .filter((o) => o.result.correctness.digests.missing === 0 && o.result.correctness.digests.duplicated === 0)
      .sort(
        (a, b) => p95(a) - p95(b) || a.result.correctness.digests.usersMoved - b.result.correctness.digests.usersMoved,
      );
    const bestCapped = [...capped].sort((a, b) => p95(a) - p95(b))[0]!;
    const n = figures(none);
    const c = figures(bestCapped);
    const noneLater = p95(none) > p95(bestCapped);
    for (const o of capped) {
      v.expectations.push({
        variant: o.label,
        text: `p95 lateness below none's (${ms(n.latenessP95Ms)})`,
        met: figures(o).latenessP95Ms === null || n.latenessP95Ms === null ? null : p95(o) < p95(none),
      });
    }
    const winner = clean[0] ?? null;
    const cappedP95s = capped.map(p95);
    const everyCappedEarlier = cappedP95s.every((value) => value < p95(none));
    const cappedRange = `${ms(Math.min(...cappedP95s))}-${ms(Math.max(...cappedP95s))}`;
    const direction = noneLater
      ? {
          key: 'spread',
          claim: 'Spread the burst',
          evidence: everyCappedEarlier
            ? `every capped variant's p95 lateness (${cappedRange}) below none's ${ms(n.latenessP95Ms)}`
            : `${bestCapped.label}'s p95 lateness ${ms(c.latenessP95Ms)} below none's ${ms(n.latenessP95Ms)}, capped ${cappedRange}`,
        }
      : {
          key: 'leave',
          claim: 'Leave digest times where users put them',
          evidence: `none's p95 lateness ${ms(n.latenessP95Ms)} at or below every capped variant's (${cappedRange})`,
        };
    const answer = noneLater
      ? `Spread them: ${bestCapped.label} has p95 lateness ${ms(c.latenessP95Ms)} against none's ${ms(n.latenessP95Ms)} (${counted(c.usersMoved, 'user')} moved).`
      : `No need to spread: none's p95 lateness ${ms(n.latenessP95Ms)} is at or below the best capped variant's (${bestCapped.label}, ${ms(c.latenessP95Ms)}).`;
    return {
      ...v,
      status: 'answered',
      answer: winner === null ? `${answer} No variant was free of missing or duplicated digests.` : answer,
      figure: `p95 lateness none ${ms(n.latenessP95Ms)} vs ${bestCapped.label} ${ms(c.latenessP95Ms)}; peak Claude concurrency ${num(n.claudePeak)} vs ${num(c.claudePeak)}`,
      changesIf: noneLater
        ? `The answer changes if the unspread burst drains as fast as the slots do: none peaked at ${num(n.claudePeak)} concurrent Claude calls with ${counted(n.claude429, '429')}, so more Claude concurrency (a higher tier) narrows the ${ms(p95(none) - p95(bestCapped))} gap; or if moving ${counted(c.usersMoved, 'user')} from their chosen time is not acceptable.`
        : `The answer changes with a larger burst or a lower Claude tier: none drained ${num(n.expected)} digests with ${counted(n.claude429, 'Claude 429')} here.`,
      recommendation: `${
        noneLater
          ? `Spread digest times with ${bestCapped.label}: p95 lateness falls from ${ms(n.latenessP95Ms)} to ${ms(c.latenessP95Ms)}, ${(c.usersMoved ?? 0) === 0 ? 'without moving anyone' : `at the price of moving ${counted(c.usersMoved, 'user')} from the time they chose`}.`
          : `Leave digest times where users put them: no cap measured cut p95 lateness below ${ms(n.latenessP95Ms)}.`
      }${winner === null ? ' Fix the missing or duplicated digests first: no variant was free of them.' : ''}`,
      winner: winner?.label ?? null,
      direction,
    };
  },
};
