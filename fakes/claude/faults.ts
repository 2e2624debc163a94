/**
 * Fault injection as a schedule of windows on the scaled run clock, changeable at run time. In a window,
 * each call fails with probability `rate` in the window's way. The first matching window decides.
 */
import { z } from 'zod';
import type { Rng } from './random.ts';

export const FAULT_KINDS = [
  /** 429 rate_limit_error with `retry-after`. */
  '429',
  /** 500 api_error. */
  '500',
  /** 529 overloaded_error. */
  '529',
  /** 504 timeout_error. */
  '504',
  /** HTTP 200, some deltas, then `event: error` overloaded_error (a non-streaming call gets a 529 instead). */
  'mid_stream_error',
  /** HTTP 200 and part of the body, then the socket closes without `message_stop`. */
  'early_close',
  /** No answer at all until the client gives up or the server closes. */
  'never_answer',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultWindowSchema = z
  .object({
    fromMs: z.number().min(0, 'fromMs is simulated ms since the fake started; use 0 for "from the start"'),
    toMs: z.number().positive('toMs must be after fromMs; use a large number for "until the end"'),
    rate: z.number().min(0).max(1, 'rate is a probability: use a number from 0 to 1'),
    kind: z.enum(FAULT_KINDS, { message: `kind must be one of ${FAULT_KINDS.join(', ')}` }),
    /** `retry-after` in simulated ms for the HTTP error kinds; default 1000 for 429, none for the others. */
    retryAfterMs: z.number().min(0).optional(),
    /** Only calls to these models (dated id or alias) are affected; default all. */
    models: z.array(z.string()).optional(),
  })
  .refine((w) => w.toMs > w.fromMs, { message: 'toMs must be greater than fromMs', path: ['toMs'] });

export const faultScheduleSchema = z.object({ windows: z.array(faultWindowSchema) });

/** A fault schedule: `{ windows: [{ fromMs: 0, toMs: 60_000, rate: 0.2, kind: '529' }] }`. */
export type FaultSchedule = z.infer<typeof faultScheduleSchema>;
export type FaultWindow = z.infer<typeof faultWindowSchema>;

export const NO_FAULTS: FaultSchedule = { windows: [] };
export const DEFAULT_FAULT_RETRY_AFTER_MS = 1000;

/**
 * Picks the fault for one call, if any.
 *
 * @example
 * pickFault({ windows: [{ fromMs: 0, toMs: 1e9, rate: 1, kind: '529' }] }, 10, ['claude-haiku-4-5'], Math.random)
 */
export function pickFault(
  schedule: FaultSchedule,
  runMs: number,
  /** The model as requested and as resolved (alias and dated id): a window may name either. */
  modelIds: readonly string[],
  rng: Rng,
): FaultWindow | undefined {
  for (const window of schedule.windows) {
    if (runMs < window.fromMs || runMs >= window.toMs) continue;
    const only = window.models;
    if (only && !modelIds.some((id) => only.includes(id))) continue;
    return rng() < window.rate ? window : undefined;
  }
  return undefined;
}
