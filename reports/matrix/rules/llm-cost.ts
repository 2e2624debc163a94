import { DAY_MODEL_DEFAULTS } from '../../../scenarios/day-model.ts';
import { percentileOf } from '../../analysis/histogram.ts';
import { computeCost } from '../../cost/compute.ts';
import { profileFromRun } from '../../cost/profile.ts';
import { formatShare, formatUsd } from '../../render/format.ts';
import { botKnob, isUsable, ms, noData, type UsableOutcome, verdictSkeleton } from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

const DAU = DAY_MODEL_DEFAULTS.dailyActiveUsers;
const DAU_SHORT = DAU >= 1000 && DAU % 1000 === 0 ? `${DAU / 1000}K` : DAU.toLocaleString('en-US');

export const LLM_COST_RULE =
  `$/month at ${DAU_SHORT} DAU and $/user/day per variant from reports/cost (the run's measured tokens per update, ` +
  `priced, times the day model's ${DAY_MODEL_DEFAULTS.updatesPerUserPerDay} updates per user per day, scaled to ` +
  `${DAU.toLocaleString('en-US')} DAU x ${DAY_MODEL_DEFAULTS.daysPerMonth} days); the ` +
  'cheapest variant wins; savings are against the baseline (the variant with every cost control off). ' +
  'Quality proxy = share of Claude calls routed to the small model (higher = more answers from the cheaper ' +
  'model); answer latency = p95 of question replies. Costs compare only across variants that did the same ' +
  'work: each is checked for every digest due sent and every update answered, since an unsent digest or a lost ' +
  'question costs nothing and makes a variant that did less read cheaper.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'monthUsd', label: `Claude $/month at ${DAU_SHORT} DAU`, unit: 'USD' },
  { key: 'userDayUsd', label: '$/user/day', unit: 'USD' },
  { key: 'savedShare', label: 'saved vs baseline', unit: 'share' },
  { key: 'smallModelShare', label: 'routed to the small model', unit: 'share' },
  { key: 'questionP95Ms', label: 'p95 answer latency', unit: 'ms' },
  { key: 'calls', label: 'Claude calls', unit: 'calls' },
];

const COST_KNOBS = ['routing', 'digestCache', 'promptCaching', 'batchDigests'] as const;

function isBaseline(o: UsableOutcome): boolean {
  return COST_KNOBS.every((k) => botKnob(o.result, `cost.${k}`) !== true);
}

function smallModelShare(o: UsableOutcome): number | null {
  const total = o.result.claude.total.calls;
  if (total === 0) return null;
  const small = botKnob(o.result, 'claude.simpleModel');
  const isSmall = (key: string) => {
    const model = key.replace(/^batch:/, '');
    return typeof small === 'string' ? model === small || small.startsWith(model) : /haiku/i.test(model);
  };
  const calls = Object.entries(o.result.claude.byModel)
    .filter(([key]) => isSmall(key))
    .reduce((sum, [, usage]) => sum + usage.calls, 0);
  return calls / total;
}

function monthAndDay(o: UsableOutcome): { monthUsd: number; userDayUsd: number } {
  const cost = computeCost(profileFromRun(o.result), { dau: DAU });
  return { monthUsd: cost.perMonth.llmUsd, userDayUsd: cost.perUserDay.usd };
}

/**
 * The llm-cost verdict: the cheapest configuration, its saving and what it routes to the small model.
 *
 * @example
 * llmCostRule.decide(outcomes, question).answer
 * // 'all combined: $1,210/month at 10K DAU ($0.00403/user/day), 68% less than the baseline's $3,780 ...'
 */
export const llmCostRule: VerdictRule = {
  rule: LLM_COST_RULE,
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const usable = outcomes.filter(isUsable);
    const baseline = usable.find(isBaseline) ?? null;
    const baselineMonth = baseline === null ? null : monthAndDay(baseline).monthUsd;
    const figures = (o: UsableOutcome): Record<string, number | null> => {
      const { monthUsd, userDayUsd } = monthAndDay(o);
      const question = o.result.latency.byAction.question;
      return {
        monthUsd,
        userDayUsd,
        savedShare: baselineMonth === null || baselineMonth === 0 ? null : 1 - monthUsd / baselineMonth,
        smallModelShare: smallModelShare(o),
        questionP95Ms: question === undefined ? null : percentileOf(question, 95),
        calls: o.result.claude.total.calls,
      };
    };
    const v = verdictSkeleton('llm-cost', question, LLM_COST_RULE, outcomes, COLUMNS, figures);
    const priced = usable.filter((o) => o.result.claude.total.calls > 0);
    if (priced.length === 0) return noData(v, 'no variant completed with Claude calls to price');
    for (const o of priced) {
      const f = figures(o);
      v.sentences.push(
        `${o.label}: ${formatUsd(f.monthUsd)}/month at ${DAU_SHORT} DAU, ${formatUsd(f.userDayUsd)}/user/day` +
          `${f.savedShare === null || o === baseline ? '' : `, ${formatShare(f.savedShare)} vs baseline`}; ` +
          `${formatShare(f.smallModelShare)} of calls to the small model; p95 answer ${ms(f.questionP95Ms)}.`,
      );
    }
    for (const o of priced) {
      const { missing } = o.result.correctness.digests;
      const lost = o.result.correctness.lostUpdates;
      v.expectations.push({
        variant: o.label,
        text: `did the whole load: every digest due sent and every update answered (here ${missing} unsent, ${lost} lost)`,
        met: missing === 0 && lost === 0,
      });
    }
    const cheapest = [...priced].sort((a, b) => (figures(a).monthUsd ?? 0) - (figures(b).monthUsd ?? 0));
    const winner = cheapest[0]!;
    const w = figures(winner);
    const noRouting = cheapest.find((o) => (smallModelShare(o) ?? 0) === 0);
    const savedText =
      baseline === null
        ? 'the baseline (every control off) has no completed run, so no saving is computed'
        : `${formatShare(w.savedShare)} less than the baseline's ${formatUsd(baselineMonth)}`;
    return {
      ...v,
      status: 'answered',
      answer: `${winner.label} is the cheapest: ${formatUsd(w.monthUsd)}/month at ${DAU_SHORT} DAU (${formatUsd(w.userDayUsd)}/user/day), ${savedText}.`,
      figure: `${baselineMonth === null ? 'baseline not measured' : `${formatUsd(baselineMonth)}/month with no controls`}, ${formatUsd(w.monthUsd)}/month with ${winner.label}; ${formatShare(w.smallModelShare)} of calls on the small model`,
      changesIf:
        (w.smallModelShare ?? 0) > 0
          ? `If answers from the small model (${formatShare(w.smallModelShare)} of calls here) are not good enough, the cheapest variant without routing is ${noRouting === undefined ? 'not measured' : `${noRouting.label} at ${formatUsd(figures(noRouting).monthUsd)}/month`}. The dollars scale with the pricing table and with usage per user.`
          : 'The dollars scale with the pricing table and with usage per user; the ranking changes only if a control stops saving (e.g. a cache with few hits).',
      winner: winner.label,
    };
  },
};
