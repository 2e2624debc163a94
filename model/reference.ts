import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../common/errors.ts';
import { formatZodIssues } from '../common/validation.ts';
import type { ClassDemand, ServiceDemands } from './demands.ts';
import { DEMAND_CLASSES, type DemandClass } from './intervals.ts';

/**
 * The built-in reference demands: the reference bot's service demands as `bench/model-validation.ts` fitted
 * them on real runs, shipped so `botcap plan` answers without a result. Data, with its provenance; a run
 * of your own bot (`botcap plan --result`) replaces it.
 */

const perCall = z.object({ input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number() });
const classDemandSchema = z.object({
  botCpuS: z.number().min(0),
  postgresCpuS: z.number().min(0),
  dbHoldS: z.number().min(0),
  telegramCalls: z.number().min(0),
  claudeCalls: z.number().min(0),
  claudeSlotS: z.number().min(0),
  tokensPerCall: perCall,
  smallModelShare: z.number().min(0).max(1),
  loadgenCpuS: z.number().min(0),
});

export const referenceDemandsSchema = z.object({
  schemaVersion: z.literal(1),
  /** How the figures were made: command, commit, machine. */
  provenance: z.string(),
  /** True until regenerated on a quiet machine from runs with fidelity ok. */
  provisional: z.boolean(),
  claudeCallS: z.number().nullable(),
  classes: z.object(
    Object.fromEntries(DEMAND_CLASSES.map((c) => [c, classDemandSchema])) as Record<
      DemandClass,
      typeof classDemandSchema
    >,
  ),
});
export type ReferenceDemands = z.infer<typeof referenceDemandsSchema>;

export const REFERENCE_DEMANDS_PATH = new URL('./reference-demands.json', import.meta.url);

/**
 * The shipped reference demands as ServiceDemands (every figure's method `reference`).
 *
 * @example
 * referenceDemands().classes.question.claudeCalls // 1
 */
export function referenceDemands(): ServiceDemands {
  const raw: unknown = JSON.parse(readFileSync(REFERENCE_DEMANDS_PATH, 'utf8'));
  const parsed = referenceDemandsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `${REFERENCE_DEMANDS_PATH.pathname} is not valid reference demands:\n  ${formatZodIssues(parsed.error, raw).join('\n  ')}\n` +
        'Regenerate it with `npx tsx bench/model-validation.ts --reference model/reference-demands.json`.',
    );
  }
  const file = parsed.data;
  const keys = Object.keys(classDemandSchema.shape) as (keyof ClassDemand)[];
  const perClass = <T>(make: (c: DemandClass) => T) =>
    Object.fromEntries(DEMAND_CLASSES.map((c) => [c, make(c)])) as Record<DemandClass, T>;
  return {
    classes: perClass((c) => structuredClone(file.classes[c])),
    uncertainty: perClass(() => ({})),
    methods: perClass(() => Object.fromEntries(keys.map((k) => [k, 'reference' as const]))),
    claudeCallS: file.claudeCallS,
    runs: [],
    excluded: [],
    fits: [],
    crossChecks: [],
    sentences: [
      `Built-in reference demands of the reference bot (${file.provenance})${file.provisional ? '; provisional: measured on a shared machine, pending regeneration' : ''}.`,
    ],
  };
}

/** The JSON written for fitted demands, to ship as the reference. */
export function referenceDemandsFile(
  demands: ServiceDemands,
  provenance: string,
  provisional = true,
): ReferenceDemands {
  return { schemaVersion: 1, provenance, provisional, claudeCallS: demands.claudeCallS, classes: demands.classes };
}
