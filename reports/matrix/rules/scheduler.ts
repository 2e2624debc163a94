import type { RunResult } from '../../../contracts/run-result.ts';
import { percentileOf } from '../../analysis/histogram.ts';
import { botKnob, counted, isUsable, ms, noData, num, type UsableOutcome, verdictSkeleton } from '../figures.ts';
import { listOfLabels } from '../repetitions.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictDirection, VerdictRule } from '../types.ts';

export const SCHEDULER_RULE =
  'pass = zero duplicated and zero missing digests (of those expected in the window; "missing" = not sent when ' +
  'the run ended, whether lost or still queued: a strategy that sends from one instance drains the burst ' +
  'slower and shows it here); among passing variants ' +
  'the lowest p95 digest lateness wins (ties: the lower max lateness). DB load is the peak server connections. ' +
  'Who decides (the strategy: every instance, a leader, a cron trigger, a dedicated worker) and who sends ' +
  "(one instance, or all through the digest_jobs queue: scheduler.sendBy) are read from each run's bot config; " +
  'the split sentence compares the lowest passing p95 lateness where one instance sends every digest with the ' +
  "lowest where all instances send. A killed scheduler worker is read from the run's fault record.";

/** Who decided which digests were due in a run, and whether one instance or all of them sent. */
export interface SchedulerRoles {
  decides: string;
  sends: 'one instance' | 'all instances';
}

/** Who decides, per strategy (the reference bot's `scheduler.strategy`). */
const DECIDES: Readonly<Record<string, string>> = {
  none: 'every instance, uncoordinated',
  'skip-locked': 'every instance, one job row per user and day',
  'advisory-lock': 'a leader holding a Postgres advisory lock',
  'redis-lock': 'a leader holding a Redis lease',
  'cron-http': 'an external cron trigger',
  'queue-worker': 'a dedicated scheduler worker',
};

/**
 * The run's scheduler roles from its bot config; undefined when the strategy is not recorded (a bot of its own). Leader
 * strategies send from the leader unless `scheduler.sendBy` is `all-instances`; cron-http sends from the
 * instance the trigger hit; the others send from every instance.
 *
 * @example
 * schedulerRoles(result) // { decides: 'a leader holding a Postgres advisory lock', sends: 'one instance' }
 */
export function schedulerRoles(result: RunResult): SchedulerRoles | undefined {
  const strategy = botKnob(result, 'scheduler.strategy');
  if (typeof strategy !== 'string' || DECIDES[strategy] === undefined) return undefined;
  const leader = strategy === 'advisory-lock' || strategy === 'redis-lock';
  const oneSends = strategy === 'cron-http' || (leader && botKnob(result, 'scheduler.sendBy') !== 'all-instances');
  return { decides: DECIDES[strategy], sends: oneSends ? 'one instance' : 'all instances' };
}

/** When the run killed queue-worker's scheduler worker (simulated ms since the load started), if it did. */
function workerKilledAtMs(result: RunResult): number | undefined {
  return result.faults?.find((f) => f.kind === 'instance-killed' && f.target === 'scheduler-worker')?.fromMs;
}

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'expected', label: 'digests expected', unit: 'digests' },
  { key: 'delivered', label: 'delivered', unit: 'digests' },
  { key: 'missing', label: 'missing', unit: 'digests' },
  { key: 'duplicated', label: 'duplicated', unit: 'digests' },
  { key: 'latenessP95Ms', label: 'p95 lateness', unit: 'ms' },
  { key: 'latenessMaxMs', label: 'max lateness', unit: 'ms' },
  { key: 'connectionsSeen', label: 'DB connections (peak)', unit: 'connections' },
  { key: 'killed', label: 'instance killed', unit: '0/1' },
  { key: 'allInstancesSend', label: 'all instances send', unit: '0/1' },
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
    allInstancesSend: roleFigure(schedulerRoles(o.result)),
  };
}

/** `b passed too, 1.2 s later at p95`, or `as late` on a tie (never "0 ms later"). */
function laterText(runnerUp: string, laterMs: number): string {
  return laterMs > 0 ? `${runnerUp} passed too, ${ms(laterMs)} later at p95` : `${runnerUp} passed too, as late at p95`;
}

function roleFigure(roles: SchedulerRoles | undefined): number | null {
  if (roles === undefined) return null;
  return roles.sends === 'all instances' ? 1 : 0;
}

/** What was killed, as the per-variant sentence ends: the worker (from the fault record) or a bot instance. */
function killedPhrase(o: UsableOutcome): string {
  if (!o.killed) return '';
  const atMs = workerKilledAtMs(o.result);
  return atMs === undefined
    ? '; one instance was killed at the peak'
    : `; the scheduler worker was killed ${ms(atMs)} into the load and not restarted`;
}

/**
 * The split sentence: the best passing p95 lateness where one instance sends every digest against where all
 * instances send, whoever decides.
 */
function splitSentence(usable: readonly UsableOutcome[]): string | undefined {
  const best = (sends: SchedulerRoles['sends']) =>
    usable
      .filter((o) => passes(o) && schedulerRoles(o.result)?.sends === sends)
      .map((o) => ({ label: o.label, p95Ms: figures(o).latenessP95Ms }))
      .filter((b): b is { label: string; p95Ms: number } => b.p95Ms !== null)
      .sort((a, b) => a.p95Ms - b.p95Ms)[0];
  const tried = (sends: SchedulerRoles['sends']) => usable.some((o) => schedulerRoles(o.result)?.sends === sends);
  const one = best('one instance');
  const all = best('all instances');
  if (!tried('one instance') || !tried('all instances')) return undefined;
  const lead = 'Who decides is separate from who sends';
  if (one === undefined && all === undefined)
    return `${lead}: no variant passed, whether one instance or all instances sent.`;
  if (one === undefined)
    return `${lead}: every variant where one instance sends every digest failed; where all instances send, ${all!.label} passed with p95 lateness ${ms(all!.p95Ms)}.`;
  if (all === undefined)
    return `${lead}: every variant where all instances send failed; where one instance sends, ${one.label} passed with p95 lateness ${ms(one.p95Ms)}.`;
  const gapMs = one.p95Ms - all.p95Ms;
  const comparison =
    gapMs > 0
      ? `sending from all instances cut p95 lateness by ${ms(gapMs)}`
      : gapMs < 0
        ? `one sender was ${ms(-gapMs)} earlier at p95, so sending from all instances did not help here`
        : 'both had the same p95 lateness';
  return `${lead}: the best passing variant where one instance sends every digest (${one.label}) had p95 lateness ${ms(one.p95Ms)}, where all instances send (${all.label}) ${ms(all.p95Ms)}; ${comparison}.`;
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
      const roles = schedulerRoles(o.result);
      const who = roles === undefined ? '' : `; decided by ${roles.decides}, sent by ${roles.sends}`;
      v.sentences.push(
        `${o.label} ${verdictWord}: ${num(f.duplicated)} duplicated and ${num(f.missing)} missing of ${counted(f.expected, 'digest')} ` +
          `expected; p95 lateness ${ms(f.latenessP95Ms)}, max ${ms(f.latenessMaxMs)}; ` +
          `peak ${counted(f.connectionsSeen, 'DB connection')}${who}${killedPhrase(o)}.`,
      );
    }
    const split = splitSentence(usable);
    if (split !== undefined) v.sentences.push(split);
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
    const direction = duplicatesDirection(usable);
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
        direction,
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
      direction,
    };
  },
};

/**
 * The half of the answer the repetitions can hold while the least-late variant flips: which strategies send a
 * digest twice. A duplicate is the strategy's own property (nothing coordinates `none`; a session advisory lock
 * means nothing behind a transaction pooler), so the repetitions agree when the same variants duplicated. A
 * digest still unsent when the window closed depends on how the burst drained that time: it fails the variant
 * and is in the evidence, not in the claim.
 */
function duplicatesDirection(usable: readonly UsableOutcome[]): VerdictDirection {
  const twice = usable.filter((o) => (figures(o).duplicated ?? 0) > 0);
  const late = usable.filter((o) => (figures(o).duplicated ?? 0) === 0 && (figures(o).missing ?? 0) > 0);
  const labels = twice.map((o) => o.label).sort();
  const duplicates = twice.map((o) => `${o.label} ${num(figures(o).duplicated)}`).join(', ');
  const missing =
    late.length === 0
      ? ''
      : `; ${late.map((o) => `${o.label} left ${counted(figures(o).missing, 'digest')} unsent`).join(', ')}`;
  return twice.length === 0
    ? {
        key: 'no duplicates',
        claim: 'No strategy sent a digest twice',
        evidence: `none duplicated in any of the ${counted(usable.length, 'variant')}${missing}`,
      }
    : {
        key: `duplicates: ${labels.join(' | ')}`,
        claim: `Never send digests from ${listOfLabels(labels)}: ${twice.length === 1 ? 'it sent' : 'they sent'} digests twice, every other strategy none`,
        evidence: `duplicated ${duplicates}${missing}`,
      };
}
