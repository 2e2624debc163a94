/**
 * Rate-limit tier presets as data: per model class, requests, input tokens and output tokens per minute.
 * Sources: Anthropic rate-limits docs (legacy usage tiers 1-2) and the 2026 "Start" plan as given in the
 * project brief. Input tokens per minute count uncached input plus cache writes; cache reads are free of ITPM.
 */
import { z } from 'zod';
import type { ModelClass } from './models.ts';

export const classLimitsSchema = z.object({
  requestsPerMin: z.number().positive(),
  inputTokensPerMin: z.number().positive(),
  outputTokensPerMin: z.number().positive(),
});

export type ClassLimits = z.infer<typeof classLimitsSchema>;
/** Limits per model class; `undefined` = unlimited (no buckets, no rate-limit headers). */
export type TierLimits = Record<ModelClass, ClassLimits> | undefined;

const same = (limits: ClassLimits): Record<ModelClass, ClassLimits> => ({
  haiku: limits,
  sonnet: limits,
  opus: limits,
});

/**
 * Named presets; pass a name or a custom `{haiku, sonnet, opus}` table.
 *
 * @example
 * RATE_LIMIT_TIERS['tier-1']?.haiku.requestsPerMin // 50
 */
export const RATE_LIMIT_TIERS = {
  /** Legacy usage tier 1 (Haiku 4.5 50 RPM / 50K ITPM / 10K OTPM; Sonnet and Opus 4.x 50 / 30K / 8K). */
  'tier-1': {
    haiku: { requestsPerMin: 50, inputTokensPerMin: 50_000, outputTokensPerMin: 10_000 },
    sonnet: { requestsPerMin: 50, inputTokensPerMin: 30_000, outputTokensPerMin: 8_000 },
    opus: { requestsPerMin: 50, inputTokensPerMin: 30_000, outputTokensPerMin: 8_000 },
  },
  /** Legacy usage tier 2: 1,000 RPM / 450K ITPM / 90K OTPM. */
  'tier-2': same({ requestsPerMin: 1_000, inputTokensPerMin: 450_000, outputTokensPerMin: 90_000 }),
  /** 2026 "Start" plan: 1,000 RPM / 2M ITPM / 400K OTPM. */
  start: same({ requestsPerMin: 1_000, inputTokensPerMin: 2_000_000, outputTokensPerMin: 400_000 }),
  /** No limits at all (the default: benchmarks and tests that are not about rate limits). */
  unlimited: undefined,
} as const satisfies Record<string, TierLimits>;

export type TierName = keyof typeof RATE_LIMIT_TIERS;

export const tierSettingSchema = z.union([
  z.enum(Object.keys(RATE_LIMIT_TIERS) as [TierName, ...TierName[]]),
  z.object({ haiku: classLimitsSchema, sonnet: classLimitsSchema, opus: classLimitsSchema }),
]);

/** A tier name or a custom table. */
export type TierSetting = z.infer<typeof tierSettingSchema>;

/** The limits a setting stands for. */
export function resolveTier(setting: TierSetting): TierLimits {
  return typeof setting === 'string' ? RATE_LIMIT_TIERS[setting] : setting;
}
