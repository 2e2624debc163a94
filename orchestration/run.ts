import type { BotConfig } from '../bot/config/index.ts';
import { type Clock, createScaledClock } from '../common/clock.ts';
import type { RunResult } from '../contracts/run-result.ts';
import { compileThresholds, evaluateThresholds, type ThresholdMap } from '../contracts/thresholds/index.ts';
import { BOTCAP_VERSION } from '../contracts/version.ts';
import { Environment, type EnvironmentOptions, EnvironmentStopped } from '../environment/index.ts';
import { createPopulation } from '../loadgen/population/population.ts';
import { LoadRunner } from '../loadgen/runner.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { parseMinuteOfDay } from '../scenarios/units.ts';
import { publicBotConfig, resolveBotConfig } from './bot-config.ts';
import { type BotFleet, startBotFleet } from './bots.ts';
import { claudeSection } from './claude-usage.ts';
import { type CronTrigger, startCronTrigger } from './cron-trigger.ts';
import { gitCommit, machineInfo, packageVersions, postgresVersion } from './environment-info.ts';
import { type RunFakes, startRunFakes } from './fakes.ts';
import { type KillAt, RUN_SCENARIO_DEFAULTS, type RunScenarioOptions } from './options.ts';
import { assembleResult } from './result.ts';
import { createRunSampler, databaseFigures, lastScrapes, type RunSampler, samplesToSeries } from './sampling.ts';
import { migrateReferenceBot, seedReferenceBot } from './seed.ts';

/** Simulated epoch ms of the scenario's start (its date and `HH:MM`, UTC). */
export function scenarioStartEpochMs(scenario: Scenario): number {
  return Date.parse(`${scenario.date}T00:00:00Z`) + (parseMinuteOfDay(scenario.start) ?? 0) * 60_000;
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
  return 'atMs' in killAt ? killAt.atMs : killAt.fraction * durationMs;
}

function environmentOptions(scenario: Scenario, botConfig: BotConfig, options: RunScenarioOptions): EnvironmentOptions {
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
  const thresholds = mergedThresholds(scenario, options.thresholds);
  compileThresholds(thresholds); // a typo in a threshold fails before anything starts
  const botConfig = resolveBotConfig(scenario);
  const startedAt = new Date();
  const env = await Environment.start(environmentOptions(scenario, botConfig, options));
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  env.signal.addEventListener('abort', onAbort, { once: true });
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) abort.abort();
  let fakes: RunFakes | undefined;
  let fleet: BotFleet | undefined;
  let sampler: RunSampler | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let cron: CronTrigger | undefined;
  try {
    const population = createPopulation(scenario.population, scenario.seed);
    const startEpochMs = scenarioStartEpochMs(scenario);
    const reference = options.botCommand === undefined && options.webhookUrl === undefined;
    if (reference && !scenario.population.onboarded) await migrateReferenceBot(env.postgres.url);
    if (reference && scenario.population.onboarded) {
      await seedReferenceBot({
        databaseUrl: env.postgres.url,
        population,
        startEpochMs,
        slotMinutes: botConfig.slotting.slotMinutes,
      });
    }
    const allowanceRealMs =
      options.startAllowanceRealMs ??
      RUN_SCENARIO_DEFAULTS.startAllowanceRealMs +
        RUN_SCENARIO_DEFAULTS.perInstanceAllowanceRealMs * (scenario.bot.instances - 1);
    const anchorRealMs = Math.round(performance.timeOrigin + performance.now() + allowanceRealMs);
    const clock: Clock = createScaledClock({ timeScale: scenario.timeScale, startAtMs: startEpochMs, anchorRealMs });

    fakes = await startRunFakes(scenario, clock, options);
    // Onboarded users pressed /start on some earlier day, so Telegram knows their private chats; without
    // this the bot's first digest to them would get 400 "chat not found".
    if (scenario.population.onboarded) {
      for (const user of population.users) {
        fakes.telegram.addChat({ chat_id: user.chatId, type: 'private', first_name: user.firstName });
      }
    }
    options.onStage?.({
      type: 'fakes-ready',
      telegramUrl: fakes.telegram.url,
      claudeUrl: fakes.claude.url,
      ...(fakes.mcp === undefined ? {} : { mcpUrl: fakes.mcp.url }),
    });
    fleet = await startBotFleet({
      scenario,
      env,
      telegram: fakes.telegram,
      claudeUrl: fakes.claude.url,
      mcpUrl: fakes.mcp?.url,
      anchorRealMs,
      startAtIso: new Date(startEpochMs).toISOString(),
      ...(options.botCommand === undefined ? {} : { botCommand: options.botCommand }),
      ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
      ...(options.webhookSecret === undefined ? {} : { webhookSecret: options.webhookSecret }),
      signal: abort.signal,
    });
    const bots = fleet.info();
    options.onStage?.({ type: 'bots-ready', bots });
    // The load begins when the shared clock reaches the scenario's start, as the bots' schedulers do.
    const lateMs = clock.monotonicMs();
    if (lateMs > 0) options.onStage?.({ type: 'late-start', lateMs });
    await clock.sleepMs(Math.max(0, -lateMs), abort.signal).catch(() => undefined);

    const runner = new LoadRunner({
      scenario,
      clock,
      fake: fakes.telegram,
      population,
      signal: abort.signal,
      expectDigests: reference && botConfig.scheduler.enabled,
    });
    if (options.onProgress !== undefined) runner.on('progress', options.onProgress);
    const activeFleet = fleet;
    sampler = createRunSampler({
      bots: () => activeFleet.metricsTargets(),
      processes: () => env.processes(),
      postgresAdminUrl: env.postgres.adminUrl,
      postgresAppUrl: env.postgres.url,
      telegram: fakes.telegram,
      claude: fakes.claude,
      instancesUp: () => activeFleet.upCount(),
      originRealMs: performance.now(),
    });
    options.onLoadStart?.(bots);
    options.onStage?.({ type: 'load-started', timeScale: scenario.timeScale, durationMs: runner.schedule.durationMs });
    sampler.start();
    fakes.armFaults();
    if (reference && botConfig.scheduler.strategy === 'cron-http') {
      cron = startCronTrigger({
        baseUrls: () => activeFleet.metricsTargets().map((target) => target.url.replace(/\/metrics$/, '')),
        path: botConfig.scheduler.cronPath,
        intervalRealMs: clock.toRealMs(botConfig.scheduler.tickMs),
      });
    }
    const loadStartMs = clock.monotonicMs();
    const crashes: string[] = [];
    fleet.onCrash((crash) => {
      const atMs = clock.monotonicMs() - loadStartMs;
      crashes.push(
        `${crash.name} exited on its own at ${Math.round(atMs / 1000)} s simulated (code ${crash.code}, signal ${crash.signal})`,
      );
      options.onStage?.({ type: 'bot-crashed', ...crash, atMs });
    });
    if (options.killInstanceAt !== undefined) {
      const atMs = killAtMs(options.killInstanceAt, runner.schedule.durationMs);
      killTimer = setTimeout(() => {
        void activeFleet.killOne().then((name) => {
          if (name !== undefined) options.onStage?.({ type: 'instance-killed', name, atMs });
        });
      }, clock.toRealMs(atMs));
    }
    const measured = await runner.run();
    clearTimeout(killTimer);
    options.onStage?.({ type: 'load-finished', status: measured.status });
    const samples = await sampler.stop();
    sampler = undefined;
    const scrapes = [...lastScrapes(samples).values()];
    const botEnv = fleet.firstEnv;
    const result = assembleResult({
      scenario,
      variant: options.variant,
      startedAt,
      measured,
      environment: {
        ...(await gitCommitField()),
        machine: machineInfo(),
        postgres: {
          runtime: env.postgres.runtime,
          version: await postgresVersion(env.postgres.adminUrl),
          maxConnections: env.postgres.maxConnections,
        },
        ...(env.pgbouncer === undefined
          ? {}
          : {
              pgbouncer: {
                source: options.pgbouncerUrl ? 'url' : options.runtime === 'docker' ? 'docker' : 'binary',
                poolMode: env.pgbouncer.poolMode,
                defaultPoolSize: scenario.environment.pgbouncer?.poolSize ?? 0,
              },
            }),
        ...(env.redis === undefined
          ? {}
          : { redis: { source: options.redisUrl ? 'url' : options.runtime === 'docker' ? 'docker' : 'binary' } }),
        bot: {
          kind: fleet.kind,
          // A bot behind --webhook-url is one endpoint, driven by webhook whatever the scenario says.
          instances: fleet.kind === 'url' ? 1 : scenario.bot.instances,
          transport: fleet.kind === 'url' ? 'webhook' : scenario.bot.transport,
          ...(fleet.kind === 'reference' && botEnv !== undefined ? { config: publicBotConfig(botEnv) } : {}),
        },
        versions: { node: process.version, botcap: BOTCAP_VERSION, ...(await packageVersions()) },
      },
      claude: claudeSection(
        fakes.claude.usage(),
        fakes.claude.calls({ since: 0, limit: Number.MAX_SAFE_INTEGER }),
        scrapes,
      ),
      database: databaseFigures(samples),
      sampledSeries: samplesToSeries(samples, scenario.timeScale),
    });
    if (crashes.length > 0) result.error = `${crashes.join('; ')}; see its log in the run's log directory`;
    result.thresholds = evaluateThresholds(result, thresholds);
    return result;
  } catch (error) {
    // Ctrl-C while starting tears components down under whatever was using them: say that, not what broke.
    if (abort.signal.aborted && !(error instanceof EnvironmentStopped)) {
      throw new EnvironmentStopped(`stopped while starting: ${error instanceof Error ? error.message : String(error)}`);
    }
    throw error;
  } finally {
    clearTimeout(killTimer);
    options.onStage?.({ type: 'teardown' });
    await cron?.stop().catch(() => undefined);
    await sampler?.stop().catch(() => undefined);
    await fleet?.close().catch(() => undefined);
    await fakes?.close().catch(() => undefined);
    env.signal.removeEventListener('abort', onAbort);
    options.signal?.removeEventListener('abort', onAbort);
    // A teardown problem is reported, not thrown: it must not cost the caller the result of a finished run.
    await env.stop().catch((error: unknown) => {
      options.onStage?.({ type: 'teardown-error', message: error instanceof Error ? error.message : String(error) });
    });
  }
}

async function gitCommitField(): Promise<{ gitCommit?: string }> {
  const commit = await gitCommit();
  return commit === undefined ? {} : { gitCommit: commit };
}
