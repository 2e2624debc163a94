import type { KillTarget } from '../contracts/run-result.ts';
import type { EnvironmentEvent } from '../environment/index.ts';
import type { PostgresRuntime } from '../environment/postgres.ts';
import type { ProgressEvent } from '../loadgen/runner.ts';
import type { PostgresFaultMode } from '../scenarios/schema.ts';
import type { TimeScaleDecision } from './time-scale.ts';

/** When to SIGKILL one bot instance mid-run: a simulated time since the run started, or a fraction of the run. */
export type KillAt = { atMs: number } | { fraction: number };

/** A bot instance of the run, as hooks and tests see it. */
export interface RunBotInfo {
  name: string;
  /** Undefined for a bot botcap did not start (`webhookUrl`). */
  pid: number | undefined;
  /** Its /metrics URL, when known. */
  metricsUrl: string | undefined;
}

/** What happens before and after the load, for the CLI's status lines. Nothing here is text. */
export type RunStage =
  | { type: 'environment'; event: EnvironmentEvent }
  | { type: 'fakes-ready'; telegramUrl: string; claudeUrl: string; mcpUrl?: string }
  | { type: 'bots-ready'; bots: readonly RunBotInfo[] }
  /** The bots took longer than the start allowance: the load starts this many simulated ms after the scenario's start. */
  | { type: 'late-start'; lateMs: number }
  /** `timeScale: 'auto'`: the calibration run starts (the scenario's peak, at a low scale, for a few real seconds). */
  | { type: 'calibrating'; timeScale: number; realS: number }
  /** The run's time scale, and with `auto` the calibration that chose it. */
  | { type: 'time-scale'; decision: TimeScaleDecision }
  | { type: 'load-started'; timeScale: number; durationMs: number }
  | { type: 'instance-killed'; name: string; atMs: number }
  /** Another fault injected on purpose (on the result's record too). */
  | { type: 'fault'; detail: string; atMs: number }
  /** A bot exited on its own mid-run (the result's `error` says so too). */
  | { type: 'bot-crashed'; name: string; atMs: number; code: number | null; signal: string | null; lastLines: string[] }
  | { type: 'load-finished'; status: 'completed' | 'aborted' }
  | { type: 'teardown' }
  /** Something could not be stopped cleanly (the message is already redacted by the environment). */
  | { type: 'teardown-error'; message: string };

/**
 * Options of {@link runScenario}. Every field is optional; defaults are in {@link RUN_SCENARIO_DEFAULTS}.
 *
 * @example
 * await runScenario(scenario, { runtime: 'embedded', onProgress: (p) => printer.update(p) });
 */
export interface RunScenarioOptions {
  /** Where Postgres comes from. Default 'url' when `databaseUrl` is set, else 'embedded'. */
  runtime?: PostgresRuntime;
  /** An existing server; the run creates and drops its own database there. */
  databaseUrl?: string;
  /** An existing PgBouncer (its URL is given to the bots instead of starting one). */
  pgbouncerUrl?: string;
  /** An existing Redis (for the redis-lock scheduler strategy). */
  redisUrl?: string;
  /** The user's own bot, any language: run through `/bin/sh -c` with the bot contract's environment. */
  botCommand?: string;
  /**
   * The reference bot of another checkout of botcap: its `bin/botcap.js`, whose `botcap bot` the run starts
   * with this run's knobs and database (bench/fidelity.ts compares the bot before and after a change with it).
   * Default this checkout's.
   */
  referenceBotBin?: string;
  /** A bot that is already running in webhook mode: the fake Telegram delivers updates to this URL. */
  webhookUrl?: string;
  /** Secret the fake sends with each webhook request to `webhookUrl`. Default none. */
  webhookSecret?: string;
  /** Fixed ports for the fakes (a bot started outside botcap must know them). Default 0 (free ports). */
  telegramPort?: number;
  claudePort?: number;
  /** SIGKILL one bot instance mid-run (the last one). Default: the scenario's none. */
  killInstanceAt?: KillAt;
  /** What `killInstanceAt` kills: the last bot instance, or queue-worker's scheduler worker. Default 'bot-instance'. */
  killTarget?: KillTarget;
  /** Where the scenario's time scale came from, for the fidelity verdict (contracts/run-result.ts). Default 'scenario'. */
  timeScaleSource?: 'scenario' | 'flag' | 'auto' | 'scale-check';
  /**
   * Judge thresholds even when the run's fidelity verdict is `distorted` (`--allow-distorted`); the result
   * then records `fidelity.overridden`. Default false: a distorted run is not judged.
   */
  allowDistorted?: boolean;
  /** Fault the database at these times (besides the scenario's). Default none. */
  postgresFaultAt?: readonly KillAt[];
  /** What each `postgresFaultAt` does. Default `RUN_SCENARIO_DEFAULTS.postgresFault`: terminate the sessions. */
  postgresFault?: { mode: PostgresFaultMode; downMs: number };
  /** Thresholds from flags, k6 syntax (`reply_latency: ['p(95)<3000']`), added to the scenario's. */
  thresholds?: Readonly<Record<string, readonly string[]>>;
  /** Directory for bot logs. Default: a temp dir removed at the end. */
  logDir?: string;
  /** Variant label for matrices, e.g. `webhook x3`. */
  variant?: string;
  /**
   * Real time the bots get to start before the shared clock reaches the scenario's start; the load waits
   * for it, so the bots' schedulers and the generator begin at the same simulated instant.
   * Default {@link RUN_SCENARIO_DEFAULTS}.startAllowanceRealMs plus perInstanceAllowanceRealMs per extra instance.
   */
  startAllowanceRealMs?: number;
  /** Install SIGINT/SIGTERM handlers: the first stops the run and tears down, the second kills at once. Default true. */
  handleSignals?: boolean;
  /** Aborts the run from the caller; the result covers what ran (`status: 'aborted'`). */
  signal?: AbortSignal;
  onStage?: (stage: RunStage) => void;
  onProgress?: (progress: ProgressEvent) => void;
  /** Called once the bots are ready and the load is about to start (tests plant stalls here). */
  onLoadStart?: (bots: readonly RunBotInfo[]) => void;
}

export const RUN_SCENARIO_DEFAULTS = {
  /** `--postgres-fault-at` alone terminates the run database's sessions; a restart is asked for. */
  postgresFault: { mode: 'terminate', downMs: 0 } as { mode: PostgresFaultMode; downMs: number },
  // A reference bot starts in ~1 s from its prebuilt bundle (bin/prebuilt.js; ~0.3 s more after an edit).
  startAllowanceRealMs: 4_000,
  perInstanceAllowanceRealMs: 1_000,
  /**
   * SIGTERM -> SIGKILL grace for the bots once the load is over, real ms. Their graceful stop would wait
   * for handlers still queued behind Claude, which nothing measures any more; 5 s per run was a fifth of a
   * short matrix variant's wall time.
   */
  botStopGraceMs: 1_500,
  /** The bots log at this level unless the scenario sets `observability.logLevel` (info per update costs CPU). */
  botLogLevel: 'warn',
  /** The key the fake Claude accepts from the bots (any non-empty key). */
  anthropicApiKey: 'sk-ant-botcap-run-key',
  /** The webhook secret the reference bots check. */
  webhookSecret: 'botcap-run-webhook-secret',
  /** How long a bot may take to become ready, real ms. */
  botReadyTimeoutMs: 60_000,
} as const;
