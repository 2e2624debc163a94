import type { BotConfig } from '../bot/config/index.ts';
import { type Clock, createScaledClock } from '../common/clock.ts';
import type { RunResult } from '../contracts/run-result.ts';
import { compileThresholds, evaluateThresholds, type ThresholdMap } from '../contracts/thresholds/index.ts';
import { Environment, type EnvironmentOptions, EnvironmentStopped } from '../environment/index.ts';
import type { MeasuredRun } from '../loadgen/measure.ts';
import { createPopulation, type Population } from '../loadgen/population/population.ts';
import { LoadRunner } from '../loadgen/runner.ts';
import { computeCost } from '../reports/cost/compute.ts';
import { profileFromRun } from '../reports/cost/profile.ts';
import type { ResolvedScenario, Scenario } from '../scenarios/schema.ts';
import { minuteOfDay } from '../scenarios/units.ts';
import { resolveBotConfig } from './bot-config.ts';
import { type BotFleet, startBotFleet } from './bots.ts';
import { claudeSection } from './claude-usage.ts';
import { type CronTrigger, startCronTrigger } from './cron-trigger.ts';
import { BotUnreachableError, DELIVERY_WATCH_DEFAULTS, watchDelivery } from './delivery-watch.ts';
import { describeEnvironment } from './environment-info.ts';
import { type RunFakes, startRunFakes } from './fakes.ts';
import { withFaultCosts } from './fault-cost.ts';
import { type FaultSchedule, faultAtMs, scheduleFaults } from './faults.ts';
import { runFidelity } from './fidelity.ts';
import { type MonitoringWatch, watchMonitoring } from './monitoring-watch.ts';
import { type NetworkFaultProxy, startNetworkFaultProxy, throughProxy } from './network-fault-proxy.ts';
import { type KillAt, RUN_SCENARIO_DEFAULTS, type RunScenarioOptions } from './options.ts';
import { assembleResult } from './result.ts';
import {
  createRunSampler,
  databaseFigures,
  lastScrapes,
  type RunSample,
  type RunSampler,
  samplesToSeries,
} from './sampling.ts';
import { migrateReferenceBot, seedReferenceBot } from './seed.ts';
import { resolveTimeScale, type TimeScaleDecision } from './time-scale.ts';

/** Simulated epoch ms of the scenario's start (its date and `HH:MM`, UTC). */
export function scenarioStartEpochMs(scenario: Scenario): number {
  return Date.parse(`${scenario.date}T00:00:00Z`) + minuteOfDay(scenario.start) * 60_000;
}

/** The scenario's thresholds with the caller's added (same metric: both lists apply). */
export function mergedThresholds(scenario: Scenario, extra: RunScenarioOptions['thresholds']): ThresholdMap {
  const map: ThresholdMap = {};
  for (const source of [scenario.thresholds, extra ?? {}]) {
    for (const [metric, expressions] of Object.entries(source)) map[metric] = [...(map[metric] ?? []), ...expressions];
  }
  return map;
}

/** Simulated ms since the load's start at which to kill an instance. */
export function killAtMs(killAt: KillAt, durationMs: number): number {
  return faultAtMs(killAt, durationMs);
}

function environmentOptions(
  scenario: ResolvedScenario,
  botConfig: BotConfig,
  options: RunScenarioOptions,
): EnvironmentOptions {
  const needsRedis = scenario.environment.redis || botConfig.scheduler.strategy === 'redis-lock';
  const bouncer = scenario.environment.pgbouncer;
  return {
    ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    maxConnections: scenario.environment.maxConnections,
    pgbouncer: options.pgbouncerUrl
      ? { url: options.pgbouncerUrl }
      : bouncer
        ? { defaultPoolSize: bouncer.poolSize }
        : false,
    redis: options.redisUrl ? { url: options.redisUrl } : needsRedis,
    timeScale: scenario.timeScale,
    ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
    handleSignals: options.handleSignals ?? true,
    // The run stops on the signal and still writes what it measured; a second signal exits at once.
    exitOnSignal: false,
    onEvent: (event) => options.onStage?.({ type: 'environment', event }),
  };
}

/**
 * The product's main job: brings up Postgres (and PgBouncer / Redis when the scenario needs them), the
 * fakes in-process, the bots (reference instances, `botCommand`, or `webhookUrl`) on one shared simulated
 * clock; plays the scenario's load; samples every process; and returns the RunResult with thresholds
 * evaluated. Everything it started is torn down on return, on error, and on SIGINT (the result then
 * has `status: 'aborted'` and covers what ran).
 *
 * @example
 * const result = await runScenario(await loadScenario('smoke'), { onProgress: (p) => console.error(p.phase) });
 * result.thresholds.every((t) => t.passed) // exit 0, else 99
 */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): Promise<RunResult> {
  // `timeScale: 'auto'` first plays a short calibration (a run of its own) to choose the scale.
  const { scenario: resolved, decision } = await resolveTimeScale(scenario, options, runScenario);
  options.onStage?.({ type: 'time-scale', decision });
  const plan = planRun(resolved, options, decision);
  const env = await Environment.start(environmentOptions(plan.scenario, plan.botConfig, options));
  const parts: RunParts = { env, abort: new AbortController() };
  const unlinkAbort = linkAbort(parts, options.signal);
  try {
    const population = createPopulation(scenario.population, scenario.seed);
    await prepareDatabase(plan, env, population);
    const { clock, anchorRealMs } = sharedClock(plan);
    const fakes = await startFakes(plan, clock, population);
    parts.fakes = fakes;
    parts.network = await networkFaultProxy(plan, env);
    const fleet = await startFleet(plan, parts, fakes, anchorRealMs);
    parts.fleet = fleet;
    const sampler = createRunSampler({
      bots: () => fleet.metricsTargets(),
      processes: () => env.processes(),
      postgresAdminUrl: env.postgres.adminUrl,
      postgresAppUrl: env.postgres.url,
      telegram: fakes.telegram,
      claude: fakes.claude,
      instancesUp: () => fleet.upCount(),
    });
    parts.sampler = sampler;
    await sampler.warmUp();
    await untilScenarioStart(plan, clock, parts.abort.signal);
    const load = startLoad(plan, parts, { clock, population, fakes, fleet, sampler });
    const measured = await load.runner.run();
    const monitoring = (await parts.monitoring?.stop()) ?? [];
    parts.monitoring = undefined;
    parts.watch?.stop();
    const unreachable = parts.watch?.verdict();
    if (unreachable !== undefined) throw new BotUnreachableError(unreachable);
    parts.faults?.stop();
    options.onStage?.({ type: 'load-finished', status: measured.status });
    const samples = await sampler.stop();
    parts.sampler = undefined;
    return await finishResult(plan, {
      env,
      fakes,
      fleet,
      measured,
      samples,
      crashes: load.crashes,
      faults: parts.faults?.events() ?? [],
      monitoring,
    });
  } catch (error) {
    throw stoppedWhileStarting(error, parts.abort.signal);
  } finally {
    await tearDown(parts, options, unlinkAbort);
  }
}

/** What a run's steps share once the scenario is checked. */
interface RunPlan {
  scenario: ResolvedScenario;
  /** Where the time scale came from (with `auto`, the calibration's pick). */
  timeScale: TimeScaleDecision;
  options: RunScenarioOptions;
  /** The reference bot's config, resolved once (its knobs decide Redis, seeding, cron and digests). */
  botConfig: BotConfig;
  thresholds: ThresholdMap;
  /** The run drives the reference bot (not `botCommand` or `webhookUrl`), so botcap prepares its database. */
  reference: boolean;
  startedAt: Date;
  /** Simulated epoch ms of the scenario's start. */
  startEpochMs: number;
}

/** What the run has started so far, torn down in reverse order whatever happens. */
interface RunParts {
  env: Environment;
  /** Aborted by the environment's signal handler or the caller's signal. */
  abort: AbortController;
  fakes?: RunFakes;
  fleet?: BotFleet;
  sampler?: RunSampler;
  cron?: CronTrigger;
  /** The faults injected on purpose (a killed instance, terminated sessions), on the result's record. */
  faults?: FaultSchedule;
  /** Stops the run early when the bot takes no update at all. */
  watch?: ReturnType<typeof watchDelivery>;
  /** Where the team would read of errors (alerts, ingestion, error log), when the bot reports any. */
  monitoring?: MonitoringWatch;
  /** Between the bots and PostgreSQL when the scenario has network faults. */
  network?: NetworkFaultProxy;
}

/**
 * The TCP proxy the bots reach PostgreSQL (or PgBouncer) through, when the scenario has network faults; none
 * for a bot botcap does not start (`webhookUrl`), whose database botcap does not hand out.
 */
async function networkFaultProxy(plan: RunPlan, env: Environment): Promise<NetworkFaultProxy | undefined> {
  if (plan.scenario.environment.networkFaults.length === 0 || plan.options.webhookUrl !== undefined) return undefined;
  const target = new URL(env.databaseUrl);
  return startNetworkFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
}

/** Checks what can fail before anything starts (a typo in a threshold) and resolves the bot's config once. */
function planRun(scenario: ResolvedScenario, options: RunScenarioOptions, timeScale: TimeScaleDecision): RunPlan {
  const thresholds = mergedThresholds(scenario, options.thresholds);
  compileThresholds(thresholds);
  return {
    scenario,
    timeScale,
    options,
    botConfig: resolveBotConfig(scenario),
    thresholds,
    reference: options.botCommand === undefined && options.webhookUrl === undefined,
    startedAt: new Date(),
    startEpochMs: scenarioStartEpochMs(scenario),
  };
}

/** Aborts the run on the environment's signal (Ctrl-C) or the caller's; returns the unlinking. */
function linkAbort(parts: RunParts, signal: AbortSignal | undefined): () => void {
  const onAbort = () => parts.abort.abort();
  parts.env.signal.addEventListener('abort', onAbort, { once: true });
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) parts.abort.abort();
  return () => {
    parts.env.signal.removeEventListener('abort', onAbort);
    signal?.removeEventListener('abort', onAbort);
  };
}

/** The reference bot's schema, and for an onboarded population its users with their digest times. */
async function prepareDatabase(plan: RunPlan, env: Environment, population: Population): Promise<void> {
  if (!plan.reference) return;
  if (!plan.scenario.population.onboarded) {
    await migrateReferenceBot(env.postgres.url);
    return;
  }
  await seedReferenceBot({
    databaseUrl: env.postgres.url,
    population,
    startEpochMs: plan.startEpochMs,
    slotMinutes: plan.botConfig.slotting.slotMinutes,
  });
}

/**
 * The clock the fakes, the bots and the generator share: simulated time reaches the scenario's start at
 * `anchorRealMs`, a start allowance from now, so the bots boot before their schedulers and the load begin
 * together. The bots get the anchor, not the clock: they build the same clock in their own processes.
 */
function sharedClock(plan: RunPlan): { clock: Clock; anchorRealMs: number } {
  const { scenario, options } = plan;
  const allowanceRealMs =
    options.startAllowanceRealMs ??
    RUN_SCENARIO_DEFAULTS.startAllowanceRealMs +
      RUN_SCENARIO_DEFAULTS.perInstanceAllowanceRealMs * (scenario.bot.instances - 1);
  const anchorRealMs = Math.round(performance.timeOrigin + performance.now() + allowanceRealMs);
  return {
    clock: createScaledClock({ timeScale: scenario.timeScale, startAtMs: plan.startEpochMs, anchorRealMs }),
    anchorRealMs,
  };
}

/** The fakes on the shared clock, with the private chats an onboarded population already has. */
async function startFakes(plan: RunPlan, clock: Clock, population: Population): Promise<RunFakes> {
  const fakes = await startRunFakes(plan.scenario, clock, plan.options);
  // The admins' group the bot alerts: a supergroup, so the fake applies Telegram's ~20 messages a minute to it.
  const { alertChatId } = plan.botConfig.observability;
  if (alertChatId !== undefined) fakes.telegram.addChat({ chat_id: alertChatId, type: 'supergroup', title: 'admins' });
  // Onboarded users pressed /start on some earlier day, so Telegram knows their private chats; without
  // this the bot's first digest to them would get 400 "chat not found".
  if (plan.scenario.population.onboarded) {
    for (const user of population.users) {
      fakes.telegram.addChat({ chat_id: user.chatId, type: 'private', first_name: user.firstName });
    }
  }
  plan.options.onStage?.({
    type: 'fakes-ready',
    telegramUrl: fakes.telegram.url,
    claudeUrl: fakes.claude.url,
    ...(fakes.mcp === undefined ? {} : { mcpUrl: fakes.mcp.url }),
  });
  return fakes;
}

/** The bots the run drives, anchored to the shared clock. */
async function startFleet(plan: RunPlan, parts: RunParts, fakes: RunFakes, anchorRealMs: number): Promise<BotFleet> {
  const { options } = plan;
  const fleet = await startBotFleet({
    scenario: plan.scenario,
    env: parts.env,
    ...(parts.network === undefined ? {} : { databaseUrl: throughProxy(parts.env.databaseUrl, parts.network.port) }),
    telegram: fakes.telegram,
    claudeUrl: fakes.claude.url,
    mcpUrl: fakes.mcp?.url,
    ingestDsn: fakes.ingest?.dsn,
    anchorRealMs,
    startAtIso: new Date(plan.startEpochMs).toISOString(),
    ...(options.botCommand === undefined ? {} : { botCommand: options.botCommand }),
    ...(options.referenceBotBin === undefined ? {} : { referenceBotBin: options.referenceBotBin }),
    ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
    ...(options.webhookSecret === undefined ? {} : { webhookSecret: options.webhookSecret }),
    signal: parts.abort.signal,
  });
  options.onStage?.({ type: 'bots-ready', bots: fleet.info() });
  return fleet;
}

/** The load begins when the shared clock reaches the scenario's start, as the bots' schedulers do. */
async function untilScenarioStart(plan: RunPlan, clock: Clock, signal: AbortSignal): Promise<void> {
  const lateMs = clock.monotonicMs();
  if (lateMs > 0) plan.options.onStage?.({ type: 'late-start', lateMs });
  await clock.sleepMs(Math.max(0, -lateMs), signal).catch(() => undefined);
}

/** What the load needs from the steps before it. */
interface LoadInputs {
  clock: Clock;
  population: Population;
  fakes: RunFakes;
  fleet: BotFleet;
  /** Created and warmed up before the scenario's start (Sampler.warmUp); started with the load. */
  sampler: RunSampler;
}

/**
 * Starts the load and everything that runs beside it: the sampler (its first kept tick now), the fakes' fault
 * windows, the cron trigger (cron-http strategy), the crash watch and the scheduled kill. Returns the runner to
 * await.
 */
function startLoad(
  plan: RunPlan,
  parts: RunParts,
  { clock, population, fakes, fleet, sampler }: LoadInputs,
): { runner: LoadRunner; crashes: string[] } {
  const { scenario, options, botConfig } = plan;
  const runner = new LoadRunner({
    scenario,
    clock,
    fake: fakes.telegram,
    population,
    signal: parts.abort.signal,
    expectDigests: plan.reference && botConfig.scheduler.enabled,
  });
  if (options.onProgress !== undefined) runner.on('progress', options.onProgress);
  options.onLoadStart?.(fleet.info());
  options.onStage?.({ type: 'load-started', timeScale: scenario.timeScale, durationMs: runner.schedule.durationMs });
  sampler.start();
  fakes.armFaults();
  const { alertChatId, errorLog } = botConfig.observability;
  if (plan.reference && (alertChatId !== undefined || errorLog || fakes.ingest !== undefined)) {
    parts.monitoring = watchMonitoring({
      clock,
      telegram: fakes.telegram,
      alertChatId,
      ingest: fakes.ingest,
      errorLogUrl: errorLog ? parts.env.postgres.url : undefined,
    });
  }
  if (plan.reference && botConfig.scheduler.strategy === 'cron-http') {
    parts.cron = startCronTrigger({
      baseUrls: () => fleet.metricsTargets().map((target) => target.url.replace(/\/metrics$/, '')),
      path: botConfig.scheduler.cronPath,
      intervalRealMs: clock.toRealMs(botConfig.scheduler.tickMs),
    });
  }
  const crashes = watchCrashes(plan, fleet, clock);
  parts.faults = scheduleFaults(
    {
      scenario,
      durationMs: runner.schedule.durationMs,
      killInstanceAt: options.killInstanceAt,
      ...(options.killTarget === undefined ? {} : { killTarget: options.killTarget }),
      postgresFaultAt: options.postgresFaultAt ?? [],
      postgresFault: options.postgresFault ?? RUN_SCENARIO_DEFAULTS.postgresFault,
    },
    { clock, fleet, postgres: parts.env.postgres, network: parts.network, onStage: options.onStage },
  );
  // A bot that takes no update at all (wrong webhook path or secret, not polling) stops the run early.
  parts.watch = watchDelivery({
    telegram: fakes.telegram,
    graceRealMs: Math.max(DELIVERY_WATCH_DEFAULTS.minGraceRealMs, clock.toRealMs(scenario.replies.deadline)),
    context: {
      ...(fleet.webhookRegisteredBy === undefined ? {} : { webhookRegisteredBy: fleet.webhookRegisteredBy }),
      ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
      ...(options.webhookSecret === undefined ? {} : { secrets: [options.webhookSecret] }),
    },
    onVerdict: () => parts.abort.abort(),
  });
  return { runner, crashes };
}

/** Collects, as sentences for the result's `error`, each bot that exits on its own during the load. */
function watchCrashes(plan: RunPlan, fleet: BotFleet, clock: Clock): string[] {
  const loadStartMs = clock.monotonicMs();
  const crashes: string[] = [];
  fleet.onCrash((crash) => {
    const atMs = clock.monotonicMs() - loadStartMs;
    crashes.push(
      `${crash.name} exited on its own at ${Math.round(atMs / 1000)} s simulated (code ${crash.code}, signal ${crash.signal})`,
    );
    plan.options.onStage?.({ type: 'bot-crashed', ...crash, atMs });
  });
  return crashes;
}

/** What the finished run hands to its result. */
interface RunOutcome {
  env: Environment;
  fakes: RunFakes;
  fleet: BotFleet;
  measured: MeasuredRun;
  samples: RunSample[];
  crashes: readonly string[];
  faults: RunResult['faults'];
  /** The monitoring channels' series (orchestration/monitoring-watch.ts). */
  monitoring: RunResult['timeSeries'];
}

/** The RunResult: the measured load, the environment described, Claude's usage, thresholds evaluated. */
async function finishResult(plan: RunPlan, outcome: RunOutcome): Promise<RunResult> {
  const { fakes, samples } = outcome;
  const result = assembleResult({
    scenario: plan.scenario,
    variant: plan.options.variant,
    startedAt: plan.startedAt,
    measured: outcome.measured,
    environment: await describeEnvironment({ ...plan, env: outcome.env, fleet: outcome.fleet }),
    claude: claudeSection(fakes.claude.usage(), fakes.claude.calls({ since: 0, limit: Number.MAX_SAFE_INTEGER }), [
      ...lastScrapes(samples).values(),
    ]),
    database: databaseFigures(samples),
    sampledSeries: [...samplesToSeries(samples, plan.scenario.timeScale), ...outcome.monitoring],
  });
  if (fakes.mcp !== undefined) {
    const mcp = fakes.mcp.stats();
    result.mcp = { requests: mcp.requests, toolCalls: mcp.toolCalls, refused: mcp.injectedErrors };
  }
  if (outcome.faults !== undefined && outcome.faults.length > 0)
    result.faults = withFaultCosts(outcome.faults, result.timeSeries, plan.scenario.replies.deadline);
  if (outcome.crashes.length > 0) {
    result.error = `${outcome.crashes.join('; ')}; see its log in the run's log directory`;
  }
  // Priced now, with the shipped pricing data, so a gate can compare cost from the result alone.
  result.claude.costUsd = computeCost(profileFromRun(result)).period.usd.totalUsd;
  result.fidelity = runFidelity(result, plan.scenario, plan.thresholds, {
    source: plan.timeScale.source,
    ...(plan.options.allowDistorted === undefined ? {} : { allowDistorted: plan.options.allowDistorted }),
  });
  // Evaluated even when distorted, so the figures are there to read; the CLI does not judge them (exit 3).
  result.thresholds = evaluateThresholds(result, plan.thresholds);
  return result;
}

/** Ctrl-C while starting tears components down under whatever was using them: say that, not what broke. */
function stoppedWhileStarting(error: unknown, signal: AbortSignal): unknown {
  if (!signal.aborted || error instanceof EnvironmentStopped || error instanceof BotUnreachableError) return error;
  return new EnvironmentStopped(`stopped while starting: ${error instanceof Error ? error.message : String(error)}`);
}

/** Stops everything the run started, newest first; a problem is reported, never thrown. */
async function tearDown(parts: RunParts, options: RunScenarioOptions, unlinkAbort: () => void): Promise<void> {
  parts.faults?.stop();
  parts.watch?.stop();
  await parts.monitoring?.stop().catch(() => undefined);
  options.onStage?.({ type: 'teardown' });
  await parts.cron?.stop().catch(() => undefined);
  await parts.sampler?.stop().catch(() => undefined);
  await parts.fleet?.close().catch(() => undefined);
  await parts.fakes?.close().catch(() => undefined);
  await parts.network?.close().catch(() => undefined);
  unlinkAbort();
  // A teardown problem is reported, not thrown: it must not cost the caller the result of a finished run.
  await parts.env.stop().catch((error: unknown) => {
    options.onStage?.({ type: 'teardown-error', message: error instanceof Error ? error.message : String(error) });
  });
}
