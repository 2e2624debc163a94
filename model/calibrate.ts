import { Matrix, solve } from 'ml-matrix';
import { z } from 'zod';
import { ConfigError } from '../common/errors.ts';
import { formatZodIssues } from '../common/validation.ts';
import {
  type DayModel,
  INTERACTIVE_CLASSES,
  meanThinkTimeS,
  peakHour,
  resolveDayModel,
} from '../reports/analysis/day-model.ts';
import { defaultInfrastructure, priceInfrastructure } from '../reports/data/infrastructure.ts';
import { DAY_MODEL_DEFAULTS } from '../scenarios/day-model.ts';
import { behaviourSchema, type ScenarioInput } from '../scenarios/schema.ts';
import { CONFIGURATION_DEFAULTS, type Configuration } from './configuration.ts';
import type { ServiceDemands } from './demands.ts';
import { monthlyCost } from './plan.ts';

/**
 * Production figures an architect knows. Every field optional: give what you have; the more you give,
 * the more `botcap calibrate` can check them against each other.
 */
export const productionFiguresSchema = z.object({
  dailyActiveUsers: z.number().positive().optional().describe('daily active users'),
  peakConcurrentUsers: z.number().positive().optional().describe('concurrent users at the busiest time'),
  claudeUsdPerMonth: z.number().positive().optional().describe('Claude spend per month, USD'),
  claudeShareOfCost: z.number().gt(0).max(1).optional().describe("Claude's share of the whole monthly cost (0-1)"),
  updatesPerUserPerDay: z.number().positive().optional().describe('messages and taps per user per day'),
  questionsPerUserPerDay: z.number().min(0).optional().describe('free-text questions (Claude calls) per user per day'),
  questionShare: z.number().min(0).max(1).optional().describe('share of questions among all updates (0-1)'),
  heldConcurrentUsers: z
    .number()
    .positive()
    .optional()
    .describe('concurrent users the current configuration holds before it degrades'),
});
export type ProductionFigures = z.infer<typeof productionFiguresSchema>;

/**
 * Validates production figures (from flags or a JSON file); errors name the field and the range.
 *
 * @example
 * parseProductionFigures({ dailyActiveUsers: 10_000, claudeUsdPerMonth: 5_000 })
 */
export function parseProductionFigures(input: unknown): ProductionFigures {
  const parsed = productionFiguresSchema.strict().safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`invalid production figures:\n  ${formatZodIssues(parsed.error, input).join('\n  ')}`);
}

/** The seed's own figures (issue 12): ~50 concurrent held today, 10K DAU ~ 500 concurrent, ~$5,000/month, 96%. */
export const SEED_FIGURES: ProductionFigures = {
  dailyActiveUsers: 10_000,
  peakConcurrentUsers: 500,
  claudeUsdPerMonth: 5_000,
  claudeShareOfCost: 0.96,
  heldConcurrentUsers: 50,
};

/** One figure as given, and what the calibrated model says it is. */
export interface FigureCheck {
  figure: keyof ProductionFigures | 'infrastructureUsdPerMonth';
  given: number;
  /** The calibrated model's value for it. */
  model: number;
  /** model / given - 1. */
  gap: number;
  contradicts: boolean;
  /** Why they differ, naming the figures that pull the other way. */
  explanation: string;
}

export interface Calibration {
  figures: ProductionFigures;
  /** The behaviour model consistent with the figures (least squares in log space). */
  day: DayModel;
  /** Mean think time between a reply and the next update, s. */
  meanThinkS: number;
  checks: FigureCheck[];
  /** A scenario that replays the derived behaviour: a staircase to the peak concurrency. */
  scenario: ScenarioInput;
  sentences: string[];
}

/** Options of {@link calibrate}; every field optional. */
export interface CalibrateOptions {
  /** A gap above this share flags two figures as contradicting. Default 0.25. */
  tolerance?: number;
  /** The configuration production runs (for the cost of a question and the held-users check). */
  configuration?: Configuration;
  /** The model's knee in concurrent users for the configuration under a behaviour (held-users check). */
  kneeConcurrentUsers?: (day: DayModel) => number;
}

/**
 * How firmly each default holds when figures pull on it (weights of the priors, against 1 for a figure): the
 * busiest hour's share of a consumer bot's day is well known (5-15%), so it moves least; updates per user per
 * day are the least known, so they move most.
 */
export const CALIBRATE_DEFAULTS = {
  tolerance: 0.25,
  priorWeights: { updatesPerUserPerDay: 0.05, questionShare: 0.2, peakHourShare: 1, cycleS: 0.5 },
} as const;

/** The unknowns: log of updates/user/day, question share, peak-hour share, and the user's cycle (think + reply). */
const UNKNOWNS = ['updatesPerUserPerDay', 'questionShare', 'peakHourShare', 'cycleS'] as const;

/**
 * Derives a behaviour model from production figures and says which contradict each other. The figures are
 * multiplicative relations between four unknowns - updates per user per day u, question share q, the busiest
 * hour's share p and the user's cycle W (think + reply) - so taking logs makes them linear:
 * spend fixes u q (through the price of a question and of a day's digests under the configuration's cost
 * controls, from `reports/cost`), peak concurrency fixes u p W (Little's law: N = DAU u p / 3600 x W),
 * and the direct figures fix u, q or u q. The day model's defaults enter as weak priors so an
 * under-determined set still has an answer. Weighted least squares gives the model; each figure's residual
 * is how far the model is from it - a figure off by more than the tolerance contradicts the others.
 *
 * @example
 * const c = calibrate(SEED_FIGURES, demands, { configuration: current });
 * c.checks.filter((x) => x.contradicts)
 */
export function calibrate(
  figures: ProductionFigures,
  demands: ServiceDemands,
  options: CalibrateOptions = {},
): Calibration {
  const tolerance = options.tolerance ?? CALIBRATE_DEFAULTS.tolerance;
  const dau = figures.dailyActiveUsers ?? DAY_MODEL_DEFAULTS.dailyActiveUsers;
  const defaults = resolveDayModel({ overrides: { dailyActiveUsers: dau } });
  const config = options.configuration;
  // Per-user daily Claude cost of one question a day, and of the day's digests, under the configuration.
  const costOf = (questionsPerUser: number, digests: number) =>
    monthlyCost(
      demands,
      {
        ...defaults,
        updatesPerUserPerDay: Math.max(questionsPerUser, 1e-9) / Math.max(defaults.mix.question, 1e-9),
        digestsPerUserPerDay: digests,
      },
      config ?? withControls(),
    ).perMonth.llmUsd;
  const digestUsd = costOf(0, defaults.digestsPerUserPerDay);
  const perQuestionUsd = costOf(1, defaults.digestsPerUserPerDay) - digestUsd;
  const replyS =
    demands.classes.question.claudeSlotS * defaults.mix.question +
    INTERACTIVE_CLASSES.reduce((s, c) => s + defaults.mix[c] * demands.classes[c].botCpuS, 0);
  const prior = {
    updatesPerUserPerDay: defaults.updatesPerUserPerDay,
    questionShare: defaults.mix.question,
    peakHourShare: peakHour(defaults).share,
    cycleS: meanThinkTimeS(defaults) + replyS,
  };

  // Rows: coefficients on log(u), log(q), log(p), log(W) = log(value), with a weight.
  const rows: Array<{ a: number[]; b: number; w: number; figure: FigureCheck['figure'] | null; given: number }> = [];
  const add = (a: number[], value: number, w: number, figure: FigureCheck['figure'] | null, given: number) => {
    rows.push({ a, b: Math.log(value), w, figure, given });
  };
  UNKNOWNS.forEach((name, i) => {
    add(
      UNKNOWNS.map((_, j) => (i === j ? 1 : 0)),
      prior[name],
      CALIBRATE_DEFAULTS.priorWeights[name],
      null,
      prior[name],
    );
  });
  const spendQuestions =
    figures.claudeUsdPerMonth === undefined ? undefined : (figures.claudeUsdPerMonth - digestUsd) / perQuestionUsd;
  const checks: FigureCheck[] = [];
  if (spendQuestions !== undefined && spendQuestions <= 0) {
    checks.push({
      figure: 'claudeUsdPerMonth',
      given: figures.claudeUsdPerMonth!,
      model: digestUsd,
      gap: digestUsd / figures.claudeUsdPerMonth! - 1,
      contradicts: true,
      explanation: `the day's digests alone cost $${Math.round(digestUsd).toLocaleString('en-US')}/month under this configuration, more than the spend given: no questions would be left`,
    });
  } else if (spendQuestions !== undefined) {
    add([1, 1, 0, 0], spendQuestions, 1, 'claudeUsdPerMonth', figures.claudeUsdPerMonth!);
  }
  if (figures.peakConcurrentUsers !== undefined)
    add(
      [1, 0, 1, 1],
      (3600 * figures.peakConcurrentUsers) / dau,
      1,
      'peakConcurrentUsers',
      figures.peakConcurrentUsers,
    );
  if (figures.updatesPerUserPerDay !== undefined)
    add([1, 0, 0, 0], figures.updatesPerUserPerDay, 1, 'updatesPerUserPerDay', figures.updatesPerUserPerDay);
  if (figures.questionShare !== undefined && figures.questionShare > 0)
    add([0, 1, 0, 0], figures.questionShare, 1, 'questionShare', figures.questionShare);
  if (figures.questionsPerUserPerDay !== undefined && figures.questionsPerUserPerDay > 0)
    add([1, 1, 0, 0], figures.questionsPerUserPerDay, 1, 'questionsPerUserPerDay', figures.questionsPerUserPerDay);

  const a = new Matrix(rows.map((r) => r.a.map((v) => v * Math.sqrt(r.w))));
  const b = Matrix.columnVector(rows.map((r) => r.b * Math.sqrt(r.w)));
  const x = solve(a, b, true).getColumn(0);
  const [u, q, p, w] = x.map((v) => Math.exp(v)) as [number, number, number, number];
  const question = Math.min(0.95, q);
  const meanThinkS = Math.max(1, w - replyS);

  const modelOf: Record<string, number> = {
    claudeUsdPerMonth: digestUsd + perQuestionUsd * u * question,
    peakConcurrentUsers: (dau * u * p * w) / 3600,
    updatesPerUserPerDay: u,
    questionShare: question,
    questionsPerUserPerDay: u * question,
  };
  const pulledBy = (figure: string) =>
    rows
      .filter(
        (r) =>
          r.figure !== null &&
          r.figure !== figure &&
          r.a.some((v, i) => v !== 0 && rows.find((x) => x.figure === figure)?.a[i] !== 0),
      )
      .map((r) => r.figure);
  for (const row of rows) {
    if (row.figure === null) continue;
    const model = modelOf[row.figure]!;
    const gap = model / row.given - 1;
    const others = pulledBy(row.figure);
    checks.push({
      figure: row.figure,
      given: row.given,
      model,
      gap,
      contradicts: Math.abs(gap) > tolerance,
      explanation:
        others.length > 0
          ? `held against ${others.join(', ')} (they share the unknowns it fixes)`
          : 'only the defaults pull against it',
    });
  }
  if (figures.claudeShareOfCost !== undefined && figures.claudeUsdPerMonth !== undefined) {
    const infraImplied = (figures.claudeUsdPerMonth * (1 - figures.claudeShareOfCost)) / figures.claudeShareOfCost;
    const infraEstimate = priceInfrastructure(defaultInfrastructure(), config?.instances ?? 1).reduce(
      (s, l) => s + l.monthUsd,
      0,
    );
    const gap = infraEstimate / infraImplied - 1;
    checks.push({
      figure: 'infrastructureUsdPerMonth',
      given: infraImplied,
      model: infraEstimate,
      gap,
      contradicts: Math.abs(gap) > tolerance,
      explanation: `a ${Math.round(figures.claudeShareOfCost * 100)}% Claude share of $${figures.claudeUsdPerMonth.toLocaleString('en-US')} implies $${Math.round(infraImplied)}/month of everything else; botcap's estimate (reports/data/infrastructure.json, unverified prices) for ${config?.instances ?? 1} instance(s) is $${Math.round(infraEstimate)}`,
    });
  }

  const mixBase = defaults.mix;
  const others = 1 - mixBase.question;
  const mix = Object.fromEntries(
    INTERACTIVE_CLASSES.map((c) => [c, c === 'question' ? question : (mixBase[c] / others) * (1 - question)]),
  ) as Record<(typeof INTERACTIVE_CLASSES)[number], number>;
  const weights = defaults.hourlyShares.map((s) => s);
  const day: DayModel = {
    ...defaults,
    updatesPerUserPerDay: u,
    mix,
    // The busiest hour's share as calibrated, the rest of the profile scaled to keep its shape.
    hourlyShares: reshapePeak(weights, p),
  };
  if (options.kneeConcurrentUsers !== undefined && figures.heldConcurrentUsers !== undefined) {
    const knee = options.kneeConcurrentUsers(day);
    const gap = knee / figures.heldConcurrentUsers - 1;
    checks.push({
      figure: 'heldConcurrentUsers',
      given: figures.heldConcurrentUsers,
      model: knee,
      gap,
      contradicts: Math.abs(gap) > tolerance,
      explanation:
        gap > 0
          ? 'the model holds more users than production does with this configuration: production users are heavier than the calibrated behaviour (longer answers, more questions per session) or the bot spends time the demands do not (production GC, network to Telegram and Anthropic, a slower host)'
          : 'the model saturates before production does: the demands are heavier than production (e.g. the lab host is slower) or production users think longer',
    });
  }
  const scenario = calibratedScenario(day, meanThinkS, figures.peakConcurrentUsers ?? (dau * u * p * w) / 3600, config);
  const sentences = calibrationSentences(day, meanThinkS, checks);
  return { figures, day, meanThinkS, checks, scenario, sentences };
}

/** The reference bot's configuration with every cost control on (when production's is not given). */
function withControls(): Configuration {
  return { ...CONFIGURATION_DEFAULTS, routing: true, digestCache: true, promptCaching: true, batchDigests: true };
}

/** Scales the busiest hour to `share` and the other hours so the day still sums to 1. */
function reshapePeak(shares: readonly number[], share: number): number[] {
  const peak = shares.indexOf(Math.max(...shares));
  const rest = 1 - shares[peak]!;
  const target = Math.min(0.5, Math.max(1 / 24, share));
  return shares.map((s, h) => (h === peak ? target : (s / rest) * (1 - target)));
}

/**
 * A scenario that replays the calibrated behaviour: the mix and think time, a staircase of concurrent users
 * up to the peak, the day model stated, on the configuration given.
 */
function calibratedScenario(
  day: DayModel,
  meanThinkS: number,
  peakUsers: number,
  config?: Configuration,
): ScenarioInput {
  const defaults = behaviourSchema.parse({});
  // Keep the default think time's p95/median ratio; pick the median that gives the calibrated mean.
  const ratio = defaults.thinkTime.p95 / defaults.thinkTime.median;
  const sigma = Math.log(ratio) / 1.6448536269514722;
  const medianS = meanThinkS / Math.exp((sigma * sigma) / 2);
  const top = Math.max(10, Math.round(peakUsers));
  const levels = [0.25, 0.5, 0.75, 1, 1.25].map((f) => Math.max(1, Math.round(top * f)));
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    name: 'calibrated',
    description: `replays the behaviour calibrated from production figures: ${round(day.updatesPerUserPerDay)} updates/user/day, ${Math.round(day.mix.question * 100)}% questions, ${Math.round(meanThinkS)} s mean think time; a staircase to ${levels.at(-1)} concurrent users`,
    seed: 1,
    timeScale: 5,
    start: '13:01',
    load: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: levels.flatMap((target, i) => [
        { duration: i === 0 ? '20s' : '10s', target },
        { duration: '30s', target },
      ]),
    },
    population: { size: Math.max(Math.round(day.dailyActiveUsers), top * 2), onboarded: true },
    behaviour: {
      mix: {
        navigation: round(day.mix.navigation),
        question: round(day.mix.question),
        settings: round(day.mix.settings),
        start: round(day.mix.start),
      },
      thinkTime: {
        distribution: 'lognormal',
        median: `${Math.max(1, Math.round(medianS))}s`,
        p95: `${Math.max(2, Math.round(medianS * ratio))}s`,
      },
    },
    bot: {
      transport: config?.transport ?? 'polling',
      instances: config?.instances ?? 1,
      config: config
        ? {
            database: { poolMax: config.poolMax },
            resilience: { bulkheadConcurrency: config.bulkheadConcurrency },
            scheduler: { sendConcurrency: config.scheduler.sendConcurrency },
          }
        : {},
    },
    fakes: { claude: { latency: 'realistic', tier: config?.claudeTier ?? 'start' } },
    dayModel: {
      dailyActiveUsers: day.dailyActiveUsers,
      daysPerMonth: day.daysPerMonth,
      updatesPerUserPerDay: round(day.updatesPerUserPerDay),
      digestsPerUserPerDay: day.digestsPerUserPerDay,
      hourlyProfile: day.hourlyShares.map((s) => Math.round(s * 10_000) / 100),
    },
    thresholds: { reply_latency: ['p(95)<15000'], lost_updates: ['count==0'] },
  };
}

function calibrationSentences(day: DayModel, meanThinkS: number, checks: readonly FigureCheck[]): string[] {
  const n = (x: number) =>
    Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 100) / 100);
  const sentences = [
    `Calibrated behaviour: ${n(day.updatesPerUserPerDay)} updates per user per day, ${Math.round(day.mix.question * 100)}% of them questions (${n(day.updatesPerUserPerDay * day.mix.question)} a day), ` +
      `${Math.round(peakHour(day).share * 1000) / 10}% of the day in the busiest hour, ${n(meanThinkS)} s mean think time.`,
  ];
  const contradictions = checks.filter((c) => c.contradicts);
  if (contradictions.length === 0) sentences.push('The figures agree with each other within the tolerance.');
  for (const c of contradictions) {
    sentences.push(
      `${c.figure}: you gave ${n(c.given)}, the calibrated model says ${n(c.model)} (${c.gap >= 0 ? '+' : ''}${Math.round(c.gap * 100)}%): ${c.explanation}.`,
    );
  }
  return sentences;
}
