import type { RunResult } from '../../../contracts/run-result.ts';
import type { Transport } from '../../../contracts/transport.ts';
import { baseResult, encodeHistogram } from '../../fixtures/synth.ts';
import type { VariantOutcome } from '../types.ts';

/**
 * RunResults for verdict tests, built on the fixtures' `baseResult` so they are schema-valid, with just
 * the figures a rule reads set by the caller.
 */
export interface RunInput {
  variant: string;
  instances?: number;
  transport?: Transport;
  durationSimulatedS?: number;
  /** The bot's resolved config (what the verdicts read knobs from). */
  config?: Record<string, unknown>;
  /** The scenario as run (`fakes.claude.faults`, thresholds). */
  resolved?: Record<string, unknown>;
  edit?: (result: RunResult) => void;
}

/**
 * A completed run.
 *
 * @example
 * makeRun({ variant: 'none x3', edit: (r) => { r.correctness.digests.duplicated = 412; } })
 */
export function makeRun(input: RunInput): RunResult {
  const result = baseResult({
    scenario: 'matrix-test',
    variant: input.variant,
    seed: 1,
    durationSimulatedS: input.durationSimulatedS ?? 300,
    transport: input.transport ?? 'webhook',
    instances: input.instances ?? 1,
    ...(input.resolved === undefined ? {} : { resolved: input.resolved }),
  });
  result.environment.bot.config = input.config ?? {};
  result.load.updatesInjected = 1000;
  result.latency.replyFinal = encodeHistogram(Array.from({ length: 1000 }, (_, i) => 200 + i));
  input.edit?.(result);
  return result;
}

/** Digest figures: `latenessMs` become the lateness histogram; missing/duplicated as given. */
export function withDigests(
  result: RunResult,
  d: { expected: number; missing?: number; duplicated?: number; latenessMs: readonly number[]; usersMoved?: number },
): void {
  result.correctness.digests = {
    expected: d.expected,
    delivered: d.expected - (d.missing ?? 0) + (d.duplicated ?? 0),
    missing: d.missing ?? 0,
    duplicated: d.duplicated ?? 0,
    lateness: encodeHistogram(d.latenessMs),
    usersMoved: d.usersMoved ?? 0,
  };
}

/** `count` lateness values spread evenly from `fromMs` to `toMs`. */
export function spread(count: number, fromMs: number, toMs: number): number[] {
  return Array.from({ length: count }, (_, i) => fromMs + ((toMs - fromMs) * i) / Math.max(1, count - 1));
}

/** A variant outcome from a completed run. */
export function ok(result: RunResult, killed = false): VariantOutcome {
  return { label: result.variant ?? 'variant', result, error: null, killed };
}

/** A variant that threw before producing a result. */
export function failed(label: string, error = 'bot-2 exited with code 1 before it was ready'): VariantOutcome {
  return { label, result: null, error, killed: false };
}

/**
 * One repetition of a scheduler matrix: none x3 sends all 100 digests twice; skip-locked x3 and advisory x3
 * pass, with p95 lateness rising to the given maxima (the later one loses).
 *
 * @example
 * decideMatrix('scheduler', question, schedulerRepetition(5_000, 9_000)).winner // 'skip-locked x3'
 */
export function schedulerRepetition(skipMaxMs: number, advisoryMaxMs: number): VariantOutcome[] {
  const run = (variant: string, maxMs: number, duplicated = 0) =>
    ok(
      makeRun({
        variant,
        instances: 3,
        edit: (r) => withDigests(r, { expected: 100, duplicated, latenessMs: spread(100, 1_000, maxMs) }),
      }),
    );
  return [run('none x3', 2_000, 100), run('skip-locked x3', skipMaxMs), run('advisory x3', advisoryMaxMs)];
}
