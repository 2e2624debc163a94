import { percentileOf } from '../../analysis/histogram.ts';
import { counted, isUsable, ms, noData, num, type UsableOutcome, verdictSkeleton } from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

export const SCHEDULER_RULE =
  'pass = zero duplicated and zero missing digests (of those expected in the window; "missing" = not sent when ' +
  'the run ended, whether lost or still queued: a strategy that sends from one instance drains the burst ' +
  'slower and shows it here); among passing variants ' +
  'the lowest p95 digest lateness wins (ties: the lower max lateness). DB load is the peak server connections.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'expected', label: 'digests expected', unit: 'digests' },
  { key: 'delivered', label: 'delivered', unit: 'digests' },
  { key: 'missing', label: 'missing', unit: 'digests' },
  { key: 'duplicated', label: 'duplicated', unit: 'digests' },
  { key: 'latenessP95Ms', label: 'p95 lateness', unit: 'ms' },
  { key: 'latenessMaxMs', label: 'max lateness', unit: 'ms' },
  { key: 'connectionsSeen', label: 'DB connections (peak)', unit: 'connections' },
  { key: 'killed', label: 'instance killed', unit: '0/1' },
];

function figures(o: UsableOutcome): Record<string, number | null> {
  const d = o.result.correctness.digests;
  return {
    expected: d.expected,
    delivered: d.delivered,
    missing: d.missing,
    duplicated: d.duplicated,
    latenessP95Ms: percentileOf(d.lateness, 95),
    latenessMaxMs: percentileOf(d.lateness, 100),
    connectionsSeen: o.result.database.maxConnectionsSeen,
    killed: o.killed ? 1 : 0,
  };
}

/** `b passed too, 1.2 s later at p95`, or `as late` on a tie (never "0 ms later"). */
function laterText(runnerUp: string, laterMs: number): string {
  return laterMs > 0 ? `${runnerUp} passed too, ${ms(laterMs)} later at p95` : `${runnerUp} passed too, as late at p95`;
}

function passes(o: UsableOutcome): boolean {
  const d = o.result.correctness.digests;
  return d.expected > 0 && d.missing === 0 && d.duplicated === 0;
}

/**
 * The scheduler verdict: correctness first (no duplicate, no missing digest), then lateness.
 *
 * @example
 * schedulerRule.decide(outcomes, 'Where does the scheduler live?').sentences
 * // ['none x3 fails: 412 duplicated and 0 missing of 1,000 digests expected.', ...]
 */
export const schedulerRule: VerdictRule = {
  rule: SCHEDULER_RULE,
  decidingFigure: { column: 'duplicated', better: 'lower' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const v = verdictSkeleton('scheduler', question, SCHEDULER_RULE, outcomes, COLUMNS, figures);
    const usable = outcomes.filter(isUsable).filter((o) => o.result.correctness.digests.expected > 0);
    if (usable.length === 0) return noData(v, 'no variant completed with digests expected in its window');
    for (const o of usable) {
      const f = figures(o);
      const verdictWord = passes(o) ? 'passes' : 'fails';
      v.sentences.push(
        `${o.label} ${verdictWord}: ${num(f.duplicated)} duplicated and ${num(f.missing)} missing of ${counted(f.expected, 'digest')} ` +
          `expected; p95 lateness ${ms(f.latenessP95Ms)}, max ${ms(f.latenessMaxMs)}; ` +
          `peak ${counted(f.connectionsSeen, 'DB connection')}${o.killed ? '; one instance was killed at the peak' : ''}.`,
      );
    }
    const passing = usable
      .filter(passes)
      .sort(
        (a, b) =>
          (figures(a).latenessP95Ms ?? Number.POSITIVE_INFINITY) -
            (figures(b).latenessP95Ms ?? Number.POSITIVE_INFINITY) ||
          (figures(a).latenessMaxMs ?? 0) - (figures(b).latenessMaxMs ?? 0),
      );
    const failing = usable.filter((o) => !passes(o));
    const failingText =
      failing.length === 0
        ? 'every completed variant delivered each digest exactly once'
        : `failing: ${failing
            .map((o) => `${o.label} (${num(figures(o).duplicated)} duplicated, ${num(figures(o).missing)} missing)`)
            .join('; ')}`;
    const winner = passing[0];
    if (winner === undefined) {
      return {
        ...v,
        status: 'answered',
        answer: 'No strategy passed: every completed variant duplicated or missed digests.',
        recommendation:
          'Do not ship any of the measured scheduler strategies yet: each one duplicated or missed digests in this burst.',
        figure: failingText,
        changesIf: 'A strategy passes once it delivers every expected digest exactly once in this burst.',
        winner: null,
      };
    }
    const w = figures(winner);
    const runnerUp = passing[1];
    const margin =
      runnerUp === undefined
        ? 'no other variant passed'
        : laterText(runnerUp.label, (figures(runnerUp).latenessP95Ms ?? 0) - (w.latenessP95Ms ?? 0));
    return {
      ...v,
      status: 'answered',
      answer: `${winner.label}: zero duplicated and zero missing of ${counted(w.expected, 'digest')}, ${runnerUp === undefined ? 'the only variant that passed' : 'the lowest p95 lateness among passing variants'}.`,
      recommendation: `Plan and send digests with ${winner.label}: it sent every digest exactly once${failing.length === 0 ? '' : `, where ${failing.map((o) => o.label).join(', ')} did not`}, and ${runnerUp === undefined ? 'no other strategy did' : 'was the least late of those that did'}.`,
      figure: `p95 lateness ${ms(w.latenessP95Ms)} (max ${ms(w.latenessMaxMs)}); ${failingText}`,
      changesIf:
        `The pick changes if ${winner.label} ever duplicates or misses a digest (it held here with ` +
        `${winner.killed ? 'an instance killed at the peak' : 'no instance killed'}), or if lateness outweighs ` +
        `correctness margin: ${margin}.`,
      winner: winner.label,
    };
  },
};
