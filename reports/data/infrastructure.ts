import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import { formatZodIssues } from '../../common/validation.ts';

/**
 * What runs next to Claude, priced per month: bot instances, the database plan, the pooler and
 * monitoring. The cost report adds these lines so the total shows the LLM's share. The shipped
 * figures come from an unverified secondary source and every line says so; `--infra FILE` replaces them.
 */

const quantitySchema = z.union([
  /** A fixed quantity per month (1 plan, 182.5 CU-hours). */
  z.object({ fixed: z.number().min(0) }).strict(),
  /** Scales with the number of bot instances (vCPU or GB per instance). */
  z.object({ perBotInstance: z.number().min(0) }).strict(),
]);

export const infrastructureLineSchema = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  category: z.enum(['compute', 'database', 'cache', 'monitoring', 'other']),
  /** Price of one unit (`per`), USD. */
  priceUsd: z.number().min(0),
  /** The unit the price is for: `vCPU-month`, `GB-month`, `CU-hour`, `month`. */
  per: z.string().min(1),
  quantity: quantitySchema,
  /** True when the figure is an estimate rather than a quote; reports mark it. */
  estimate: z.boolean(),
  source: z.string().min(1, 'say where the price comes from'),
});
export type InfrastructureLine = z.infer<typeof infrastructureLineSchema>;

export const infrastructureSchema = z.object({
  schemaVersion: z.literal(1),
  currency: z.literal('USD'),
  note: z.string().default(''),
  botInstance: z.object({ vcpu: z.number().positive(), memoryGb: z.number().positive() }),
  database: z.object({
    plan: z.string(),
    computeUnits: z.number().positive(),
    /** Server `max_connections` per compute size, to compare with what a run used. */
    maxConnectionsByComputeUnits: z.array(
      z.object({ computeUnits: z.number().positive(), maxConnections: z.number().int().positive() }),
    ),
    reservedConnections: z.number().int().min(0),
    /** Client connections the plan's pooled endpoint accepts (Neon: 10,000); absent when the plan has no pooler. */
    poolerMaxClientConnections: z.number().int().positive().optional(),
    /** The free tier, if any: what a bot outgrows first. */
    freePlan: z.object({ plan: z.string(), maxConnections: z.number().int().positive() }).optional(),
  }),
  lines: z.array(infrastructureLineSchema),
  /** What the monitoring verdict prices besides the error tracker's line (reports/matrix/rules/monitoring.ts). */
  monitoring: z
    .object({
      /** The metrics stack's alerting: its price and how late an alert on a scraped counter fires. */
      metricsAlerting: z.object({
        plan: z.string(),
        monthUsd: z.number().min(0),
        scrapeIntervalS: z.number().positive(),
        alertEvaluationS: z.number().positive(),
        source: z.string().min(1),
      }),
      /** The `lines` id of the error tracker (Sentry Team), so its price is written once. */
      errorTrackerLineId: z.string(),
    })
    .optional(),
});
export type Infrastructure = z.infer<typeof infrastructureSchema>;

export const DEFAULT_INFRASTRUCTURE_PATH = new URL('./infrastructure.json', import.meta.url);

/**
 * Validates infrastructure data; errors name each bad field and the fix.
 *
 * @example
 * parseInfrastructure(JSON.parse(text), 'infra.json').lines.length
 */
export function parseInfrastructure(input: unknown, origin = 'infrastructure data'): Infrastructure {
  const parsed = infrastructureSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = formatZodIssues(parsed.error, input).map((line) => `  ${line}`);
  throw new ConfigError(
    `${origin} is not valid infrastructure data:\n${lines.join('\n')}\n` +
      `Fix those fields (each line needs priceUsd, per, quantity {fixed} or {perBotInstance}, estimate, source); ` +
      `start from ${DEFAULT_INFRASTRUCTURE_PATH.pathname}.`,
  );
}

let shipped: Infrastructure | undefined;

/** The infrastructure estimates botcap ships. */
export function defaultInfrastructure(): Infrastructure {
  shipped ??= parseInfrastructure(
    JSON.parse(readFileSync(DEFAULT_INFRASTRUCTURE_PATH, 'utf8')),
    DEFAULT_INFRASTRUCTURE_PATH.pathname,
  );
  return shipped;
}

/**
 * Reads `--infra FILE`, or the shipped estimates when no file is given.
 *
 * @example
 * const infra = await loadInfrastructure(options.infra);
 */
export async function loadInfrastructure(file?: string): Promise<Infrastructure> {
  if (file === undefined) return defaultInfrastructure();
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read infrastructure file ${file}: ${(error as Error).message}`);
  }
  return parseInfrastructure(json, `infrastructure file ${file}`);
}

/** One priced infrastructure line for a given deployment. */
export interface InfrastructureCost {
  id: string;
  label: string;
  category: InfrastructureLine['category'];
  quantity: number;
  per: string;
  monthUsd: number;
  estimate: boolean;
  source: string;
}

/**
 * Prices each line for `botInstances` instances.
 *
 * @example
 * priceInfrastructure(defaultInfrastructure(), 2).reduce((s, l) => s + l.monthUsd, 0) // ~75.35
 */
export function priceInfrastructure(infra: Infrastructure, botInstances: number): InfrastructureCost[] {
  return infra.lines.map((line) => {
    const quantity = 'fixed' in line.quantity ? line.quantity.fixed : line.quantity.perBotInstance * botInstances;
    return {
      id: line.id,
      label: line.label,
      category: line.category,
      quantity,
      per: line.per,
      monthUsd: quantity * line.priceUsd,
      estimate: line.estimate,
      source: line.source,
    };
  });
}
