/**
 * Options of the fake and their defaults, stated once: the code, the CLI's `--help` and the README read
 * `FAKE_CLAUDE_DEFAULTS`.
 */
import { z } from 'zod';
import { type Clock, createScaledClock } from '../../common/clock.ts';
import { ConfigError } from '../../common/errors.ts';
import { formatZodIssues } from '../../common/validation.ts';
import { type BatchProcessing, batchProcessingSchema } from './batches.ts';
import { type FaultSchedule, faultScheduleSchema, NO_FAULTS } from './faults.ts';
import { type LatencySetting, latencySettingSchema } from './latency.ts';
import { type OutputLength, outputLengthSchema } from './output-text.ts';
import { type ToolUseBehaviour, toolUseBehaviourSchema } from './reply-plan.ts';
import { type TierSetting, tierSettingSchema } from './tiers.ts';

export interface FakeClaudeOptions {
  /** Interface to bind. Default `127.0.0.1`; only a container needs another (`0.0.0.0` inside Docker). */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Seed for replies, latencies, fault draws and ids. Default 1. */
  seed?: number;
  /** Simulated seconds per real second, used when no `clock` is given. Default 1. */
  timeScale?: number;
  /** The run's clock (shared with the bot and the load generator). Default: a scaled clock at `timeScale`. */
  clock?: Clock;
  /** `realistic`, `zero` (answer at once) or a per-class table. Default `realistic`. */
  latency?: LatencySetting;
  /** Reply length distribution in output tokens, before the `max_tokens` cap. Default median 180, p95 600. */
  outputLength?: OutputLength;
  /**
   * Extended thinking length in output tokens, before the `budget_tokens` cap. Default median 600, p95 3,000.
   */
  thinkingLength?: OutputLength;
  /**
   * How often Claude calls a tool when offered custom tools with `tool_choice: auto`, for how many rounds per
   * turn, in parallel, and after a sentence. Default share 0.8, maxRounds 2, parallelShare 0.1, preambleShare 0.5.
   */
  toolUse?: ToolUseBehaviour;
  /** Rate-limit tier name (`tier-1`, `tier-2`, `start`, `unlimited`) or a custom table. Default `unlimited`. */
  tier?: TierSetting;
  /** Fault schedule. Default: no faults. */
  faults?: FaultSchedule;
  /** Accepted API keys; undefined accepts any non-empty key. Default undefined. */
  apiKeys?: readonly string[];
  /** Largest request body; bigger gets 413 request_too_large. Default 32 MiB (the Messages API's limit). */
  bodyLimitBytes?: number;
  /** Per-call records kept (totals count every call regardless). Default 200,000. */
  maxRecords?: number;
  /** Range a batch's processing time is drawn from, simulated ms. Default 1 min to 60 min. */
  batchProcessing?: BatchProcessing;
}

/**
 * Every default in one place.
 *
 * @example
 * startFakeClaude({ latency: FAKE_CLAUDE_DEFAULTS.latency, timeScale: 100 })
 */
export const FAKE_CLAUDE_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  seed: 1,
  timeScale: 1,
  latency: 'realistic',
  outputLength: { medianTokens: 180, p95Tokens: 600 },
  thinkingLength: { medianTokens: 600, p95Tokens: 3000 },
  toolUse: { share: 0.8, maxRounds: 2, parallelShare: 0.1, preambleShare: 0.5 },
  tier: 'unlimited',
  faults: NO_FAULTS,
  apiKeys: undefined,
  bodyLimitBytes: 32 * 1024 * 1024,
  maxRecords: 200_000,
  batchProcessing: { minMs: 60_000, maxMs: 60 * 60_000 },
} as const satisfies Omit<Required<FakeClaudeOptions>, 'clock' | 'apiKeys'> & { apiKeys: undefined };

export interface ResolvedOptions {
  host: string;
  port: number;
  seed: number;
  clock: Clock;
  latency: LatencySetting;
  outputLength: OutputLength;
  thinkingLength: OutputLength;
  toolUse: ToolUseBehaviour;
  tier: TierSetting;
  faults: FaultSchedule;
  apiKeys: readonly string[] | undefined;
  bodyLimitBytes: number;
  maxRecords: number;
  batchProcessing: BatchProcessing;
}

/** Parses a value with a schema or throws a ConfigError naming the option, the field and the fix. */
export function parseOption<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`fake Claude option ${name} is invalid: ${formatZodIssues(parsed.error, value).join('; ')}`);
}

/** Applies defaults and validates the options that come from outside (scenarios, CLI flags). */
export function resolveOptions(options: FakeClaudeOptions): ResolvedOptions {
  const d = FAKE_CLAUDE_DEFAULTS;
  return {
    host: parseOption('host', z.string().min(1), options.host ?? d.host),
    port: parseOption('port', z.number().int().min(0).max(65_535), options.port ?? d.port),
    seed: parseOption('seed', z.number().int(), options.seed ?? d.seed),
    clock: options.clock ?? createScaledClock({ timeScale: options.timeScale ?? d.timeScale }),
    latency: parseOption('latency', latencySettingSchema, options.latency ?? d.latency),
    outputLength: parseOption('outputLength', outputLengthSchema, options.outputLength ?? d.outputLength),
    thinkingLength: parseOption('thinkingLength', outputLengthSchema, options.thinkingLength ?? d.thinkingLength),
    toolUse: parseOption('toolUse', toolUseBehaviourSchema, options.toolUse ?? d.toolUse),
    tier: parseOption('tier', tierSettingSchema, options.tier ?? d.tier),
    faults: parseOption('faults', faultScheduleSchema, options.faults ?? d.faults),
    apiKeys: options.apiKeys ?? d.apiKeys,
    bodyLimitBytes: parseOption(
      'bodyLimitBytes',
      z.number().int().positive(),
      options.bodyLimitBytes ?? d.bodyLimitBytes,
    ),
    maxRecords: parseOption('maxRecords', z.number().int().positive(), options.maxRecords ?? d.maxRecords),
    batchProcessing: parseOption(
      'batchProcessing',
      batchProcessingSchema,
      options.batchProcessing ?? d.batchProcessing,
    ),
  };
}
