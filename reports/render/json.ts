import { z } from 'zod';
import { thresholdOutcomeSchema, timeSeriesSchema } from '../../contracts/run-result.ts';
import { tokenUsageSchema } from '../../contracts/token-usage.ts';
import { ANALYSIS_SCHEMA_VERSION } from '../analysis/types.ts';
import { COST_REPORT_SCHEMA_VERSION } from '../cost/types.ts';
import { REPORT_SCHEMA_VERSION, type ReportDocument } from './document.ts';

/**
 * The JSON report's schema, for consumers that validate what they read (a dashboard, a later botcap).
 * The report document and the cost report are described field by field; the analysis objects are owned
 * by `reports/analysis/` and versioned there, so here they are checked by their `schemaVersion` and the
 * fields other tools key on, and otherwise passed through.
 */

// Fractional counts are legal here: usage per user-day is an average.
const usageSchema = tokenUsageSchema.extend({
  calls: z.number().min(0),
  inputTokens: z.number().min(0),
  outputTokens: z.number().min(0),
  cacheWrite5mTokens: z.number().min(0),
  cacheWrite1hTokens: z.number().min(0),
  cacheReadTokens: z.number().min(0),
});
const usdSchema = z.object({
  inputUsd: z.number(),
  cacheWrite5mUsd: z.number(),
  cacheWrite1hUsd: z.number(),
  cacheReadUsd: z.number(),
  outputUsd: z.number(),
  totalUsd: z.number(),
});

export const costReportSchema = z.object({
  schemaVersion: z.literal(COST_REPORT_SCHEMA_VERSION),
  kind: z.enum(['run', 'what-if']),
  label: z.string(),
  pricing: z.object({ source: z.string(), verifiedOn: z.string() }),
  dau: z.number(),
  daysPerMonth: z.number(),
  userDaysInPeriod: z.number(),
  periodLabel: z.string(),
  period: z.object({ usage: usageSchema, usd: usdSchema }),
  byModel: z.array(
    z.object({
      key: z.string(),
      modelId: z.string(),
      pricedAs: z.string().optional(),
      status: z.enum(['active', 'deprecated', 'retired', 'unknown']),
      batch: z.boolean(),
      usage: usageSchema,
      usd: usdSchema,
      monthUsd: z.number(),
    }),
  ),
  byRoute: z.array(
    z.object({
      route: z.string(),
      usage: usageSchema,
      periodUsd: z.number(),
      perUserDayUsd: z.number(),
      monthUsd: z.number(),
      share: z.number(),
    }),
  ),
  routeMethod: z.enum(['exact', 'blended']),
  perUserDay: z.object({ usage: usageSchema, usd: z.number() }),
  perThousandUpdatesUsd: z.number().nullable(),
  perMonth: z.object({
    llmUsd: z.number(),
    infrastructureUsd: z.number(),
    totalUsd: z.number(),
    llmShare: z.number(),
  }),
  mitigations: z.object({
    baselineModel: z.string(),
    baselineMonthUsd: z.number(),
    actualMonthUsd: z.number(),
    steps: z.array(
      z.object({
        id: z.enum(['digest-cache', 'routing', 'prompt-caching', 'batch']),
        label: z.string(),
        enabled: z.boolean().optional(),
        savedMonthUsd: z.number(),
        savedShare: z.number(),
      }),
    ),
    method: z.string(),
  }),
  infrastructure: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      category: z.string(),
      quantity: z.number(),
      per: z.string(),
      monthUsd: z.number(),
      estimate: z.boolean(),
      source: z.string(),
    }),
  ),
  assumptions: z.array(z.string()),
  warnings: z.array(z.string()),
});

const analysisObject = <T extends z.ZodRawShape>(shape: T) =>
  z.looseObject({ schemaVersion: z.literal(ANALYSIS_SCHEMA_VERSION), ...shape });

export const reportDocumentSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  kind: z.enum(['capacity', 'comparison']),
  title: z.string(),
  generatedBy: z.string(),
  verdict: z.object({ status: z.enum(['pass', 'fail', 'info']), headline: z.string(), sentences: z.array(z.string()) }),
  runs: z
    .array(
      z.object({
        label: z.string(),
        facts: z.object({
          botcapVersion: z.string(),
          startedAt: z.string(),
          seed: z.number(),
          timeScale: z.number(),
          durationRealS: z.number(),
          error: z.string().nullable(),
          gitCommit: z.string().nullable(),
          machine: z.string(),
          postgres: z.object({ runtime: z.string(), version: z.string(), maxConnections: z.number() }),
          pgbouncer: z.string().nullable(),
          bot: z.object({ kind: z.string(), instances: z.number(), transport: z.string() }),
          phases: z.array(z.object({ name: z.string(), startMs: z.number(), endMs: z.number() })),
          extraSeries: z.array(timeSeriesSchema),
        }),
        analysis: analysisObject({
          scenario: z.string(),
          variant: z.string().nullable(),
          status: z.enum(['completed', 'aborted', 'failed']),
          latency: z.looseObject({ replyFinal: z.looseObject({ count: z.number(), p95Ms: z.number().nullable() }) }),
        }),
        thresholds: z.array(thresholdOutcomeSchema),
        knee: analysisObject({ kneeLoad: z.number().nullable(), sentences: z.array(z.string()) }).nullable(),
        usl: analysisObject({ sigma: z.number(), kappa: z.number(), lambda: z.number() }).nullable(),
        sizing: analysisObject({ sentences: z.array(z.string()) }).nullable(),
        projection: analysisObject({ sentences: z.array(z.string()) }).nullable(),
        cost: costReportSchema.nullable(),
        notes: z.array(z.string()),
      }),
    )
    .min(1),
  comparison: analysisObject({ winner: z.string().nullable(), verdicts: z.array(z.string()) }).nullable(),
});

/**
 * The report as JSON: the analysis itself, with `schemaVersion` (REPORT_SCHEMA_VERSION) at the top.
 *
 * @example
 * reportDocumentSchema.parse(JSON.parse(renderJson(doc))).kind // 'capacity'
 */
export function renderJson(doc: ReportDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
