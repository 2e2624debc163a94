import { totalInputTokens } from '../../../contracts/token-usage.ts';
import { DAY_MODEL_DEFAULTS } from '../../../scenarios/day-model.ts';
import { percentileOf } from '../../analysis/histogram.ts';
import { projectToTarget } from '../../analysis/projection.ts';
import { computeCost } from '../../cost/compute.ts';
import { priceUsage } from '../../cost/price.ts';
import { profileFromRun } from '../../cost/profile.ts';
import { defaultPricing, resolveModelPrice } from '../../data/pricing.ts';
import { formatNumber, formatShare, formatUsd } from '../../render/format.ts';
import { botKnob, isUsable, ms, noData, num, type UsableOutcome, verdictSkeleton } from '../figures.ts';
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
  'question costs nothing and makes a variant that did less read cheaper. Per question (every variant): Claude ' +
  "calls, input and output tokens and dollars of the question route (the bot's own counters) over the question " +
  'updates injected, priced with the big model when routing is off; answer latency p50/p95 of question replies; ' +
  "and the Claude concurrency the bot needs at 10K DAU (500 concurrent users): reports/analysis's projection, " +
  'the smallest slot count with Erlang C P(wait) < 5% at the peak rate of question calls, whose service time is ' +
  "the run's mean Claude call time (Little's law on the bulkhead in-flight series). The knowledge variants (MCP " +
  'direct lookup, tool loop, tool loop with prompt caching) are compared on these figures against the direct lookup.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'monthUsd', label: `Claude $/month at ${DAU_SHORT} DAU`, unit: 'USD' },
  { key: 'userDayUsd', label: '$/user/day', unit: 'USD' },
  { key: 'savedShare', label: 'saved vs baseline', unit: 'share' },
  { key: 'smallModelShare', label: 'routed to the small model', unit: 'share' },
  { key: 'questionP95Ms', label: 'p95 answer latency', unit: 'ms' },
  { key: 'calls', label: 'Claude calls', unit: 'calls' },
  { key: 'callsPerQuestion', label: 'Claude calls per question', unit: 'calls' },
  { key: 'tokensPerQuestion', label: 'tokens per question (in + out)', unit: 'tokens' },
  { key: 'usdPerQuestion', label: '$ per question', unit: 'USD' },
  { key: 'claudeSlots10k', label: 'Claude slots needed at 10K DAU', unit: 'slots' },
];

const QUESTION_ROUTE = 'question';
/** Labels of the knowledge variants (scenarios/matrices/llm-cost.ts), by what the verdict compares them on. */
const KNOWLEDGE_PREFIX = 'knowledge: ';
const DIRECT_LOOKUP = 'knowledge: direct lookup';

/** Per-question figures of one variant; nulls where the run lacks what one needs. */
export interface QuestionFigures {
  questions: number;
  callsPerQuestion: number | null;
  inputTokensPerQuestion: number | null;
  outputTokensPerQuestion: number | null;
  usdPerQuestion: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  claudeSlots10k: number | null;
}

/**
 * Calls, tokens, dollars and latency per question, and the Claude slots the question load needs at 10K DAU.
 *
 * @example
 * questionFigures(outcome).callsPerQuestion // 2.4 for a tool loop
 */
export function questionFigures(o: UsableOutcome): QuestionFigures {
  const r = o.result;
  const questions = r.load.updatesByAction.question ?? 0;
  const usage = r.claude.byRoute[QUESTION_ROUTE];
  const per = (value: number | undefined) => (usage === undefined || questions === 0 ? null : (value ?? 0) / questions);
  const routing = botKnob(r, 'cost.routing') === true;
  const model = botKnob(r, 'claude.complexModel');
  const price = typeof model === 'string' ? resolveModelPrice(defaultPricing(), model).price : undefined;
  const usd = usage === undefined || routing || price === undefined ? null : priceUsage(usage, price).totalUsd;
  const latency = r.latency.byAction.question;
  const slots = projectToTarget(r).figures.find((f) => f.name === 'claude_concurrency_for_target_wait');
  return {
    questions,
    callsPerQuestion: per(usage?.calls),
    inputTokensPerQuestion: per(usage === undefined ? undefined : totalInputTokens(usage)),
    outputTokensPerQuestion: per(usage?.outputTokens),
    usdPerQuestion: usd === null || questions === 0 ? null : usd / questions,
    p50Ms: latency === undefined ? null : percentileOf(latency, 50),
    p95Ms: latency === undefined ? null : percentileOf(latency, 95),
    claudeSlots10k: slots?.value ?? null,
  };
}

function questionSentence(label: string, q: QuestionFigures, direct: QuestionFigures | null): string {
  const times = (a: number | null, b: number | null | undefined) =>
    a === null || b === null || b === undefined || b === 0 ? '' : ` (x${formatNumber(a / b, 2)} the direct lookup)`;
  return (
    `${label}: ${num(q.callsPerQuestion)} Claude calls${times(q.callsPerQuestion, direct?.callsPerQuestion)}, ` +
    `${num(q.inputTokensPerQuestion)} input + ${num(q.outputTokensPerQuestion)} output tokens, ` +
    `${formatUsd(q.usdPerQuestion)}${times(q.usdPerQuestion, direct?.usdPerQuestion)} per question; ` +
    `answer p50 ${ms(q.p50Ms)} / p95 ${ms(q.p95Ms)}; at 10K DAU the questions need ${num(q.claudeSlots10k)} ` +
    `Claude slots for P(wait) < 5%${times(q.claudeSlots10k, direct?.claudeSlots10k)}.`
  );
}

const COST_KNOBS = ['routing', 'digestCache', 'promptCaching', 'batchDigests'] as const;

/** The baseline: every cost control off, and no knowledge server (the knowledge variants keep the controls off too). */
function isBaseline(o: UsableOutcome): boolean {
  return !o.label.startsWith(KNOWLEDGE_PREFIX) && COST_KNOBS.every((k) => botKnob(o.result, `cost.${k}`) !== true);
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
  decidingFigure: { column: 'monthUsd', better: 'lower' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const usable = outcomes.filter(isUsable);
    const baseline = usable.find(isBaseline) ?? null;
    const baselineMonth = baseline === null ? null : monthAndDay(baseline).monthUsd;
    const figures = (o: UsableOutcome): Record<string, number | null> => {
      const { monthUsd, userDayUsd } = monthAndDay(o);
      const question = o.result.latency.byAction.question;
      const q = questionFigures(o);
      return {
        monthUsd,
        userDayUsd,
        savedShare: baselineMonth === null || baselineMonth === 0 ? null : 1 - monthUsd / baselineMonth,
        smallModelShare: smallModelShare(o),
        questionP95Ms: question === undefined ? null : percentileOf(question, 95),
        calls: o.result.claude.total.calls,
        callsPerQuestion: q.callsPerQuestion,
        tokensPerQuestion:
          q.inputTokensPerQuestion === null || q.outputTokensPerQuestion === null
            ? null
            : q.inputTokensPerQuestion + q.outputTokensPerQuestion,
        usdPerQuestion: q.usdPerQuestion,
        claudeSlots10k: q.claudeSlots10k,
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
    const knowledgeRuns = priced.filter((o) => o.label.startsWith(KNOWLEDGE_PREFIX));
    const directRun = knowledgeRuns.find((o) => o.label === DIRECT_LOOKUP);
    const direct = directRun === undefined ? null : questionFigures(directRun);
    for (const o of knowledgeRuns) {
      const q = questionFigures(o);
      v.sentences.push(questionSentence(o.label, q, o === directRun ? null : direct));
      if (direct !== null && o !== directRun && q.callsPerQuestion !== null && direct.callsPerQuestion !== null) {
        v.expectations.push({
          variant: o.label,
          text: `a tool loop makes more Claude calls per question than the direct lookup (${num(q.callsPerQuestion)} vs ${num(direct.callsPerQuestion)})`,
          met: q.callsPerQuestion > direct.callsPerQuestion,
        });
      }
    }
    const cheapest = [...priced].sort((a, b) => (figures(a).monthUsd ?? 0) - (figures(b).monthUsd ?? 0));
    const winner = cheapest[0]!;
    const w = figures(winner);
    const noRouting = cheapest.find((o) => (smallModelShare(o) ?? 0) === 0);
    const savedText =
      baseline === null
        ? 'the baseline (every control off) has no completed run, so no saving is computed'
        : winner === baseline || (w.savedShare ?? 0) <= 0
          ? 'no control saved anything against the baseline (every control off)'
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
      recommendation:
        winner === baseline || (w.savedShare ?? 1) <= 0
          ? `Keep the bot as it is: no cost control measured beat the baseline's ${formatUsd(w.monthUsd)}/month at ${DAU_SHORT} DAU.`
          : `Turn on ${winner.label}: Claude then costs ${formatUsd(w.monthUsd)}/month at ${DAU_SHORT} DAU${baseline === null || w.savedShare === null ? '' : `, ${formatShare(w.savedShare)} less than with no controls`}.`,
      winner: winner.label,
    };
  },
};
