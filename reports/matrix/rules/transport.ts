import { budgetName, findKneeInRamp, kneeBudget } from '../../analysis/knee.ts';
import { steadinessText } from '../../analysis/steady.ts';
import type { KneeAnalysis, LatencyBudget } from '../../analysis/types.ts';
import {
  botKnob,
  counted,
  isUsable,
  ms,
  noData,
  num,
  replyP95Ms,
  type UsableOutcome,
  verdictSkeleton,
} from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

export const TRANSPORT_RULE =
  "knee per variant = the highest concurrent-user level at which it and every lower level held the scenario's " +
  'first-output latency budget (`reply_first_latency`, else its `reply_latency` budget; the p95 over the ' +
  'replies to every update sent in the level; an update without output by the deadline counts at the deadline, and a ' +
  'level where more than 5% of the updates got no final reply by it broke, whatever the typing indicators say). The ' +
  "first visible output (typing, a callback answer or the reply) leaves out Claude's generation time, which " +
  'no transport changes, and keeps what a transport does: deliver updates and let handlers run. Among variants with no instance killed and ' +
  'zero duplicate replies, the highest knee wins, then the lower p95 reply latency over the run (lost updates ' +
  'count in it at the deadline, so a variant whose answers time out loses the tie; they are printed too). ' +
  'Variants with an instance SIGKILLed mid-run are judged on lost and duplicate updates and webhook ' +
  'redeliveries, per onTimeout policy. When to switch: the polling x1 variant (the current configuration) ' +
  "is read at its knee against today's ~50 concurrent users (~300 daily users; the margin), and the switch costs the winner's extra " +
  'instances and extra peak Postgres connections over polling x1.';

/**
 * Today's load, which the margin is read against: the architect's ~300 daily users are ~50 concurrent (the
 * question's own figures, ../shared/DESIGN.md), and the staircase counts concurrent users (VUs). Reading the
 * 300 daily users as 300 concurrent told a bot that runs fine today that it was already past its knee.
 */
export const TODAY_CONCURRENT_USERS = 50;

/** `today's 50 concurrent users`: where the margin is read, in words. */
const TODAY = `today's ${TODAY_CONCURRENT_USERS} concurrent users`;

/** The columns; the two judged on the latency budget name it, as the comparison table does (one meaning per label). */
const columns = (budget: LatencyBudget | null): VerdictColumn[] => [
  { key: 'kneeVus', label: `knee (held ${budget === null ? 'the budget' : budgetName(budget)} up to)`, unit: 'VUs' },
  { key: 'brokeAtVus', label: `${budget === null ? 'the budget' : budgetName(budget)} broke at`, unit: 'VUs' },
  { key: 'replyP95Ms', label: 'p95 reply (run)', unit: 'ms' },
  { key: 'lost', label: 'lost updates', unit: 'updates' },
  { key: 'duplicates', label: 'duplicate replies', unit: 'replies' },
  { key: 'redeliveries', label: 'webhook redeliveries', unit: 'deliveries' },
  { key: 'killed', label: 'instance killed', unit: '0/1' },
];

/**
 * Each run's knee, computed once: the rule reads it a dozen times per variant, and each reading decoded every
 * phase's histograms again.
 */
const knees = new WeakMap<UsableOutcome['result'], KneeAnalysis>();

/**
 * The knee on the run's knee budget (the scenario's first-output budget when it states one, else its reply
 * budget): the same analysis, on the same budget, as the report's capacity section and comparison table.
 */
function kneeOf(o: UsableOutcome): KneeAnalysis {
  let knee = knees.get(o.result);
  if (knee === undefined) {
    knee = findKneeInRamp(o.result, { budget: kneeBudget(o.result) });
    knees.set(o.result, knee);
  }
  return knee;
}

function figures(o: UsableOutcome): Record<string, number | null> {
  const knee = kneeOf(o);
  return {
    kneeVus: knee.kneeLoad,
    brokeAtVus: knee.brokeAtLoad,
    replyP95Ms: replyP95Ms(o.result),
    lost: o.result.correctness.lostUpdates,
    duplicates: o.result.correctness.duplicateReplies,
    redeliveries: o.result.telegram.webhookRedeliveries,
    killed: o.killed ? 1 : 0,
  };
}

function budgetText(o: UsableOutcome): string {
  const b = kneeOf(o).budget;
  return `${b.metric === 'reply_first_latency' ? 'first output' : 'reply'} p${b.percentile} <= ${ms(b.maxMs)}`;
}

/** `not steady at 50, 100 VUs (not judged; 50 VUs: its halves differ (3289 ms, then 1737 ms))`: why, for the lowest. */
function notSteadyText(k: KneeAnalysis): string {
  const lowest = k.levels.find((l) => l.status === 'not-steady');
  const why =
    lowest?.steadiness && !lowest.steadiness.steady
      ? `; ${num(lowest.load)} VUs: ${steadinessText(lowest.steadiness)}`
      : '';
  return `not steady at ${k.notSteadyLoads.map(num).join(', ')} VUs (not judged${why})`;
}

function peakVus(o: UsableOutcome): number {
  const levels = kneeOf(o).levels.map((l) => l.load);
  return levels.length > 0 ? Math.max(...levels) : o.result.load.maxVus;
}

/**
 * Whether a variant broke above its first level with no level below the break judged held: the lower levels
 * never settled, so its knee lies somewhere below the break, not known where.
 */
function kneeUnknownBelowBreak(o: UsableOutcome): boolean {
  const k = kneeOf(o);
  const lowest = Math.min(...k.levels.map((l) => l.load));
  return k.kneeLoad === null && k.brokeAtLoad !== null && k.brokeAtLoad > lowest;
}

/** A knee that was not found: `below the first level`, or `not known (below 300 VUs)` when lower levels never settled. */
function missingKneeText(o: UsableOutcome): string {
  return kneeUnknownBelowBreak(o) ? `not known (below ${num(kneeOf(o).brokeAtLoad!)} VUs)` : 'below the first level';
}

/** Where a variant without a knee broke: `at the first level, 100 VUs` or `at 300 VUs, with no level below it judged held`. */
function brokeWithoutKneeText(o: UsableOutcome): string {
  const brokeAt = num(kneeOf(o).brokeAtLoad!);
  return kneeUnknownBelowBreak(o)
    ? `at ${brokeAt} VUs, with no level below it judged held`
    : `at the first level, ${brokeAt} VUs`;
}

/** A variant's knee for a comparison: `400 VUs`, `>= 500 VUs` when it held every level, or why there is none. */
function kneeFigure(o: UsableOutcome): string {
  const k = kneeOf(o);
  if (k.heldEveryLevel) return `>= ${num(peakVus(o))} VUs`;
  return k.kneeLoad === null ? missingKneeText(o) : `${num(k.kneeLoad)} VUs`;
}

/** The current configuration: one instance polling. */
function isPollingX1(o: UsableOutcome): boolean {
  return o.result.environment.bot.transport === 'polling' && o.result.environment.bot.instances === 1 && !o.killed;
}

/**
 * When polling x1 breaks, its margin at TODAY_CONCURRENT_USERS, and what switching to the winner costs.
 *
 * @example
 * whenToSwitch(pollingX1, webhookX3)
 * // 'Switch to webhook x3 before 100 concurrent users: polling x1 broke at 300 VUs (knee 100), 50 VUs of headroom over today's 50 concurrent users; webhook x3 costs 2 more instances and 20 more peak Postgres connections (32 vs 12).'
 */
export function whenToSwitch(polling: UsableOutcome, winner: UsableOutcome): string {
  const p = figures(polling);
  const heldAll = kneeOf(polling).heldEveryLevel;
  if (p.brokeAtVus === null && !heldAll) {
    // A level that never settled is neither held nor broken: no break point to act on.
    return `Where polling x1 breaks is not known: ${notSteadyText(kneeOf(polling))}${p.kneeVus === null ? '' : ` (it held up to ${num(p.kneeVus)} VUs)`}.`;
  }
  const where =
    p.brokeAtVus === null
      ? `polling x1 held at every level up to ${num(peakVus(polling))} VUs`
      : p.kneeVus === null
        ? `polling x1 broke ${brokeWithoutKneeText(polling)}`
        : `polling x1 broke at ${num(p.brokeAtVus)} VUs (knee ${num(p.kneeVus)})`;
  if (kneeUnknownBelowBreak(polling) && p.brokeAtVus! > TODAY_CONCURRENT_USERS) {
    // It broke above today's load, but no level below the break settled: its headroom today is not known.
    const unsettled = notSteadyText(kneeOf(polling));
    return winner === polling
      ? `No measured variant does better than polling x1; ${where} (${unsettled}), so whether it holds ${TODAY} is not known.`
      : `Switch to ${winner.label} before ${num(p.brokeAtVus!)} concurrent users at the latest: ${where} (${unsettled}).`;
  }
  // A break at or below today's load with no knee is a knee below it, as far as today's margin goes.
  const knee = p.brokeAtVus === null ? peakVus(polling) : (p.kneeVus ?? 0);
  const margin = knee - TODAY_CONCURRENT_USERS;
  const marginText =
    p.brokeAtVus === null
      ? margin >= 0
        ? `at least ${num(margin)} VUs of headroom over ${TODAY}`
        : `untested at ${TODAY}`
      : kneeUnknownBelowBreak(polling)
        ? `already past its break at ${TODAY}`
        : margin > 0
          ? `${num(margin)} VUs of headroom over ${TODAY}`
          : margin === 0
            ? `no headroom at ${TODAY}`
            : `already ${num(-margin)} VUs over its knee at ${TODAY}`;
  if (winner === polling) {
    return margin > 0 || (p.brokeAtVus === null && margin >= 0)
      ? `No switch needed yet: ${where}, ${marginText}.`
      : `No measured variant does better than polling x1, and it does not hold ${TODAY}: ${where}, ${marginText}.`;
  }
  const extraInstances = winner.result.environment.bot.instances - polling.result.environment.bot.instances;
  const pgW = winner.result.database.maxConnectionsSeen;
  const pgP = polling.result.database.maxConnectionsSeen;
  const when =
    p.brokeAtVus === null
      ? `Switch to ${winner.label} only past ${num(peakVus(polling))} concurrent users (untested above)`
      : margin > 0
        ? `Switch to ${winner.label} before ${num(knee)} concurrent users`
        : `Switch to ${winner.label} now`;
  const instances = extraInstances === 0 ? 'no extra instance' : `${counted(extraInstances, 'more instance')}`;
  const connections =
    pgW === pgP
      ? 'the same peak Postgres connections'
      : `${counted(Math.abs(pgW - pgP), pgW > pgP ? 'more peak Postgres connection' : 'fewer peak Postgres connection')} (${num(pgW)} vs ${num(pgP)})`;
  return `${when}: ${where}, ${marginText}; ${winner.label} costs ${instances} and ${connections}.`;
}

/**
 * The transport verdict: knees of the clean variants, lost/duplicate updates of the killed ones.
 *
 * @example
 * transportRule.decide(outcomes, question).answer // 'webhook x3: held p95 <= 3 s up to 500 VUs ...'
 */
export const transportRule: VerdictRule = {
  rule: TRANSPORT_RULE,
  decidingFigure: { column: 'kneeVus', better: 'higher' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const usable = outcomes.filter(isUsable);
    const first = usable[0];
    const v = verdictSkeleton(
      'transport',
      question,
      TRANSPORT_RULE,
      outcomes,
      columns(first === undefined ? null : kneeBudget(first.result)),
      figures,
    );
    if (usable.length === 0) return noData(v, 'no variant completed');
    const killed = usable.filter((o) => o.killed);
    for (const o of usable) {
      const f = figures(o);
      const k = kneeOf(o);
      const kneeText = f.kneeVus === null ? missingKneeText(o) : `${num(f.kneeVus)} VUs`;
      const unsettled = k.notSteadyLoads.length === 0 ? '' : `, ${notSteadyText(k)}`;
      const knee = k.heldEveryLevel
        ? `held ${budgetText(o)} at every level up to ${num(peakVus(o))} VUs`
        : f.brokeAtVus === null
          ? f.kneeVus === null
            ? `no level judged on ${budgetText(o)}${unsettled}`
            : `held ${budgetText(o)} up to ${kneeText}${unsettled}`
          : `broke ${budgetText(o)} at ${num(f.brokeAtVus)} VUs (knee ${kneeText})${unsettled}`;
      const policy = botKnob(o.result, 'telegram.webhookOnTimeout');
      v.sentences.push(
        `${o.label}: ${knee}; p95 reply ${ms(f.replyP95Ms)}; ${num(f.lost)} lost, ${counted(f.duplicates, 'duplicate reply', 'duplicate replies')}, ` +
          `${counted(f.redeliveries, 'webhook redelivery', 'webhook redeliveries')}${o.killed ? `, one instance killed mid-run (onTimeout ${typeof policy === 'string' ? policy : 'n/a'})` : ''}.`,
      );
    }
    const rank = (o: UsableOutcome): [number, number, number] => {
      const f = figures(o);
      return [kneeOf(o).heldEveryLevel ? 0 : 1, -(f.kneeVus ?? -1), f.replyP95Ms ?? Number.POSITIVE_INFINITY];
    };
    const clean = usable
      .filter((o) => !o.killed && o.result.correctness.duplicateReplies === 0)
      .sort((a, b) => {
        const [x, y] = [rank(a), rank(b)];
        return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
      });
    const killText =
      killed.length === 0
        ? 'no variant with a killed instance completed, so lost/duplicate updates under a crash are not measured'
        : killed
            .map((o) => {
              const f = figures(o);
              return `${o.label}: ${num(f.lost)} lost, ${num(f.duplicates)} duplicated`;
            })
            .join('; ');
    const winner = clean[0];
    if (winner === undefined) {
      return {
        ...v,
        status: 'answered',
        answer: 'No transport qualified: every variant without a kill duplicated replies.',
        recommendation:
          'Do not switch on these figures: every transport without a crash duplicated replies; fix that first.',
        figure: killText,
        changesIf: 'A transport qualifies once it duplicates nothing without a crash.',
      };
    }
    const w = figures(winner);
    const runnerUp = clean[1];
    const held = kneeOf(winner).heldEveryLevel;
    // The current configuration is the baseline of the switch whether or not it could win: a polling x1
    // that duplicated a reply under overload is still what runs today.
    const polling = usable.find(isPollingX1);
    const switchText = polling === undefined ? null : whenToSwitch(polling, winner);
    const when = switchText === null ? '' : ` ${switchText}`;
    return {
      ...v,
      status: 'answered',
      answer: held
        ? `${winner.label}: held ${budgetText(winner)} at every level up to ${num(peakVus(winner))} VUs, p95 reply ${ms(w.replyP95Ms)}.${when}`
        : w.kneeVus === null && w.brokeAtVus === null
          ? `${winner.label}: no level could be judged (${notSteadyText(kneeOf(winner))}); p95 reply ${ms(w.replyP95Ms)}.${when}`
          : w.kneeVus === null
            ? `${winner.label}: even it broke ${budgetText(winner)} ${brokeWithoutKneeText(winner)}; it ranks first on p95 reply, ${ms(w.replyP95Ms)}.${when}`
            : `${winner.label}: the highest knee, ${num(w.kneeVus)} VUs (${w.brokeAtVus === null ? 'not steady above it' : `broke at ${num(w.brokeAtVus)}`}), p95 reply ${ms(w.replyP95Ms)}.${when}`,
      figure: `knee ${kneeFigure(winner)}${runnerUp === undefined ? '' : ` vs ${runnerUp.label} ${kneeFigure(runnerUp)}`}; with a crash: ${killText}`,
      changesIf: held
        ? `Untested above ${num(peakVus(winner))} VUs: the pick may change at higher load, where ${winner.label}'s own knee lies.`
        : w.kneeVus === null
          ? `No variant held the budget at a judged level, so the pick rests on p95 reply alone; a run with lower first levels (or a faster machine) would rank them on their knees.`
          : `Below ${num(w.brokeAtVus ?? w.kneeVus)} VUs every variant that held the budget is equivalent on latency; the pick matters only above ${num(w.kneeVus)} VUs.`,
      recommendation:
        switchText ??
        (held
          ? `Use ${winner.label}: it held the budget at every level up to ${num(peakVus(winner))} VUs.`
          : w.kneeVus === null
            ? `Do not size on these figures: no transport held the budget at a judged level; ${winner.label} was only the fastest.`
            : `Use ${winner.label}: it held the budget to the highest load, ${num(w.kneeVus)} VUs.`),
      winner: winner.label,
    };
  },
};
