import { z } from 'zod';
import { botConfigInputSchema } from '../bot/config/input.ts';
import { transportSchema } from '../bot/config/schema.ts';
import { FAULT_KINDS } from '../fakes/claude/faults.ts';
import { latencySettingSchema } from '../fakes/claude/latency.ts';
import { tierSettingSchema } from '../fakes/claude/tiers.ts';
import { MCP_FAULT_KINDS } from '../fakes/mcp/faults.ts';
import { dayModelSchema } from './day-model.ts';
import { CLOCK_TIME_HINT, DURATION_HINT, parseDurationMs, parseMinuteOfDay } from './units.ts';

/**
 * THE scenario schema: one zod schema gives the `Scenario` type and its validation. Durations are written
 * as k6 durations (`'30s'`, `'5m'`) or as milliseconds and come out as milliseconds of *simulated*
 * time, so a parsed scenario is itself valid input (overrides re-validate it the same way). Every
 * default lives here, once; the load generator reads parsed values and never re-applies a default.
 *
 * @example
 * scenarioSchema.parse({ name: 'tiny', load: { executor: 'constant-vus', vus: 5, duration: '30s' } })
 */

/** A duration in simulated ms, from `'1m30s'` or a number of ms. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDurationMs(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration; ${DURATION_HINT}` });
    return z.NEVER;
  }
  return ms;
});
/** What a database fault does: end the run database's sessions, or restart the server (see `postgresFaults`). */
export const POSTGRES_FAULT_MODES = ['terminate', 'restart'] as const;
export type PostgresFaultMode = (typeof POSTGRES_FAULT_MODES)[number];
/** What a network fault does to the bots' path to a dependency (see `networkFaults`). */
export const NETWORK_FAULT_KINDS = ['delay', 'partition'] as const;

const positiveDuration = duration.refine((ms) => ms > 0, { message: `must be longer than zero; ${DURATION_HINT}` });

const clockTime = z.string().refine((text) => parseMinuteOfDay(text) !== undefined, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a clock time; ${CLOCK_TIME_HINT}`,
});

const share = z.number().min(0, 'a share is a fraction from 0 to 1').max(1, 'a share is a fraction from 0 to 1');
const weight = z.number().min(0, 'weights are >= 0 (0 turns the kind off)');
const command = z.string().regex(/^[a-z0-9_]{1,32}$/, 'a command is 1-32 of a-z 0-9 _ without the slash');
/**
 * `behaviour.neverPress` as the driver matches it: case-insensitive, Unicode-aware (the labels may be Cyrillic);
 * undefined for '' (press anything). Throws a SyntaxError for a broken pattern, which the schema refuses first.
 *
 * @example
 * neverPressRegExp('pause|пауза')?.test('⏸ Пауза') // true
 */
export function neverPressRegExp(source: string): RegExp | undefined {
  return source === '' ? undefined : new RegExp(source, 'iu');
}

const buttonPattern = z.string().refine(
  (text) => {
    try {
      neverPressRegExp(text);
      return true;
    } catch {
      return false;
    }
  },
  {
    message:
      "not a valid regular expression; write alternatives as 'pause|stop' (no slashes, matched case-insensitively)",
  },
);
const vus = z.number().int('VU counts are whole numbers').min(0);

/** One k6 stage: reach `target` (VUs or iterations per timeUnit) linearly over `duration`. */
export const stageSchema = z.object({ duration, target: z.number().min(0, 'target is >= 0') });

const openVus = {
  /** VUs (chats with nothing outstanding) ready at the start; k6 `preAllocatedVUs`. */
  preAllocatedVUs: vus.min(1, 'preAllocatedVUs is at least 1'),
  /** Most VUs busy at once; an arrival finding all busy is dropped. Default: preAllocatedVUs (as k6). */
  maxVUs: vus.min(1).optional(),
};

/**
 * The executor registry: one zod object per executor, with k6's names, fields and defaults
 * (https://grafana.com/docs/k6/latest/using-k6/scenarios/executors/). To add one, see scenarios/README.md.
 */
const EXECUTOR_SCHEMAS = [
  z.object({ executor: z.literal('constant-vus'), vus: vus.min(1), duration: positiveDuration }),
  z.object({
    executor: z.literal('ramping-vus'),
    startVUs: vus.default(0),
    stages: z.array(stageSchema).min(1, 'give at least one stage, e.g. [{ duration: "1m", target: 50 }]'),
    /**
     * k6's gracefulRampDown (default 30s), kept for k6 export. A VU removed by a ramp-down stops its
     * conversation at once but always waits for its outstanding reply up to the reply deadline, so no
     * update is counted lost because the generator stopped looking.
     */
    gracefulRampDown: duration.default(30_000),
  }),
  z.object({
    executor: z.literal('constant-arrival-rate'),
    rate: z.number().positive('rate is > 0 arrivals per timeUnit'),
    timeUnit: positiveDuration.default(1000),
    duration: positiveDuration,
    ...openVus,
  }),
  z.object({
    executor: z.literal('ramping-arrival-rate'),
    startRate: z.number().min(0).default(0),
    timeUnit: positiveDuration.default(1000),
    stages: z.array(stageSchema).min(1, 'give at least one stage, e.g. [{ duration: "1m", target: 20 }]'),
    ...openVus,
  }),
  z.object({
    executor: z.literal('scheduled-peak'),
    duration: positiveDuration,
    /** The normal traffic around the bot's own digests: an open rate per timeUnit. */
    rate: z.number().min(0).default(1),
    timeUnit: positiveDuration.default(1000),
    ...openVus,
  }),
] as const;

/** A scenario's arrival model: one of the executors above, chosen by `executor`. */
export const loadSchema = z
  .discriminatedUnion('executor', EXECUTOR_SCHEMAS, {
    error: () =>
      `executor must be one of ${EXECUTOR_SCHEMAS.map((schema) => `'${schema.shape.executor.value}'`).join(', ')}`,
  })
  .superRefine((load, ctx) => {
    if ('maxVUs' in load && load.maxVUs !== undefined && load.maxVUs < load.preAllocatedVUs) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxVUs'],
        message: `maxVUs ${load.maxVUs} is below preAllocatedVUs ${load.preAllocatedVUs}; raise maxVUs or omit it`,
      });
    }
  });

export const populationSchema = z
  .object({
    /** Users in the population (daily active users). Default 1000. */
    size: z.number().int().min(1).default(1000),
    /** Locale weights; the production bot speaks Russian, so mostly `ru`. */
    locales: z.object({ ru: weight, en: weight }).default({ ru: 0.85, en: 0.15 }),
    /** Topics users pick at onboarding (what the bot's topic buttons are matched against). */
    topics: z.array(z.string().min(1)).min(1).default(['news', 'tech', 'finance', 'science', 'sport', 'travel']),
    /** Preferred digest time: `peakShare` of users at `peak`, the rest uniform on a `stepMinutes` grid. */
    digestTimes: z
      .object({
        peak: clockTime.default('10:00'),
        peakShare: share.default(0.6),
        spreadFrom: clockTime.default('07:00'),
        spreadTo: clockTime.default('22:00'),
        stepMinutes: z.number().int().min(1).max(60).default(15),
      })
      .prefault({}),
    /** Users who paused their digest (no digest expected for them). */
    pausedShare: share.default(0),
    /**
     * Whether the bot already knows the users (the orchestrator seeds them with their digest times) or each
     * user's first action is the /start onboarding flow. Default true.
     */
    onboarded: z.boolean().default(true),
  })
  .prefault({});

export const behaviourSchema = z
  .object({
    /** Relative weights of a VU's next action. Default: the production mix (mostly cheap navigation). */
    mix: z
      .object({ navigation: weight, question: weight, settings: weight, start: weight })
      .refine((mix) => mix.navigation + mix.question + mix.settings + mix.start > 0, 'at least one weight above 0')
      .default({ navigation: 0.5, question: 0.35, settings: 0.05, start: 0.1 }),
    /** How hard questions are: simple ones ('привет') let model routing pick the small model. */
    questionComplexity: z
      .object({ simple: weight, medium: weight, complex: weight })
      .default({ simple: 0.3, medium: 0.45, complex: 0.25 }),
    /** Pause between a reply and the user's next action, simulated time. */
    thinkTime: z
      .object({
        distribution: z.enum(['lognormal', 'exponential', 'constant']).default('lognormal'),
        median: duration.default(15_000),
        p95: duration.default(90_000),
      })
      .refine((t) => t.p95 >= t.median, { message: 'p95 must be >= median', path: ['p95'] })
      .prefault({}),
    /** Commands the VUs send; other bots can name theirs. Navigation sends `menu` when no keyboard is on screen. */
    commands: z
      .object({
        start: command.default('start'),
        settings: command.default('settings'),
        menu: command.default('menu'),
      })
      .prefault({}),
    /**
     * Buttons navigation never presses: a regular expression over button texts, case-insensitive ('' presses
     * anything). Browsing users do not pause their digests or move them at random - real ones rarely do - and
     * the generator cannot tell what such a press changed, so the digests it owes would be counted as missing.
     * (Buttons whose text is a time of day are skipped too: only onboarding picks a digest time.) In a run of
     * the slotting matrix with random presses, 155 of 500 users ended paused. Default: the reference bot's
     * pause, resume and change-time buttons, in English and Russian.
     */
    neverPress: buttonPattern.default('pause|resume|change time|пауза|возобновить|сменить время'),
    /** Button presses a VU makes at most in one /start onboarding flow. */
    maxOnboardingSteps: z.number().int().min(0).max(20).default(5),
    /** Actions per conversation (a closed-model VU iteration). */
    conversationLength: z
      .object({
        distribution: z.enum(['geometric', 'constant']).default('geometric'),
        mean: z.number().min(1).default(4),
        max: z.number().int().min(1).default(20),
      })
      .prefault({}),
  })
  .prefault({});

/** How the bot under test replies; the defaults are the reference bot's conventions. */
export const repliesSchema = z
  .object({
    /** An update without a visible reply by then counts as lost (simulated time). */
    deadline: positiveDuration.default(30_000),
    /** Visible replies each update gets. */
    perUpdate: z.number().int().min(1).default(1),
    fallbackPrefix: z.string().min(1).default('⚠️'),
    digestPrefix: z.string().min(1).default('📰'),
    /** Methods that are a visible reply (close replyFinal). */
    visibleMethods: z.array(z.string().min(1)).min(1).default(['sendMessage', 'editMessageText']),
    /** Methods that count as first visible output (close replyFirst), besides the visible ones. */
    outputMethods: z.array(z.string().min(1)).default(['sendChatAction', 'answerCallbackQuery']),
  })
  .prefault({});

export const floodControlSchema = z.object({
  enabled: z.boolean().optional(),
  privateChatPerS: z.number().positive().optional(),
  privateChatBurst: z.number().int().min(1).optional(),
  groupPerMin: z.number().positive().optional(),
  groupBurst: z.number().int().min(1).optional(),
  globalPerS: z.number().positive().optional(),
  globalBurst: z.number().int().min(1).optional(),
});

export const claudeFaultSchema = z
  .object({
    /** Window start and end, simulated time since the run started. */
    from: duration,
    to: positiveDuration,
    rate: share,
    kind: z.enum(FAULT_KINDS, { error: () => `kind must be one of ${FAULT_KINDS.join(', ')}` }),
    retryAfter: duration.optional(),
    models: z.array(z.string()).optional(),
  })
  .refine((f) => f.to > f.from, { message: 'to must be after from', path: ['to'] });

/**
 * A fault window of the fake MCP knowledge server, like Claude's: from `from` to `to` (simulated time since the
 * load started) `rate` of its requests fail as `kind` - `http-503` (the server is down) or `tool-error` (the
 * server answers, its search backend does not). The bot must use the lookup (`bot.config.mcp`).
 */
export const mcpFaultSchema = z
  .object({
    from: duration,
    to: positiveDuration,
    rate: share.default(1),
    kind: z
      .enum(MCP_FAULT_KINDS, { error: () => `kind must be one of ${MCP_FAULT_KINDS.join(', ')}` })
      .default('http-503'),
  })
  .refine((f) => f.to > f.from, { message: 'to must be after from', path: ['to'] });

export const fakesSchema = z
  .object({
    claude: z
      .object({
        latency: latencySettingSchema.default('realistic'),
        tier: tierSettingSchema.default('unlimited'),
        faults: z.array(claudeFaultSchema).default([]),
        /**
         * How long a Message Batch takes, simulated (default the fake's 1 min to 1 h, as the Batch API's
         * "most batches finish within an hour"). Shorten it with the bot's cost.batchLeadMinutes when a run is
         * shorter than the lead a production bot would use.
         */
        batchProcessing: z
          .object({ min: duration, max: duration })
          .refine((b) => b.max >= b.min, { message: 'max must be at least min', path: ['max'] })
          .optional(),
      })
      .prefault({}),
    telegram: z.object({ floodControl: z.union([z.literal(false), floodControlSchema]).default({}) }).prefault({}),
    mcp: z.object({ faults: z.array(mcpFaultSchema).default([]) }).prefault({}),
    /**
     * The fake error-tracking ingestion (Sentry's envelope endpoint, fakes/ingest): when enabled the run starts
     * it and gives the reference bot its DSN (observability.sentryDsn). `eventsPerMin` is its quota (0 = none).
     */
    ingest: z
      .object({
        enabled: z.boolean().default(false),
        eventsPerMin: z.number().int().min(0).default(0),
      })
      .prefault({}),
  })
  .prefault({});

export const environmentSchema = z
  .object({
    /** PostgreSQL max_connections (a small managed plan has 100). */
    maxConnections: z.number().int().min(5).default(100),
    pgbouncer: z.object({ poolSize: z.number().int().min(1).default(20) }).optional(),
    /** Start Redis (only the redis-lock scheduler strategy needs it). */
    redis: z.boolean().default(false),
    /**
     * Faults of the database, on the run's record, at each `at` (simulated time since the load started):
     * `terminate` (default) ends every session of the run database (pg_terminate_backend), as a failover does;
     * `restart` shuts a server botcap owns down (fast shutdown), keeps it down for `down` (simulated, default 0)
     * and starts it again on the same port and data - on an external server (`--database-url`) the sessions
     * are terminated instead, and the record says so.
     */
    postgresFaults: z
      .array(
        z.object({
          at: duration,
          mode: z.enum(POSTGRES_FAULT_MODES).default('terminate'),
          down: duration.default(0),
        }),
      )
      .default([]),
    /**
     * Network faults between the bots and PostgreSQL, each a window (simulated time since the load started):
     * `delay` adds `delay` (simulated) to every packet each way; `partition` resets the bots' connections and
     * refuses new ones. botcap puts a TCP proxy on loopback in that path for runs that ask; on the record.
     */
    networkFaults: z
      .array(
        z
          .object({
            target: z.enum(['postgres']).default('postgres'),
            kind: z.enum(NETWORK_FAULT_KINDS),
            from: duration,
            to: duration,
            delay: duration.default(0),
          })
          .refine((fault) => fault.to > fault.from, { message: 'a network fault must end (to) after it starts (from)' })
          .refine((fault) => fault.kind !== 'delay' || fault.delay > 0, {
            message: "a 'delay' network fault needs a delay longer than zero",
          }),
      )
      .default([]),
  })
  .prefault({});

export const botSchema = z
  .object({
    /**
     * How the fake Telegram delivers updates to the bot under test, whichever bot it is: the one home of this
     * knob in a scenario (the orchestrator gives it to the reference bot as its `telegram.transport`).
     */
    transport: transportSchema,
    instances: z.number().int().min(1).max(64).default(1),
    /**
     * Webhook x N: how the balancer in front spreads updates. `none` round-robin (a chat's updates land on any
     * instance), `chat` keeps a chat on one instance (chat affinity, "sticky sessions").
     */
    balancerAffinity: z.enum(['none', 'chat']).default('none'),
    /**
     * Any subset of the reference bot's config, typed and checked by the bot's own schema (bot/config), kept as
     * written: the orchestrator resolves it with the bot's defaults once per run.
     */
    config: botConfigInputSchema.default({}),
  })
  .superRefine((bot, ctx) => {
    if (bot.config.telegram?.transport !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['config', 'telegram', 'transport'],
        message: 'set bot.transport instead: it decides how updates reach any bot, and the reference bot is given it',
      });
    }
  })
  .prefault({});

/**
 * k6 thresholds: `{ reply_latency: ['p(95)<3000'], lost_updates: ['count==0'] }`. The schema checks the
 * shape; the metric names and expressions are checked by the reports' threshold compiler on load.
 */
export const thresholdsSchema = z
  .record(z.string().min(1), z.array(z.string()).min(1, "give at least one expression, e.g. ['p(95)<3000']"))
  .default({});

export const scenarioSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'name is lower-case kebab-case, e.g. peak-10am'),
  description: z.string().default(''),
  /** Fixes the population, the mix and the arrival schedule. */
  seed: z.number().int().default(1),
  /**
   * Simulated seconds per real second (think times, the bot's scheduler, fake Claude's latencies), or
   * `'auto'`: a short calibration picks the largest scale whose lab delay stays within the fidelity bound
   * (orchestration/time-scale.ts). Every real ms of the lab reads as this many simulated ms.
   */
  timeScale: z
    .union([z.number().positive().max(10_000), z.literal('auto')], {
      error: "timeScale is a positive number (simulated seconds per real second) or 'auto'",
    })
    .default(1),
  /** Simulated wall-clock start (UTC) of the run window, and its date. */
  start: clockTime.default('12:00'),
  date: z.iso.date({ error: "date is 'YYYY-MM-DD'" }).default('2026-11-30'),
  load: loadSchema,
  population: populationSchema,
  behaviour: behaviourSchema,
  replies: repliesSchema,
  bot: botSchema,
  environment: environmentSchema,
  fakes: fakesSchema,
  thresholds: thresholdsSchema,
  /**
   * The scenario's say over its fidelity bound (loadgen/fidelity/bound.ts): a fixed `boundMs`, or a
   * `boundShare` of its tightest latency budget; unset, 5% of that budget with a 50 ms floor.
   */
  fidelity: z
    .object({
      boundMs: z.number().positive().max(600_000).optional(),
      boundShare: z.number().positive().max(1).optional(),
    })
    .strict()
    .default({}),
  /** How the run's figures extrapolate to a day and a month (reports, `botcap plan`); defaults in day-model.ts. */
  dayModel: dayModelSchema.prefault({}),
});

/** A validated scenario: durations in simulated ms, every default applied. */
export type Scenario = z.output<typeof scenarioSchema>;
/** A scenario ready to run: its time scale is a number (`'auto'` resolved by calibration). */
export type ResolvedScenario = Omit<Scenario, 'timeScale'> & { timeScale: number };
/** What a scenario file may write: durations as strings, most fields optional. */
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type LoadModel = Scenario['load'];
export type Executor = LoadModel['executor'];
export type Stage = z.output<typeof stageSchema>;
export type PopulationSpec = Scenario['population'];
export type BehaviourSpec = Scenario['behaviour'];
export type ReplyConventions = Scenario['replies'];
export type ActionKind = keyof BehaviourSpec['mix'];
export type QuestionComplexity = keyof BehaviourSpec['questionComplexity'];
