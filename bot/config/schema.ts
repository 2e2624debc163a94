import { z } from 'zod';
import { TRANSPORTS } from '../../contracts/transport.ts';
import { LAB_DEFAULTS } from './lab-defaults.ts';

/**
 * Every knob of the reference bot, declared once: its type, bounds, default and description.
 * `botcap bot --help`, the env-var mapping (`knobs.ts`) and the README all read from this schema,
 * so a default is never written twice. Durations are in *simulated* time unless their description says real
 * (the long poll's, the Bot API client's and the pool's idle lifetime, which decide nothing under load); the clock's `timeScale` converts
 * them (config/real-time.ts).
 *
 * Lab only, in three places, each marked where it is: the `time` section (a production bot runs on the wall
 * clock: leave it unset), the scheduler strategy `none` (kept to show the duplicates it causes) and the lab's
 * defaults for the token and the API key (they work against botcap's fakes only). bot/README.md's "Production
 * profile" gives the values to run with instead.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().min(1);
const nonNegativeInt = z.coerce.number().int().min(0);
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? !['false', '0', 'no', 'off', ''].includes(v.toLowerCase()) : v),
  z.boolean(),
);

/**
 * How updates arrive, with its default. A scenario's `bot.transport` is this same field (it drives any bot
 * under test, and the orchestrator gives it to the reference bot), so the default is written here only.
 */
export const transportSchema = z
  .enum(TRANSPORTS)
  .default('polling')
  .describe('how updates arrive: long polling (runner) or webhook');

/** How instances agree who sends digests (the scheduler matrix compares them). */
export const SCHEDULER_STRATEGIES = [
  'none',
  'advisory-lock',
  'skip-locked',
  'redis-lock',
  'cron-http',
  'queue-worker',
] as const;

/** Who sends the digests a leader strategy found due: the leader itself, or every instance from the job queue. */
export const SCHEDULER_SEND_BY = ['decider', 'all-instances'] as const;

/** What a `botcap bot` process is for queue-worker: a bot instance (consumes, sends) or the one scheduler worker. */
export const SCHEDULER_ROLES = ['instance', 'worker'] as const;

export const telegramSchema = z
  .object({
    token: z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]+$/, 'a bot token looks like 123456:ABC-DEF (from @BotFather)')
      // Lab only: the token botcap's fake Telegram accepts. A production bot has no default here; the bot
      // refuses to start with it against api.telegram.org (config/preflight.ts).
      .default(LAB_DEFAULTS.telegramToken)
      .describe('bot token (env BOT_TOKEN); the default works only against `botcap fakes`'),
    apiRoot: z
      .url()
      .default('https://api.telegram.org')
      .describe('Bot API root without trailing slash (env TELEGRAM_API_ROOT)'),
    transport: transportSchema,
    sinkConcurrency: positiveInt
      .default(500)
      .describe('polling: max updates the runner handles at once (runner sink concurrency)'),
    webhookHost: z.string().default('127.0.0.1').describe('webhook: interface the HTTP server binds'),
    webhookPort: port.default(8080).describe('webhook: HTTP port, 0 = pick a free one (env PORT)'),
    webhookPath: z.string().startsWith('/').default('/telegram').describe('webhook: path Telegram posts updates to'),
    webhookPublicUrl: z
      .url()
      .optional()
      .describe('webhook: URL to register with setWebhook (default: http://host:port/path)'),
    webhookSecret: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 characters of A-Z a-z 0-9 _ -')
      .optional()
      .describe(
        'webhook: X-Telegram-Bot-Api-Secret-Token (env WEBHOOK_SECRET); unset = a random one registered by setWebhook, refused when setWebhook is off',
      ),
    webhookMaxConnections: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(40)
      .describe('webhook: max_connections given to setWebhook'),
    webhookOnTimeout: z
      .enum(['throw', 'return'])
      .default('throw')
      .describe(
        'webhook: when a handler outlives the timeout, "throw" (Telegram redelivers) or "return" (answer 200, keep working)',
      ),
    // Telegram gives up on a webhook request after about a minute (not documented; the fake uses 60 s). The
    // handler's worst case (resilience budget, config/preflight.ts) must end before this, or Telegram redelivers.
    webhookTimeoutMs: positiveInt
      .default(50_000)
      .describe('webhook: handler time before onTimeout applies, simulated ms (must exceed the resilience budget)'),
    webhookMaxBodyBytes: positiveInt
      .default(256 * 1024)
      .describe('webhook: largest update body read; longer ones get 413 before a byte is read'),
    dedupUpdates: bool
      .default(true)
      .describe(
        'handle each update_id once across instances (a row per update in Postgres), so redeliveries do not reply twice',
      ),
    updateLeaseMs: positiveInt
      .default(120_000)
      .describe(
        'webhook: a redelivered update still claimed by a handler this long is taken over (its instance died), simulated ms',
      ),
    setWebhook: bool
      .default(true)
      .describe(
        'webhook: call setWebhook at start (off when a load balancer or the load generator registers one URL for all instances)',
      ),
    pollTimeoutS: nonNegativeInt.default(30).describe('polling: getUpdates long-poll timeout, real s'),
    pollGiveUpS: positiveInt
      .default(60)
      .describe(
        'polling: how long getUpdates may keep failing (network, 5xx, 409 Conflict: another poller) before the instance exits with an error, real s',
      ),
    apiTimeoutS: positiveInt
      .default(45)
      .describe('Bot API call timeout, real s (polling: must exceed pollTimeoutS, getUpdates shares it)'),
    apiRetryAttempts: nonNegativeInt
      .default(3)
      .describe('retries of a Bot API call after 429 (honouring retry_after), 5xx or a network failure, 0 = off'),
    apiRetryMaxDelayS: positiveInt
      .default(30)
      .describe('longest retry_after the bot waits for; a longer one fails the call at once, simulated s'),
  })
  .prefault({});

export const databaseSchema = z
  .object({
    url: z.string().default('postgres://postgres@127.0.0.1:5432/botcap').describe('PostgreSQL URL (env DATABASE_URL)'),
    poolMax: positiveInt.default(10).describe('pg Pool max connections per instance'),
    connectionTimeoutMs: nonNegativeInt
      .default(5_000)
      .describe(
        'pg Pool wait for a connection other updates hold before failing, simulated ms; opening a new one gets as long in real ms (pg default 0 = forever; never use 0)',
      ),
    idleTimeoutMs: nonNegativeInt.default(10_000).describe('pg Pool idle connection lifetime, real ms'),
    statementTimeoutMs: nonNegativeInt
      .default(0)
      .describe('per-statement timeout sent on connect, simulated ms (0 = none)'),
    migrate: bool
      .default(true)
      .describe('run schema migrations at start (safe with several instances: they take a lock)'),
    migrateUrl: z
      .string()
      .optional()
      .describe(
        'direct server URL for migrations when url points at a transaction pooler (their lock is a session lock); default url',
      ),
  })
  .prefault({});

export const claudeSchema = z
  .object({
    baseUrl: z.url().default('https://api.anthropic.com').describe('Anthropic API root (env ANTHROPIC_BASE_URL)'),
    // Lab only: the fake Claude accepts any key. Refused against api.anthropic.com (config/preflight.ts).
    apiKey: z
      .string()
      .min(1)
      .default(LAB_DEFAULTS.anthropicApiKey)
      .describe('Anthropic API key (env ANTHROPIC_API_KEY); the default works only against `botcap fakes`'),
    complexModel: z.string().default('claude-sonnet-5-5').describe('model for complex turns and digests'),
    simpleModel: z.string().default('claude-haiku-4-5-20251001').describe('model for simple turns when routing is on'),
    maxOutputTokens: positiveInt.default(600).describe('max_tokens of an answer'),
    digestMaxOutputTokens: positiveInt.default(900).describe('max_tokens of a digest'),
    contextTurns: nonNegativeInt.default(6).describe('conversation turns from Postgres sent as context'),
    sdkMaxRetries: nonNegativeInt
      .default(0)
      .describe("the SDK's own retries (0: the resilience policy retries instead)"),
  })
  .prefault({});

export const mcpSchema = z
  .object({
    url: z.url().optional().describe('MCP server URL (Streamable HTTP) for the knowledge lookup; unset = no lookup'),
    timeoutMs: positiveInt.default(3_000).describe('knowledge lookup timeout, simulated ms'),
    mode: z
      .enum(['lookup', 'tools'])
      .default('lookup')
      .describe(
        'knowledge per question: "lookup" searches first and adds the snippets; "tools" lets Claude call the tools',
      ),
    maxToolRounds: positiveInt
      .default(3)
      .describe('tools mode: tool rounds per question before Claude must answer (its last call forbids tools)'),
  })
  .prefault({});

export const resilienceSchema = z
  .object({
    bulkheadConcurrency: positiveInt.default(10).describe('max concurrent calls per upstream (bulkhead)'),
    bulkheadQueue: nonNegativeInt.default(100).describe('calls waiting for a bulkhead slot before rejection'),
    // Attempts, timeout and backoff add up to an answer's time budget, which must fit the webhook timeout:
    // config/preflight.ts checks it at start, and preflight.test.ts that these defaults fit.
    retryMaxAttempts: nonNegativeInt
      .default(1)
      .describe('retries after the first attempt (429/5xx/529/connection errors)'),
    retryInitialDelayMs: positiveInt
      .default(500)
      .describe('first retry backoff, simulated ms (doubles, with jitter; retry-after wins)'),
    retryMaxDelayMs: positiveInt
      .default(4_000)
      .describe('retry backoff cap, simulated ms; a longer retry-after gives up at once'),
    timeoutMs: positiveInt.default(20_000).describe('per-attempt timeout of an upstream call, simulated ms'),
    breakerScope: z
      .enum(['none', 'shared', 'per-upstream'])
      .default('per-upstream')
      .describe('circuit breaker: none, one shared by every upstream, or one per upstream'),
    breakerPolicy: z
      .enum(['consecutive', 'sampling'])
      .default('consecutive')
      .describe('breaker opens after N consecutive failures, or on a failure rate over a window'),
    breakerConsecutiveFailures: positiveInt.default(5).describe('consecutive policy: failures that open the breaker'),
    breakerFailureRate: z.coerce
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('sampling policy: failure rate that opens it'),
    breakerWindowMs: positiveInt.default(10_000).describe('sampling policy: window, simulated ms'),
    breakerMinimumRps: z.coerce
      .number()
      .positive()
      .default(2)
      .describe('sampling policy: min calls/s before it may open'),
    breakerCooldownMs: positiveInt.default(15_000).describe('time open before a half-open trial call, simulated ms'),
  })
  .prefault({});

export const costSchema = z
  .object({
    routing: bool.default(false).describe('route simple turns to the small model'),
    routingThreshold: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('complexity score (0-1) at or above which a turn goes to the big model'),
    digestCache: bool.default(false).describe('reuse one generated digest per topic and day (Postgres content cache)'),
    promptCaching: bool.default(false).describe('cache_control on the long, stable system prompt'),
    promptCacheTtl: z.enum(['5m', '1h']).default('5m').describe('prompt cache TTL'),
    batchDigests: bool.default(false).describe('pre-generate upcoming digests through the Message Batches API'),
    batchLeadMinutes: positiveInt
      .default(60)
      .describe('how far ahead of a slot the batch is submitted, simulated minutes'),
    batchPollMs: positiveInt
      .default(60_000)
      .describe('how often a submitted digest batch is polled for results, simulated ms'),
    digestCachePollMs: positiveInt
      .default(1_000)
      .describe('how often an instance waiting for a digest another instance is generating re-reads it, simulated ms'),
  })
  .prefault({});

export const schedulerSchema = z
  .object({
    // Lab only: `none` is deliberately broken (every instance sends: duplicates), kept so a run can show why a
    // strategy is needed. A production bot with one instance needs none; with several, `skip-locked`.
    strategy: z
      .enum(SCHEDULER_STRATEGIES)
      .default('skip-locked')
      .describe(
        'how instances agree who sends digests: none (everyone: duplicates), advisory-lock, skip-locked, redis-lock, cron-http, queue-worker (one dedicated worker process plans, the instances send)',
      ),
    // Who decides and who sends are two questions: a leader strategy can decide alone and still let every
    // instance send, through the same digest_jobs queue skip-locked uses.
    sendBy: z
      .enum(SCHEDULER_SEND_BY)
      .default('decider')
      .describe(
        'advisory-lock, redis-lock: who sends what the leader found due: decider (the leader sends every digest) or all-instances (the leader queues them in digest_jobs, every instance claims and sends)',
      ),
    role: z
      .enum(SCHEDULER_ROLES)
      .default('instance')
      .describe(
        'queue-worker: instance (a bot that claims queued digests and sends them) or worker (the one scheduler process: no Telegram intake, plans due digests into digest_jobs; `botcap bot --scheduler-role worker`)',
      ),
    enabled: bool.default(true).describe('run the digest scheduler in this instance'),
    tickMs: positiveInt.default(60_000).describe('scan interval, simulated ms'),
    sendConcurrency: positiveInt.default(20).describe('digests generated and sent at once per instance'),
    claimBatch: positiveInt
      .default(50)
      .describe('skip-locked and every queue consumer (queue-worker, sendBy all-instances): jobs claimed per query'),
    // 'transaction' exists to reproduce how many production job queues use Postgres: a claim that keeps its
    // transaction (and a pooled connection) open across the seconds of an LLM call. At the 10:00 burst that
    // is sendConcurrency connections per instance, the load that makes pools above max_connections fail
    // (the pooling matrix); 'lease' is the default because it holds none.
    claimMode: z
      .enum(['lease', 'transaction'])
      .default('lease')
      .describe(
        'skip-locked: "lease" commits a claim at once; "transaction" keeps it open while the digest is generated (one connection per job in flight)',
      ),
    takeoverGraceMs: nonNegativeInt
      .default(30_000)
      .describe(
        'advisory-lock, redis-lock: a new leader waits this long before its first scan, so digests the old leader was still sending are recorded first, simulated ms',
      ),
    claimLeaseMs: positiveInt
      .default(120_000)
      .describe(
        'skip-locked and every queue consumer: a claimed job not done within this is reclaimed by another instance, simulated ms',
      ),
    redisUrl: z.string().optional().describe('redis-lock: Redis URL (env REDIS_URL)'),
    leaseMs: positiveInt.default(30_000).describe('redis-lock: leader lease, simulated ms'),
    redisKey: z
      .string()
      .min(1)
      .default('botcap:digest-scheduler:leader')
      .describe('redis-lock: the key holding the leader lease (one per bot deployment)'),
    cronPath: z
      .string()
      .startsWith('/')
      .default('/cron/tick')
      .describe('cron-http: tick endpoint path on the HTTP server'),
  })
  .prefault({});

/** How the per-slot cap is enforced (the slot-cap matrix compares them). */
export const SLOT_CAP_CHECKS = ['slot-table', 'count'] as const;

export const slottingSchema = z
  .object({
    mode: z
      .enum(['none', 'offer', 'auto'])
      .default('none')
      .describe('full slots: none (no cap), offer the next free slot, or auto-shift'),
    slotMinutes: positiveInt.default(5).describe('slot length in minutes'),
    capPerSlot: positiveInt.default(50).describe('users per slot'),
    // Lab only: `count` is the read-then-write race a first version writes, kept so the slot-cap matrix can
    // show the overbooking it causes. Production: `slot-table`.
    capCheck: z
      .enum(SLOT_CAP_CHECKS)
      .default('slot-table')
      .describe(
        'how the cap is enforced: slot-table (a counter row per slot, taken with a conditional UPDATE) or count (count users, then write: overbooks under concurrent sign-ups)',
      ),
  })
  .prefault({});

/** Where conversation state (the onboarding/settings step, the message allowance) lives. */
export const SESSION_STORAGES = ['postgres', 'memory', 'redis'] as const;

export const sessionSchema = z
  .object({
    // `memory` is aiogram's and grammY's default; it is correct for one instance only (the sessions matrix shows
    // what it breaks behind a balancer without chat affinity). Production with several instances: postgres or redis.
    storage: z
      .enum(SESSION_STORAGES)
      .default('postgres')
      .describe(
        'where conversation state lives: postgres (sessions table), memory (this process only: lost across instances and restarts) or redis (scheduler.redisUrl, env REDIS_URL)',
      ),
    redisKeyPrefix: z
      .string()
      .min(1)
      .default('botcap:session:')
      .describe('redis storage: prefix of the session keys (one per bot deployment)'),
  })
  .prefault({});

export const rateLimitSchema = z
  .object({
    messagesPerMinute: nonNegativeInt
      .default(20)
      .describe('messages one user may send per minute before the bot asks them to slow down, 0 = no limit'),
    burst: positiveInt.default(10).describe('messages a user may send at once before the per-minute rate applies'),
  })
  .prefault({});

export const observabilitySchema = z
  .object({
    httpHost: z.string().default('127.0.0.1').describe('interface of the metrics/health HTTP server'),
    httpPort: port.default(9464).describe('port of /metrics, /healthz (and cron-http) when polling; 0 = free port'),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino log level'),
    sentryDsn: z.string().optional().describe('send errors to Sentry (@sentry/node) when set; off by default'),
    alertChatId: z.coerce
      .number()
      .int()
      .optional()
      .describe('alert the team in this Telegram group (a negative chat id) on every handler error; unset = off'),
    // Lab only: `each` is what a first version writes (one message per error); a storm meets the group's ~20
    // messages a minute and the rest are lost (429). Production: `summary`.
    alertMode: z
      .enum(['each', 'summary'])
      .default('summary')
      .describe(
        'alerts: "each" error its own message (hits the 20/min group limit in a storm) or one "summary" per interval',
      ),
    alertSummaryEveryMs: positiveInt
      .default(60_000)
      .describe(
        'alerts, summary mode: one message at most this often, with the count and kinds of errors, simulated ms',
      ),
    // What the production bot does: every error a row in PostgreSQL, written asynchronously through the bot's
    // own pool, so an error storm competes with the users' queries for connections (the monitoring matrix).
    errorLog: bool
      .default(false)
      .describe('write every handler error and upstream fallback as a row of the error_log table, asynchronously'),
    errorLogConcurrency: positiveInt
      .default(2)
      .describe('error log: rows written at once, each holding one connection of the bot pool'),
    errorLogQueueMax: nonNegativeInt
      .default(1_000)
      .describe('error log: rows waiting for a connection at most; beyond it an error is dropped and counted'),
  })
  .prefault({});

/**
 * Lab only: a capacity run compresses time (60x plays the 10:00 burst in seconds) and gives every instance one
 * shared simulated clock. A production bot leaves this section unset: its clock is the wall clock.
 */
export const timeSchema = z
  .object({
    timeScale: z.coerce
      .number()
      .positive()
      .max(10_000)
      .default(1)
      .describe('simulated seconds per real second (scheduler, timeouts)'),
    startAt: z.iso.datetime().optional().describe('simulated time at the anchor instant (ISO 8601), default now'),
    anchorRealMs: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'real epoch ms at which simulated time equals startAt; instances given the same anchor share one clock',
      ),
  })
  .prefault({});

export const testingSchema = z
  .object({
    plantedDelayMs: nonNegativeInt
      .default(0)
      .describe(
        'tests only: a planted slowdown, every update waits this long before its handler, simulated ms (0 = off)',
      ),
  })
  .prefault({});

export const botConfigSchema = z.object({
  instanceId: z.string().min(1).default('bot-1').describe('name of this instance in logs, metrics and the database'),
  telegram: telegramSchema,
  database: databaseSchema,
  claude: claudeSchema,
  mcp: mcpSchema,
  resilience: resilienceSchema,
  cost: costSchema,
  scheduler: schedulerSchema,
  slotting: slottingSchema,
  session: sessionSchema,
  rateLimit: rateLimitSchema,
  observability: observabilitySchema,
  time: timeSchema,
  testing: testingSchema,
});

export type BotConfig = z.infer<typeof botConfigSchema>;
/** What a caller may pass: any subset, strings allowed where env/flags give strings. */
export type BotConfigInput = z.input<typeof botConfigSchema>;
