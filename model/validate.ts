import type { RunResult } from '../contracts/run-result.ts';
import { percentileOf } from '../reports/analysis/histogram.ts';
import { budgetFromScenario, DEFAULT_LATENCY_BUDGET, findKneeInRamp } from '../reports/analysis/knee.ts';
import type { LatencyBudget } from '../reports/analysis/types.ts';
import { escapeMarkdownText } from '../reports/render/escape.ts';
import { mdTable } from '../reports/render/markdown.ts';
import type { ServiceDemands } from './demands.ts';
import { DEMAND_CLASSES } from './intervals.ts';
import { predictRun } from './predict.ts';

/** The issue's goals: knee within 15%, p95 within 25% at every measured level. */
export const VALIDATION_GOALS = { kneeRelativeError: 0.15, p95RelativeError: 0.25 } as const;

/**
 * Simulations pooled into each prediction: one simulated sample of a level with a few dozen replies has a p95
 * as noisy as the measurement's, and a prediction should be the model's figure, not one draw of it.
 */
export const PREDICTION_REPLICATIONS = 5;

/** One figure predicted and measured. */
export interface Comparison {
  what: string;
  predicted: number | null;
  measured: number | null;
  /** predicted / measured - 1; null when either is missing or measured is 0. */
  error: number | null;
  goal: number | null;
  met: boolean | null;
}

/** How one run the model was not fitted on compares with its prediction. */
export interface RunValidation {
  label: string;
  /** 'fit' = in-sample (the demands came from it), 'predict' = out of sample. */
  role: 'fit' | 'predict';
  kind: 'knee' | 'burst';
  comparisons: Comparison[];
}

function compare(what: string, predicted: number | null, measured: number | null, goal: number | null): Comparison {
  const error = predicted !== null && measured !== null && measured !== 0 ? predicted / measured - 1 : null;
  return {
    what,
    predicted,
    measured,
    error,
    goal,
    met: goal === null || error === null ? null : Math.abs(error) <= goal,
  };
}

/**
 * Predicts `run` with `demands` and compares: for a staircase, the knee (the scenario's budget, by the same
 * rule as every report) and the budget's percentile at every level; for a burst, digest lateness p50/p95 and
 * digests delivered.
 *
 * @example
 * validateRun(demands, webhookX3, 'predict').comparisons[0] // { what: 'knee', predicted: 300, measured: 400, ... }
 */
export function validateRun(demands: ServiceDemands, run: RunResult, role: RunValidation['role']): RunValidation {
  const { result: predicted } = predictRun(demands, run, { replications: PREDICTION_REPLICATIONS });
  const label = run.variant ?? run.scenario.name;
  const staircase =
    run.phases.filter((p) => p.targetVus !== undefined).length >= 3 && run.correctness.digests.expected === 0;
  if (staircase) {
    const budget: LatencyBudget =
      budgetFromScenario(run, 'reply_first_latency') ?? budgetFromScenario(run) ?? DEFAULT_LATENCY_BUDGET;
    const m = findKneeInRamp(run, { budget });
    const p = findKneeInRamp(predicted, { budget });
    const name = `p${budget.percentile} ${budget.metric === 'reply_first_latency' ? 'first output' : 'reply'}`;
    const comparisons = [compare('knee (VUs)', p.kneeLoad, m.kneeLoad, VALIDATION_GOALS.kneeRelativeError)];
    for (const level of m.levels) {
      const twin = p.levels.find((l) => l.load === level.load);
      comparisons.push(
        compare(
          `${name} at ${level.load} VUs (ms)`,
          twin?.latencyMs ?? null,
          level.latencyMs,
          VALIDATION_GOALS.p95RelativeError,
        ),
      );
    }
    return { label, role, kind: 'knee', comparisons };
  }
  const lateness = (r: RunResult, q: number) => percentileOf(r.correctness.digests.lateness, q);
  return {
    label,
    role,
    kind: 'burst',
    comparisons: [
      compare('digest lateness p50 (ms)', lateness(predicted, 50), lateness(run, 50), null),
      compare(
        'digest lateness p95 (ms)',
        lateness(predicted, 95),
        lateness(run, 95),
        VALIDATION_GOALS.p95RelativeError,
      ),
      compare('digests delivered', predicted.correctness.digests.delivered, run.correctness.digests.delivered, null),
      compare(
        'reply p95 (ms)',
        percentileOf(predicted.latency.replyFinal, 95),
        percentileOf(run.latency.replyFinal, 95),
        VALIDATION_GOALS.p95RelativeError,
      ),
    ],
  };
}

export interface ValidationReport {
  demands: ServiceDemands;
  runs: RunValidation[];
  /**
   * How the runs were made (the command, the machine), for the doc's header: Markdown written by the caller
   * (the command in backticks), so it is not escaped.
   */
  provenance: string[];
  /** True while the figures come from a machine that was not quiet: the doc says they await regeneration. */
  provisional: boolean;
}

function cell(value: number | null): string {
  if (value === null) return '—';
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100);
}

function pct(error: number | null): string {
  return error === null ? '—' : `${error >= 0 ? '+' : ''}${Math.round(error * 100)}%`;
}

/**
 * docs/findings/model-validation.md: the demands fitted, then each run predicted vs measured with the error,
 * the goals, and where the model misses. Generated; nobody edits its figures by hand.
 *
 * @example
 * writeFileSync('docs/findings/model-validation.md', renderValidationMarkdown(report));
 */
export function renderValidationMarkdown(report: ValidationReport): string {
  const d = report.demands;
  const lines: string[] = ['# Model validation: predicted vs measured', ''];
  if (report.provisional) {
    lines.push(
      '> **Figures pending regeneration.** These figures come from a machine shared with other work; the',
      '> coordinator regenerates them on a quiet machine once runs carry a fidelity verdict. Read the method, not',
      '> the numbers.',
      '',
    );
  }
  lines.push(...report.provenance.map((p) => `${p}  `), '');
  lines.push(
    '## Method',
    '',
    'Service demands are fitted on the runs marked *fit* by the utilization law (per-interval regression of each',
    "resource's utilisation on the class throughputs, `model/demands.ts`); every other run is predicted by",
    'the discrete-event model (`model/simulate.ts`) on the same lab host (its cores, its time scale) and',
    'analysed by the same rules as a measurement (the knee of `reports/analysis/knee.ts`, digest lateness',
    `percentiles). A level's latency is the percentile over the replies to every update sent in it, measured`,
    `and predicted alike; a prediction pools ${PREDICTION_REPLICATIONS} seeded simulations, so it is the model's percentile`,
    `rather than one simulated draw. A measured level of a few dozen replies has a p95 with sampling error of`,
    `its own, which the error column includes. Goals: knee within ${VALIDATION_GOALS.kneeRelativeError * 100}%, p95 within ${VALIDATION_GOALS.p95RelativeError * 100}% at every measured level. Runs whose`,
    '`fidelity.status` is not `ok` are left out of the fit.',
    '',
    '## Demands fitted',
    '',
    ...d.sentences.map((s) => `- ${escapeMarkdownText(s)}`),
    ...d.crossChecks.map((s) => `- ${escapeMarkdownText(s)}`),
    '',
    mdTable({
      headers: [
        'class',
        'bot CPU (ms)',
        'Postgres CPU (ms)',
        'connection held (ms)',
        'Claude slot (s)',
        'Bot API calls',
        'generator CPU (ms)',
      ],
      rows: DEMAND_CLASSES.map((c) => {
        const x = d.classes[c];
        const u = d.uncertainty[c];
        const ms = (v: number, se?: number) => `${cell(v * 1000)}${se === undefined ? '' : ` ± ${cell(se * 1000)}`}`;
        return [
          c,
          ms(x.botCpuS, u.botCpuS),
          ms(x.postgresCpuS, u.postgresCpuS),
          ms(x.dbHoldS, u.dbHoldS),
          `${cell(x.claudeSlotS)}${u.claudeSlotS === undefined ? '' : ` ± ${cell(u.claudeSlotS)}`}`,
          cell(x.telegramCalls),
          ms(x.loadgenCpuS, u.loadgenCpuS),
        ];
      }),
      numeric: [1, 2, 3, 4, 5, 6],
    }),
    '',
  );
  for (const run of report.runs) {
    lines.push(
      `## ${escapeMarkdownText(run.label)} (${run.role === 'fit' ? 'fitted on: in-sample' : 'predicted: not fitted on'})`,
      '',
    );
    lines.push(
      mdTable({
        headers: ['figure', 'predicted', 'measured', 'error', 'goal'],
        rows: run.comparisons.map((c) => [
          c.what,
          cell(c.predicted),
          cell(c.measured),
          pct(c.error),
          c.goal === null
            ? '—'
            : `${c.met === null ? 'no data' : c.met ? 'met' : 'MISSED'} (±${Math.round(c.goal * 100)}%)`,
        ]),
        numeric: [1, 2, 3],
      }),
      '',
    );
  }
  const predicted = report.runs.filter((r) => r.role === 'predict').flatMap((r) => r.comparisons);
  const missed = predicted.filter((c) => c.met === false);
  lines.push(
    '## Where the model misses',
    '',
    missed.length === 0
      ? 'Every out-of-sample figure with a goal met it.'
      : `${missed.length} of ${predicted.filter((c) => c.met !== null).length} out-of-sample figures missed their goal: ${missed.map((c) => `${c.what} (${pct(c.error)})`).join('; ')}.`,
    '',
    'What the model leaves out, and so where to look first when it misses: per-chat ordering of webhook',
    "deliveries and Telegram's redelivery after a handler timeout (`throw`), GC pauses and the lab processes'",
    'CPU beyond the fitted per-update demands (event-loop lag grows non-linearly near saturation), the fake',
    "Claude's own CPU (inside the generator's), and pooled demands when the fit runs' mix did not vary enough to",
    'separate classes (then a run at another mix is predicted with the average update).',
    '',
  );
  return `${lines.join('\n')}\n`;
}
