import { z } from 'zod';
import { tokenUsageSchema } from './token-usage.ts';
import { TRANSPORTS } from './transport.ts';

/**
 * `RunResult`: the contract between a run (`orchestration/` assembles it from what `loadgen/` measured) and
 * `reports/` (pure functions of it); it lives in `contracts/` so neither side reaches into the other. Plain JSON; histograms stay HDR-encoded so results from several generators or runs merge.
 * Bump RUN_RESULT_SCHEMA_VERSION on any breaking change and keep the reader accepting older versions.
 * Times: `...Ms` fields on the run's own axis are *simulated* milliseconds since the run started unless
 * a name says `Real`; latencies are simulated milliseconds too (the time scale divides them back out).
 */
export const RUN_RESULT_SCHEMA_VERSION = 1;

/** An HDR histogram (hdr-histogram-js `encodeIntoCompressedBase64`), values in the unit named by the field. */
export const encodedHistogramSchema = z.object({
  encoding: z.literal('hdr-base64'),
  unit: z.enum(['ms', 'count']),
  data: z.string(),
  /** Recorded value count, duplicated from the histogram so a reader can skip empty ones without decoding. */
  count: z.number().int().min(0),
});
export type EncodedHistogram = z.infer<typeof encodedHistogramSchema>;

/** Reply latencies of part of a run, as `latency.replyFinal` / `latency.replyFirst` record them for the whole. */
export const phaseLatencySchema = z.object({
  replyFinal: encodedHistogramSchema,
  replyFirst: encodedHistogramSchema,
});
export type PhaseLatency = z.infer<typeof phaseLatencySchema>;

/** One metric over the run: `[tMs, value]` points, tMs simulated ms since start. */
export const timeSeriesSchema = z.object({
  name: z.string(),
  unit: z.string(),
  /** Which process or component it belongs to, e.g. `bot-2`, `postgres`, `loadgen`, `fake-claude`. */
  source: z.string().default('run'),
  points: z.array(z.tuple([z.number(), z.number()])),
});
export type TimeSeries = z.infer<typeof timeSeriesSchema>;

export const thresholdOutcomeSchema = z.object({
  metric: z.string(),
  /** As written, k6 syntax: `p(95)<3000`. */
  expression: z.string(),
  value: z.number().nullable(),
  passed: z.boolean(),
});
export type ThresholdOutcome = z.infer<typeof thresholdOutcomeSchema>;

/**
 * How much of the run's simulated latency the lab itself added (issue "Fidelity first"). Every real ms of
 * the lab's own delay (CPU, GC, event-loop lag, the generator's injection lag) reads as `timeScale`
 * simulated ms; a run whose estimate exceeds the bound is `distorted` and is never judged by a gate
 * unless `overridden`. Optional only so results written before it still read; every new run carries it.
 */
export const fidelitySchema = z.object({
  timeScale: z.number().positive(),
  /**
   * Where the scale came from: the scenario, an explicit `--time-scale`, `--time-scale auto` calibration, or
   * `botcap matrix`'s scale check (a run again at 1x; orchestration/matrix-scale-check.ts).
   */
  timeScaleSource: z.enum(['scenario', 'flag', 'auto', 'scale-check']),
  /** The estimation method, named (e.g. `lag-x-scale`), as the report states it. */
  method: z.string(),
  /** The lab's estimated added delay per update over the run, simulated ms. */
  estimatedDistortionMs: z.number().min(0),
  /** The bound it was judged against, simulated ms (a share of the tightest latency budget, with a floor). */
  boundMs: z.number().positive(),
  status: z.enum(['ok', 'distorted']),
  /** The sampling intervals with the largest estimate, worst first (simulated ms since the run started). */
  worstIntervals: z.array(
    z.object({
      startMs: z.number(),
      endMs: z.number(),
      distortionMs: z.number().min(0),
      limitingProcess: z.string(),
    }),
  ),
  /** The process whose delay contributed most (e.g. `loadgen`, `bot-1`, `fake-telegram`, `postgres`). */
  limitingProcess: z.string(),
  /** The largest time scale at which the estimate would have stayed within the bound, when estimable. */
  maxFaithfulTimeScale: z.number().positive().optional(),
  /**
   * The load's shape: how much the generator's lag in taking each reply (p95, times scale - 1) stretched a
   * user's cycle, against the same share of the mean cycle as the latency bound. Beyond it the run is
   * distorted even when the latency estimate is within its bound: the users sent fewer updates than at 1x.
   */
  cycleStretch: z
    .object({
      stretchMs: z.number().min(0),
      cycleMs: z.number().positive(),
      share: z.number().min(0),
      boundShare: z.number().positive(),
    })
    .optional(),
  /** Thresholds were judged although the run was distorted, because the user asked (`--allow-distorted`). */
  overridden: z.boolean().optional(),
  /**
   * `botcap run --scale-check`: the same run (scenario and seed) again at 1x, figure by figure
   * (reports/analysis/scale-check.ts). A figure that moved makes the run `distorted`, measured where the
   * estimate could not see it (near saturation an update also waits out the scaled time of those ahead).
   */
  scaleCheck: z
    .object({
      seed: z.number().int(),
      /** The run at 1x, its folder relative to this result's. */
      at1xDir: z.string(),
      /** The figures that moved beyond the tolerance; empty: the run held. */
      moved: z.array(
        z.object({
          column: z.string(),
          label: z.string(),
          unit: z.string(),
          atScale: z.number().nullable(),
          at1x: z.number().nullable(),
        }),
      ),
    })
    .optional(),
});
export type Fidelity = z.infer<typeof fidelitySchema>;

/** The kinds of fault a run can inject on purpose (scenario fields and `botcap run` flags). */
export const FAULT_EVENT_KINDS = [
  'instance-killed',
  'claude-errors',
  'mcp-outage',
  'postgres-sessions-terminated',
  'postgres-restarted',
  'network-delay',
  'network-partition',
] as const;

/**
 * What `--kill-instance-at` (a matrix variant's `kill`) SIGKILLs: the last live bot instance, or queue-worker's
 * dedicated scheduler worker (its fault event's target is then `scheduler-worker`).
 */
export const KILL_TARGETS = ['bot-instance', 'scheduler-worker'] as const;
export type KillTarget = (typeof KILL_TARGETS)[number];

/**
 * A fault the run injected on purpose, so the figures around it are read as its cost, not as a defect: an
 * instance SIGKILLed, a window of Claude errors or of MCP outage, the run database's sessions terminated, the
 * database server restarted (a window from the shutdown to accepting connections again), the network to it
 * delayed or partitioned.
 */
export const faultEventSchema = z.object({
  kind: z.enum(FAULT_EVENT_KINDS),
  /** What it hit: `bot-2`, `claude`, `mcp`, `postgres`. */
  target: z.string(),
  /** Simulated ms since the load started. */
  fromMs: z.number().min(0),
  /** End of a window, simulated ms since the load started; equal to `fromMs` for an instant fault. */
  toMs: z.number().min(0),
  /** One phrase: `SIGKILL`, `529 overloaded_error for 100% of calls`, `5 sessions terminated`. */
  detail: z.string(),
  /**
   * What it cost the users: the updates sent from the fault's start until a reply deadline after its end
   * (`untilMs`), and how many of them were lost or answered with the fallback. Read from the run's series,
   * so at their resolution (one real second per bucket).
   */
  cost: z
    .object({
      untilMs: z.number().min(0),
      updatesSent: z.number().int().min(0),
      lost: z.number().int().min(0),
      fallbacks: z.number().int().min(0),
    })
    .optional(),
});

export type FaultEvent = z.infer<typeof faultEventSchema>;

export const runResultSchema = z.object({
  schemaVersion: z.literal(RUN_RESULT_SCHEMA_VERSION),
  botcapVersion: z.string(),
  /** Scenario name and the scenario as run, after flag overrides. */
  scenario: z.object({ name: z.string(), resolved: z.record(z.string(), z.unknown()) }),
  /** Variant label when the run is part of a matrix, e.g. `webhook x3`. */
  variant: z.string().optional(),
  seed: z.number().int(),
  timeScale: z.number().positive(),
  startedAt: z.iso.datetime(),
  durationRealS: z.number().min(0),
  durationSimulatedS: z.number().min(0),
  status: z.enum(['completed', 'aborted', 'failed']),
  error: z.string().optional(),
  fidelity: fidelitySchema.optional(),

  environment: z.object({
    gitCommit: z.string().optional(),
    machine: z.object({
      cpuModel: z.string(),
      cpuCount: z.number().int(),
      memoryBytes: z.number(),
      os: z.string(),
      node: z.string(),
    }),
    postgres: z.object({
      runtime: z.enum(['embedded', 'docker', 'url']),
      version: z.string(),
      maxConnections: z.number().int(),
    }),
    pgbouncer: z
      .object({ source: z.enum(['binary', 'docker', 'url']), poolMode: z.string(), defaultPoolSize: z.number().int() })
      .optional(),
    redis: z.object({ source: z.enum(['binary', 'docker', 'url']) }).optional(),
    bot: z.object({
      kind: z.enum(['reference', 'command', 'url']),
      instances: z.number().int().min(0),
      transport: z.enum(TRANSPORTS),
      /** The reference bot's resolved config (secrets removed), when kind is `reference`. */
      config: z.record(z.string(), z.unknown()).optional(),
    }),
    versions: z.record(z.string(), z.string()),
  }),

  phases: z.array(
    z.object({
      name: z.string(),
      startMs: z.number(),
      endMs: z.number(),
      targetVus: z.number().optional(),
      targetRatePerS: z.number().optional(),
      /**
       * The replies to the updates sent during the phase (by intended send time), whole and by half: a
       * level's percentile is read from all its replies, not from per-interval percentiles, which at a few
       * replies per interval are single replies. Absent in results written before it was recorded.
       */
      latency: phaseLatencySchema.extend({ halves: z.tuple([phaseLatencySchema, phaseLatencySchema]) }).optional(),
    }),
  ),

  load: z.object({
    model: z.enum(['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate', 'scheduled-peak']),
    population: z.number().int().min(0),
    maxVus: z.number().int().min(0),
    updatesInjected: z.number().int().min(0),
    /** Open models: updates that could not be injected at their intended time (k6 dropped_iterations). */
    updatesDropped: z.number().int().min(0),
    /** Updates injected by action kind: navigation, question, settings, start, ... */
    updatesByAction: z.record(z.string(), z.number().int().min(0)),
  }),

  latency: z.object({
    /**
     * Intended injection -> the bot's last reply to that update, simulated ms (coordinated-omission safe).
     * One value per injected update: an update with no reply by the deadline is recorded at the deadline
     * (a lower bound, as k6 records a timed-out request at its timeout) and also counted as lost.
     */
    replyFinal: encodedHistogramSchema,
    /** Intended injection -> the bot's first visible output (chat action, answer, message or edit); none by the deadline = the deadline. */
    replyFirst: encodedHistogramSchema,
    /** replyFinal split by action kind. */
    byAction: z.record(z.string(), encodedHistogramSchema),
  }),

  correctness: z.object({
    /** Updates with no reply within the reply deadline. */
    lostUpdates: z.number().int().min(0),
    /** Replies beyond the expected count for an update (a redelivered or twice-handled update). */
    duplicateReplies: z.number().int().min(0),
    /** Replies that arrived in a different order than their updates within one chat. */
    outOfOrderReplies: z.number().int().min(0),
    /** Replies that were fallback texts (an upstream failed and the user was told). */
    fallbackReplies: z.number().int().min(0),
    digests: z.object({
      expected: z.number().int().min(0),
      delivered: z.number().int().min(0),
      missing: z.number().int().min(0),
      duplicated: z.number().int().min(0),
      /**
       * Delivered - scheduled, simulated ms; a digest still unsent at the end of the run counts at
       * end - scheduled (a lower bound, so an undrained burst cannot look punctual) and as missing.
       */
      lateness: encodedHistogramSchema,
      /** Users whose slot was moved from the time they asked for (slotting). */
      usersMoved: z.number().int().min(0),
    }),
    errorsByKind: z.record(z.string(), z.number().int().min(0)),
  }),

  claude: z.object({
    total: tokenUsageSchema,
    byModel: z.record(z.string(), tokenUsageSchema),
    /** Batch API usage (billed at the batch discount), included in byModel too with `batch:` prefixed keys. */
    batch: tokenUsageSchema,
    /** Usage per bot route (question, digest, ...), from the bot's metrics when it exports them. */
    byRoute: z.record(z.string(), tokenUsageSchema),
    statusCounts: z.record(z.string(), z.number().int().min(0)),
    /** Calls that were retries (X-Stainless-Retry-Count > 0 or policy retries). */
    retries: z.number().int().min(0),
    peakConcurrency: z.number().int().min(0),
    /**
     * The run's Claude cost in USD, priced when the run was made with the shipped pricing data (as `botcap cost`
     * prices it), so a gate can compare cost without the reports' pricing code. Absent in older results.
     */
    costUsd: z.number().min(0).optional(),
  }),

  /**
   * The fake MCP knowledge server's counts, when the scenario's bot used it: HTTP requests, `search` calls
   * answered, and requests its fault windows refused (attempts made while it was down: what a circuit breaker
   * saves). Absent without MCP and in results from before it was counted.
   */
  mcp: z
    .object({
      requests: z.number().int().min(0),
      toolCalls: z.number().int().min(0),
      refused: z.number().int().min(0),
    })
    .optional(),

  telegram: z.object({
    /** Bot API calls from the load's start on (the bots' start-up calls before it are not the run's). */
    botCalls: z.number().int().min(0),
    callsByMethod: z.record(z.string(), z.number().int().min(0)),
    floodLimited429: z.number().int().min(0),
    webhookRedeliveries: z.number().int().min(0),
  }),

  database: z.object({
    maxConnectionsSeen: z.number().int().min(0),
    connectionErrors53300: z.number().int().min(0),
    poolWaitMs: encodedHistogramSchema.optional(),
  }),

  timeSeries: z.array(timeSeriesSchema),
  thresholds: z.array(thresholdOutcomeSchema),
  /** The faults the run injected on purpose, in time order; absent in results of botcap before 0.2 of this field. */
  faults: z.array(faultEventSchema).optional(),
});

export type RunResult = z.infer<typeof runResultSchema>;
