/**
 * Seeded latency per model class: time to first token (lognormal from median and p95, plus a prefill cost
 * per uncached input token) and an output speed (uniform in a tokens/s range). Figures are simulated
 * milliseconds; the server sleeps them on the scaled clock, so they divide by the time scale.
 */
import { z } from 'zod';
import type { ModelClass } from './models.ts';
import { lognormalFromMedianP95, type Rng } from './random.ts';

export const classLatencySchema = z.object({
  ttftMedianMs: z.number().min(0),
  ttftP95Ms: z.number().min(0),
  /** Extra TTFT per uncached input token (prefill); cache reads do not pay it. */
  prefillMsPerToken: z.number().min(0),
  outputTokensPerSMin: z.number().positive(),
  outputTokensPerSMax: z.number().positive(),
});

export type ClassLatency = z.infer<typeof classLatencySchema>;
/** Per model class; `undefined` = the `zero` profile (answer at once). */
export type LatencyProfile = Record<ModelClass, ClassLatency> | undefined;

/**
 * Named profiles. `realistic` follows public benchmarks (Haiku-class TTFT ~0.6 s median / 1.5 s p95,
 * 60-110 tok/s; Sonnet-class ~1.5 s / 3.5 s, 45-70 tok/s; Opus slower still); `zero` is for benchmarks and tests.
 *
 * @example
 * LATENCY_PROFILES.realistic?.haiku.ttftMedianMs // 600
 */
export const LATENCY_PROFILES = {
  realistic: {
    haiku: {
      ttftMedianMs: 600,
      ttftP95Ms: 1500,
      prefillMsPerToken: 0.04,
      outputTokensPerSMin: 60,
      outputTokensPerSMax: 110,
    },
    sonnet: {
      ttftMedianMs: 1500,
      ttftP95Ms: 3500,
      prefillMsPerToken: 0.08,
      outputTokensPerSMin: 45,
      outputTokensPerSMax: 70,
    },
    opus: {
      ttftMedianMs: 2000,
      ttftP95Ms: 4500,
      prefillMsPerToken: 0.12,
      outputTokensPerSMin: 30,
      outputTokensPerSMax: 50,
    },
  },
  zero: undefined,
} as const satisfies Record<string, LatencyProfile>;

export type LatencyProfileName = keyof typeof LATENCY_PROFILES;

export const latencySettingSchema = z.union([
  z.enum(['realistic', 'zero']),
  z.object({ haiku: classLatencySchema, sonnet: classLatencySchema, opus: classLatencySchema }),
]);
export type LatencySetting = z.infer<typeof latencySettingSchema>;

export interface LatencyDraw {
  /** Simulated ms from request to the first byte of the response. */
  ttftMs: number;
  /** Simulated ms per output token after the first. */
  msPerOutputToken: number;
}

export const ZERO_LATENCY: LatencyDraw = Object.freeze({ ttftMs: 0, msPerOutputToken: 0 });

/**
 * Draws one request's latency.
 *
 * @example
 * drawLatency(LATENCY_PROFILES.realistic, 'haiku', 2000, rng) // { ttftMs: ~680, msPerOutputToken: ~12 }
 */
export function drawLatency(
  profile: LatencyProfile,
  modelClass: ModelClass,
  uncachedInputTokens: number,
  rng: Rng,
): LatencyDraw {
  if (!profile) return ZERO_LATENCY;
  const p = profile[modelClass];
  const ttftMs = lognormalFromMedianP95(rng, p.ttftMedianMs, p.ttftP95Ms) + uncachedInputTokens * p.prefillMsPerToken;
  const speed = p.outputTokensPerSMin + rng() * Math.max(0, p.outputTokensPerSMax - p.outputTokensPerSMin);
  return { ttftMs, msPerOutputToken: 1000 / speed };
}

/** The profile a setting stands for. */
export function resolveLatency(setting: LatencySetting): LatencyProfile {
  return typeof setting === 'string' ? LATENCY_PROFILES[setting] : setting;
}
