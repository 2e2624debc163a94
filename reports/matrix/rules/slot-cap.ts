import { seriesFor } from '../../../contracts/series.ts';
import { percentileOf } from '../../analysis/histogram.ts';
import {
  botKnob,
  counted,
  isUsable,
  ms,
  noData,
  num,
  peakOf,
  type UsableOutcome,
  verdictSkeleton,
} from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

export const SLOT_CAP_RULE =
  'Users above the cap (the bot counts them in the database: users per slot minus the cap, summed over the ' +
  "day, the run's peak) per variant, COUNT then write against the slot table: an implementation that put " +
  'anyone above the cap loses; among the variants with zero above the cap, the fewest lost updates (no reply ' +
  'by the deadline: they measure the machine as much as the cap, so they rank rather than disqualify) win, ' +
  'then the lower p95 onboarding step (/start to the booked time). Peak sessions waiting on a lock (pg_locks, ' +
  'sampled) and the onboarding latency are the price of a correct cap, printed per variant.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'overCap', label: 'users above the cap', unit: 'users' },
  { key: 'onboardP50Ms', label: 'p50 onboarding step', unit: 'ms' },
  { key: 'onboardP95Ms', label: 'p95 onboarding step', unit: 'ms' },
  { key: 'lockWaitsPeak', label: 'peak lock waits', unit: 'sessions' },
  { key: 'signUps', label: 'onboarding updates', unit: 'updates' },
  { key: 'lost', label: 'lost updates', unit: 'updates' },
];

function figures(o: UsableOutcome): Record<string, number | null> {
  const r = o.result;
  const onboarding = r.latency.byAction.start;
  return {
    overCap: peakOf(seriesFor(r, 'slotUsersOverCap')),
    onboardP50Ms: onboarding === undefined ? null : percentileOf(onboarding, 50),
    onboardP95Ms: onboarding === undefined ? null : percentileOf(onboarding, 95),
    lockWaitsPeak: peakOf(seriesFor(r, 'pgLockWaits')),
    signUps: r.load.updatesByAction.start ?? 0,
    lost: r.correctness.lostUpdates,
  };
}

/** How the run enforced the cap; the bot's default (the slot table) when it does not say. */
export function capCheck(o: UsableOutcome): 'count' | 'slot-table' {
  return botKnob(o.result, 'slotting.capCheck') === 'count' ? 'count' : 'slot-table';
}

const p95 = (o: UsableOutcome) => figures(o).onboardP95Ms ?? Number.POSITIVE_INFINITY;
const over = (o: UsableOutcome) => figures(o).overCap ?? 0;

/**
 * The slot-cap verdict: does COUNT then write overbook, and what does the slot table cost.
 *
 * @example
 * slotCapRule.decide(outcomes, question).answer
 * // "Use the slot table: COUNT then write put 37 users above the cap; the slot table none, ..."
 */
export const slotCapRule: VerdictRule = {
  rule: SLOT_CAP_RULE,
  decidingFigure: { column: 'overCap', better: 'lower' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const v = verdictSkeleton('slot-cap', question, SLOT_CAP_RULE, outcomes, COLUMNS, figures);
    const usable = outcomes.filter(isUsable).filter((o) => figures(o).overCap !== null);
    for (const o of usable) {
      const f = figures(o);
      v.sentences.push(
        `${o.label}: ${counted(f.overCap, 'user')} above the cap after ${counted(f.signUps, 'onboarding update')}; ` +
          `p50/p95 onboarding step ${ms(f.onboardP50Ms)} / ${ms(f.onboardP95Ms)}; ` +
          `peak ${counted(f.lockWaitsPeak, 'session')} waiting on a lock; ${counted(f.lost, 'lost update')}.`,
      );
    }
    const counts = usable.filter((o) => capCheck(o) === 'count');
    const tables = usable.filter((o) => capCheck(o) === 'slot-table');
    if (counts.length === 0 || tables.length === 0) {
      const lacking = counts.length === 0 ? 'a COUNT then write variant' : 'a slot table variant';
      return noData(v, `the comparison needs ${lacking} that completed with the users-above-cap figure`);
    }
    for (const o of counts) {
      v.expectations.push({ variant: o.label, text: 'puts users above the cap', met: over(o) > 0 });
    }
    for (const o of tables) {
      v.expectations.push({ variant: o.label, text: 'nobody above the cap', met: over(o) === 0 });
    }
    const worstCount = [...counts].sort((a, b) => over(b) - over(a))[0]!;
    const bestTable = [...tables].sort((a, b) => over(a) - over(b) || p95(a) - p95(b))[0]!;
    const w = figures(worstCount);
    const t = figures(bestTable);
    const held = usable
      .filter((o) => over(o) === 0)
      .sort((a, b) => a.result.correctness.lostUpdates - b.result.correctness.lostUpdates || p95(a) - p95(b));
    const winner = held[0] ?? null;
    const price = `${bestTable.label}'s p95 onboarding step ${ms(t.onboardP95Ms)} against ${ms(w.onboardP95Ms)}, and its peak of ${counted(t.lockWaitsPeak, 'session')} waiting on a lock against ${num(w.lockWaitsPeak)}`;
    const figure = `users above the cap: ${worstCount.label} ${num(w.overCap)}, ${bestTable.label} ${num(t.overCap)}; ${price}`;
    if (over(bestTable) > 0) {
      return {
        ...v,
        status: 'answered',
        answer: `Neither held the cap: even ${bestTable.label} put ${counted(t.overCap, 'user')} above it, which the slot table's conditional UPDATE should make impossible; look for a bug before choosing.`,
        figure,
        changesIf: 'The answer changes once the slot table holds its cap; re-run after fixing it.',
        recommendation: `Do not rely on either cap check yet: even ${bestTable.label} put ${counted(t.overCap, 'user')} above the cap, so find that bug first.`,
        winner: null,
      };
    }
    if (over(worstCount) > 0) {
      return {
        ...v,
        status: 'answered',
        answer: `Use the slot table: ${worstCount.label} put ${counted(w.overCap, 'user')} above the cap after ${counted(w.signUps, 'onboarding update')}, ${bestTable.label} nobody; the price is ${price}.`,
        figure,
        recommendation: `Enforce the per-slot cap with the slot table, not COUNT then write: ${worstCount.label} put ${counted(w.overCap, 'user')} above the cap, ${bestTable.label} nobody.`,
        changesIf: `The answer does not change with load (COUNT then write is a read-then-write race: more concurrent sign-ups only overbook more); only a cap check inside one statement or under a lock (a constraint, SELECT ... FOR UPDATE on a slot row) is an alternative to the slot table.`,
        winner: winner?.label ?? null,
      };
    }
    return {
      ...v,
      status: 'answered',
      answer: `No overbooking measured: ${worstCount.label} and ${bestTable.label} both kept everyone within the cap after ${counted(w.signUps, 'onboarding update')}; ${winner === null ? 'no variant held the cap' : `${winner.label} ranked first (${counted(figures(winner).lost, 'lost update')}, p95 onboarding step ${ms(figures(winner).onboardP95Ms)})`}.`,
      figure,
      recommendation: `Either cap check held at this load; still prefer the slot table, because COUNT then write is a race that more simultaneous sign-ups lose (the bot test shows it).`,
      changesIf: `The answer changes with more sign-ups for one slot at the same moment: COUNT then write reads the count and writes in two statements, so overlapping sign-ups overbook (bot/slotting/count-slotter.test.ts shows it at 200 concurrent); this run's overlap was too small to show it.`,
      winner: winner?.label ?? null,
    };
  },
};
