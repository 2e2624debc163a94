import { valueAt } from '../../../common/path.ts';
import type { RunResult } from '../../../contracts/run-result.ts';
import { seriesFor } from '../../../contracts/series.ts';
import { percentileOf } from '../../analysis/histogram.ts';
import { botKnob, counted, isUsable, ms, noData, num, type UsableOutcome, verdictSkeleton } from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictDirection, VerdictRule } from '../types.ts';

export const SESSIONS_RULE =
  "Broken onboardings (the bot's count of users who sent /start and never booked a digest time, at the end " +
  'of the run) per session storage behind a round-robin balancer with no instance lost: the fewest unfinished ' +
  'onboardings win, then the fewest lost updates (no reply by the deadline: they measure the machine as much ' +
  'as the storage, so they rank rather than disqualify), then the lower p95 onboarding step, then fewer peak ' +
  'Postgres connections. Memory is reported as breaking flows when it left more unfinished than the winner. ' +
  'The chat-affinity variants, with and without an instance killed, say ' +
  'whether affinity makes in-process state safe; their figures are printed, they do not pick the storage.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'unfinished', label: 'onboardings unfinished', unit: 'users' },
  { key: 'onboardP95Ms', label: 'p95 onboarding step', unit: 'ms' },
  { key: 'replyP95Ms', label: 'p95 reply', unit: 'ms' },
  { key: 'lost', label: 'lost updates', unit: 'updates' },
  { key: 'pgConnectionsPeak', label: 'peak Postgres connections', unit: 'connections' },
];

/** The gauge's value at the end of the run: the last point of any instance still reporting. */
function finalUnfinished(r: RunResult): number | null {
  const last = seriesFor(r, 'onboardingUnfinished').flatMap((s) => {
    const point = s.points.at(-1);
    return point === undefined ? [] : [point];
  });
  if (last.length === 0) return null;
  return last.sort((a, b) => b[0] - a[0])[0]![1];
}

function figures(o: UsableOutcome): Record<string, number | null> {
  const r = o.result;
  const onboarding = r.latency.byAction.start;
  return {
    unfinished: finalUnfinished(r),
    onboardP95Ms: onboarding === undefined ? null : percentileOf(onboarding, 95),
    replyP95Ms: percentileOf(r.latency.replyFinal, 95),
    lost: r.correctness.lostUpdates,
    pgConnectionsPeak: r.database.maxConnectionsSeen,
  };
}

/** The session storage the run used; the bot's default (postgres) when it does not say. */
export function sessionStorage(o: UsableOutcome): string {
  const storage = botKnob(o.result, 'session.storage');
  return typeof storage === 'string' ? storage : 'postgres';
}

/** Whether the balancer kept a chat on one instance. */
export function chatAffinity(o: UsableOutcome): boolean {
  return valueAt(o.result.scenario.resolved, 'bot.balancerAffinity') === 'chat';
}

/** Compares two rankings key by key: the first key that differs decides. */
function lexicographic(x: readonly number[], y: readonly number[]): number {
  const at = x.findIndex((n, i) => n !== y[i]);
  return at < 0 ? 0 : x[at]! - y[at]!;
}

const p95 = (o: UsableOutcome) => figures(o).onboardP95Ms ?? Number.POSITIVE_INFINITY;
const unfinished = (o: UsableOutcome) => figures(o).unfinished ?? 0;

/**
 * The sessions verdict: which storage keeps multi-step flows whole behind a balancer without affinity.
 *
 * @example
 * sessionsRule.decide(outcomes, question).answer
 * // "Keep conversation state in postgres: memory, round-robin left 41 users with an unfinished onboarding, ..."
 */
export const sessionsRule: VerdictRule = {
  rule: SESSIONS_RULE,
  decidingFigure: { column: 'unfinished', better: 'lower' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const v = verdictSkeleton('sessions', question, SESSIONS_RULE, outcomes, COLUMNS, figures);
    const usable = outcomes.filter(isUsable).filter((o) => figures(o).unfinished !== null);
    for (const o of usable) {
      const f = figures(o);
      v.sentences.push(
        `${o.label}: ${counted(f.unfinished, 'user')} with an unfinished onboarding, ${counted(f.lost, 'lost update')}; ` +
          `p95 onboarding step ${ms(f.onboardP95Ms)}, p95 reply ${ms(f.replyP95Ms)}; peak ${counted(f.pgConnectionsPeak, 'Postgres connection')}.`,
      );
    }
    const roundRobin = usable.filter((o) => !chatAffinity(o) && !o.killed);
    const memory = roundRobin.find((o) => sessionStorage(o) === 'memory');
    const shared = roundRobin.filter((o) => sessionStorage(o) !== 'memory');
    if (memory === undefined || shared.length === 0) {
      const lacking =
        memory === undefined ? 'the memory, round-robin variant' : 'a shared storage (postgres or redis) variant';
      return noData(v, `the comparison needs ${lacking} completed with the unfinished-onboarding figure`);
    }
    v.expectations.push({ variant: memory.label, text: 'leaves onboardings unfinished', met: unfinished(memory) > 0 });
    for (const o of shared) {
      v.expectations.push({ variant: o.label, text: 'no onboarding unfinished', met: unfinished(o) === 0 });
    }
    const key = (o: UsableOutcome) => [
      unfinished(o),
      o.result.correctness.lostUpdates,
      p95(o),
      o.result.database.maxConnectionsSeen,
    ];
    const ranked = [...roundRobin].sort((a, b) => lexicographic(key(a), key(b)));
    const winner = ranked[0]!;
    const w = figures(winner);
    const m = figures(memory);
    const affinity = usable.filter((o) => chatAffinity(o) && sessionStorage(o) === 'memory');
    const affinityText = affinity
      .map(
        (o) => `${o.label} left ${unfinished(o) === 0 ? 'nobody' : counted(figures(o).unfinished, 'user')} unfinished`,
      )
      .join('; ');
    const affinityClause = affinityText === '' ? '' : ` With chat affinity instead: ${affinityText}.`;
    const memoryBroke = winner !== memory && unfinished(memory) > unfinished(winner);
    const answer = memoryBroke
      ? `Keep conversation state in ${sessionStorage(winner)}: ${memory.label} left ${counted(m.unfinished, 'user')} with an unfinished onboarding, ${winner.label} ${w.unfinished === 0 ? 'none' : num(w.unfinished)} (${counted(w.lost, 'lost update')}), at p95 onboarding step ${ms(w.onboardP95Ms)} (memory ${ms(m.onboardP95Ms)}) and ${counted(w.pgConnectionsPeak, 'peak Postgres connection')}.${affinityClause}`
      : unfinished(memory) === 0
        ? `No broken flow measured: ${memory.label} left nobody with an unfinished onboarding; ${winner.label} ranked first (p95 onboarding step ${ms(w.onboardP95Ms)}).${affinityClause}`
        : `Memory broke no more flows than shared storage: ${memory.label} left ${counted(m.unfinished, 'user')} unfinished, no more than ${winner === memory ? 'any shared storage' : winner.label}; ${winner.label} ranked first (p95 onboarding step ${ms(w.onboardP95Ms)}).${affinityClause}`;
    return {
      ...v,
      status: 'answered',
      answer,
      figure: `unfinished onboardings: ${roundRobin.map((o) => `${o.label} ${num(figures(o).unfinished)}`).join(', ')}; p95 onboarding step ${winner.label} ${ms(w.onboardP95Ms)}`,
      changesIf: memoryBroke
        ? 'The answer changes only for one instance, or with chat affinity and no instance ever lost or restarted: memory state lives in one process, so every restart forgets the dialogs in flight.'
        : 'The answer changes with more chats whose next update lands on another instance mid-dialog: memory state lives in one process, and the bot test (bot/sessions/storage.test.ts) shows the typed time lost.',
      recommendation: memoryBroke
        ? `Keep FSM state in ${sessionStorage(winner)}, not in process memory, as soon as more than one instance serves the bot: memory broke ${counted(m.unfinished, 'onboarding')} behind a round-robin balancer.`
        : `No storage kept more flows whole than memory at this load; ${sessionStorage(winner)} ranked first, and only a shared storage keeps dialogs across a restart.`,
      winner: winner.label,
      direction: brokenFlowsDirection(roundRobin),
    };
  },
};

/**
 * The half of the answer the repetitions can hold while the storage that ranks first flips: which storages,
 * behind a round-robin balancer, left onboardings unfinished. Losing a dialog's state is the storage's own
 * property (process memory is one instance's); which shared storage onboards a few milliseconds faster is
 * what flips, and it is the other half.
 */
const AND = new Intl.ListFormat('en', { type: 'conjunction' });

function brokenFlowsDirection(roundRobin: readonly UsableOutcome[]): VerdictDirection {
  const storages = (list: readonly UsableOutcome[]) => [...new Set(list.map(sessionStorage))].sort();
  const broke = storages(roundRobin.filter((o) => unfinished(o) > 0));
  const kept = storages(roundRobin.filter((o) => unfinished(o) === 0)).filter((s) => !broke.includes(s));
  const evidence = `${roundRobin.map((o) => `${sessionStorage(o)} ${num(figures(o).unfinished)}`).join(', ')} unfinished`;
  if (broke.length === 0) {
    return { key: 'none broken', claim: 'No session storage left an onboarding unfinished', evidence };
  }
  if (kept.length === 0) {
    return { key: 'all broken', claim: 'Every session storage left onboardings unfinished', evidence };
  }
  return {
    key: `broken: ${broke.join(' | ')}`,
    claim:
      `Keep conversation state out of ${AND.format(broke)} behind a round-robin balancer: ` +
      `${broke.length === 1 ? 'it' : 'they'} left onboardings unfinished, ${AND.format(kept)} none`,
    evidence,
  };
}
