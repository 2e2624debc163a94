import { BOT_READY_LINE, botProcessCommand } from '../bot/launch.ts';
import { EnvironmentError } from '../common/errors.ts';
import type { KillTarget } from '../contracts/run-result.ts';
import {
  BOT_CONTRACT_DEFAULTS,
  type BotEnvInput,
  botCommandSpec,
  botEnvironment,
  botSecrets,
  type Environment,
  freePort,
  type ManagedProcess,
} from '../environment/index.ts';
import type { FakeTelegram } from '../fakes/telegram/index.ts';
import type { ResolvedScenario } from '../scenarios/schema.ts';
import { type Balancer, type BalancerAffinity, startBalancer } from './balancer.ts';
import { knobEnvironment, resolveBotConfig } from './bot-config.ts';
import { awaitFirstPolls, awaitWebhookRegistration, registerWebhook, type WebhookRegistrar } from './bot-readiness.ts';
import { RUN_SCENARIO_DEFAULTS, type RunBotInfo } from './options.ts';

/** Which bot the run drives. */
export type BotKind = 'reference' | 'command' | 'url';

/** Everything a fleet needs from the rest of the run. */
export interface FleetOptions {
  scenario: ResolvedScenario;
  env: Environment;
  /** The bots' DATABASE_URL when not the environment's (through the network fault proxy). */
  databaseUrl?: string;
  telegram: FakeTelegram;
  claudeUrl: string;
  mcpUrl: string | undefined;
  /** The fake error ingestion's DSN, given to the reference bot as its Sentry DSN; undefined when not started. */
  ingestDsn?: string | undefined;
  /** Shared clock: real epoch ms at which simulated time is the scenario's start. */
  anchorRealMs: number;
  startAtIso: string;
  botCommand?: string;
  /** `bin/botcap.js` of the checkout whose reference bot runs (RunScenarioOptions.referenceBotBin). */
  referenceBotBin?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  signal: AbortSignal;
}

/** The bots of a run, however they were started. */
export interface BotFleet {
  kind: BotKind;
  /** The variables each instance was given (the first instance's, for the result's config description). */
  firstEnv: Readonly<Record<string, string>> | undefined;
  /** Who registered the webhook the fake delivers to; undefined when the bots poll. */
  webhookRegisteredBy: WebhookRegistrar | undefined;
  /** Live instances with their /metrics, for the sampler (read each tick: a killed one disappears). */
  metricsTargets(): Array<{ instance: string; url: string }>;
  info(): RunBotInfo[];
  /**
   * SIGKILLs the last live bot instance (takes it out of the balancer), or queue-worker's scheduler worker;
   * its name, or undefined if none.
   */
  killOne(target?: KillTarget): Promise<string | undefined>;
  /** Bot instances still running (the scheduler worker is not one). */
  upCount(): number;
  /** Calls `listener` when an instance exits that botcap did not stop or kill (a crash), with its last output. */
  onCrash(listener: (crash: BotCrash) => void): void;
  close(): Promise<void>;
}

/** An instance that exited on its own during the run. */
export interface BotCrash {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Its last output lines, redacted. */
  lastLines: string[];
}

interface Instance {
  name: string;
  /** A bot instance, or the dedicated scheduler worker of queue-worker (no updates, no /metrics sampled). */
  role: 'bot' | KillTarget;
  managed: ManagedProcess | undefined;
  httpUrl: string | undefined;
  /** Where the balancer sends webhook deliveries for this instance (scheme, host, port). */
  webhookBase: string | undefined;
}

/** What the steps of starting a fleet share; the fleet handle reads it for the rest of the run. */
interface FleetParts {
  readonly options: FleetOptions;
  readonly kind: BotKind;
  readonly token: string;
  readonly webhook: boolean;
  readonly instances: Instance[];
  /** The balancer in front of webhook instances: Telegram posts to one URL, as in any real deployment. */
  front: Balancer | undefined;
  firstEnv: Record<string, string> | undefined;
  webhookRegisteredBy: WebhookRegistrar | undefined;
}

/**
 * Starts the bots the run drives: N reference bots (`botcap bot` children with the scenario's knobs), N
 * instances of the user's `--bot-cmd`, or nothing for `--webhook-url` (the fake then delivers there). Webhook
 * instances sit behind botcap's balancer, and the fake delivers every webhook there keeping the path the bot
 * registered (see environment/README.md, "The bot contract"); every instance shares the clock anchor.
 *
 * @example
 * const fleet = await startBotFleet({ scenario, env, telegram, claudeUrl, mcpUrl, anchorRealMs, startAtIso, signal });
 */
export async function startBotFleet(options: FleetOptions): Promise<BotFleet> {
  const parts = fleetParts(options);
  try {
    if (parts.kind === 'url') {
      await driveRunningBot(parts);
    } else {
      if (parts.webhook) parts.front = await startFront(options.telegram, options.scenario.bot.balancerAffinity);
      parts.instances.push(...(await startInstances(parts)));
      parts.front?.setBackends(webhookBackends(parts.instances));
      if (parts.kind === 'command') await awaitCommandBots(parts);
    }
    return fleetHandle(parts);
  } catch (error) {
    await closeParts(parts);
    throw error;
  }
}

function fleetParts(options: FleetOptions): FleetParts {
  return {
    options,
    kind: options.webhookUrl ? 'url' : options.botCommand ? 'command' : 'reference',
    token: options.telegram.tokens[0]!,
    webhook: options.scenario.bot.transport === 'webhook',
    instances: [],
    front: undefined,
    firstEnv: undefined,
    webhookRegisteredBy: undefined,
  };
}

/** `--webhook-url`: a bot botcap did not start, registered where the operator said. */
async function driveRunningBot(parts: FleetParts): Promise<void> {
  const { telegram, webhookUrl, webhookSecret } = parts.options;
  await registerWebhook(telegram, parts.token, webhookUrl!, webhookSecret);
  parts.webhookRegisteredBy = 'webhook-url';
  parts.instances.push({ name: 'bot-1', role: 'bot', managed: undefined, httpUrl: undefined, webhookBase: undefined });
}

/**
 * The balancer, and the fake routed to it: whatever URL a bot registers (its own path, an https:// URL), the
 * fake delivers to the balancer with that path, as DNS and a TLS-terminating load balancer do in production.
 */
async function startFront(telegram: FakeTelegram, affinity: BalancerAffinity): Promise<Balancer> {
  const front = await startBalancer({ backends: [], affinity });
  telegram.routeWebhooks(front.url);
  return front;
}

function startInstances(parts: FleetParts): Promise<Instance[]> {
  const names = Array.from({ length: parts.options.scenario.bot.instances }, (_, i) => `bot-${i + 1}`);
  const bots = names.map((name) =>
    parts.kind === 'reference' ? startReferenceInstance(parts, name) : startCommandInstance(parts, name),
  );
  // queue-worker: the one scheduler worker runs beside the instances, as its own process (same binary, role worker).
  const worker =
    parts.kind === 'reference' && resolveBotConfig(parts.options.scenario).scheduler.strategy === 'queue-worker'
      ? [startSchedulerWorker(parts)]
      : [];
  return Promise.all([...bots, ...worker]);
}

/** queue-worker's dedicated scheduler: `botcap bot` with `scheduler.role: 'worker'`, no webhook, not balanced. */
async function startSchedulerWorker(parts: FleetParts): Promise<Instance> {
  const { options } = parts;
  const name: KillTarget = 'scheduler-worker';
  const input = contractInput(parts, name, undefined);
  const managed = await options.env.startProcess({
    name,
    ...botProcessCommand([], options.referenceBotBin),
    env: { ...referenceEnv(options, input, undefined), BOTCAP_SCHEDULER_ROLE: 'worker' },
    secrets: botSecrets(input),
    ready: { kind: 'line', pattern: BOT_READY_LINE },
    readyTimeoutMs: RUN_SCENARIO_DEFAULTS.botReadyTimeoutMs,
    stopGraceMs: RUN_SCENARIO_DEFAULTS.botStopGraceMs,
  });
  return { name, role: name, managed, httpUrl: readyLine(managed).http, webhookBase: undefined };
}

/** The contract's inputs for one instance (environment/bot-env.ts). */
function contractInput(parts: FleetParts, name: string, port: number | undefined): BotEnvInput {
  const { options } = parts;
  return {
    botToken: parts.token,
    telegramApiRoot: options.telegram.url,
    anthropicBaseUrl: options.claudeUrl,
    anthropicApiKey: RUN_SCENARIO_DEFAULTS.anthropicApiKey,
    databaseUrl: options.databaseUrl ?? options.env.databaseUrl,
    redisUrl: options.env.redis?.url,
    port,
    webhookSecret: parts.webhook ? RUN_SCENARIO_DEFAULTS.webhookSecret : undefined,
    instanceId: name,
    timeScale: options.scenario.timeScale,
  };
}

function clockEnvironment(options: FleetOptions): Record<string, string> {
  return { BOTCAP_TIME_ANCHOR_REAL_MS: String(options.anchorRealMs), BOTCAP_TIME_START_AT: options.startAtIso };
}

/** One instance of the user's `--bot-cmd`: ready when it listens on its PORT (webhook) or when it is spawned. */
async function startCommandInstance(parts: FleetParts, name: string): Promise<Instance> {
  const { options } = parts;
  const port = parts.webhook ? await freePort() : undefined;
  const input = contractInput(parts, name, port);
  const spec = botCommandSpec({
    name,
    commandLine: options.botCommand!,
    bot:
      parts.front === undefined
        ? input
        : { ...input, webhookUrl: `${parts.front.url}${BOT_CONTRACT_DEFAULTS.webhookPath}` },
    readyTimeoutMs: RUN_SCENARIO_DEFAULTS.botReadyTimeoutMs,
    ...(port === undefined ? {} : { ready: { kind: 'port' as const, port } }),
  });
  const managed = await options.env.startProcess({
    ...spec,
    env: { ...spec.env, ...clockEnvironment(options) },
    stopGraceMs: RUN_SCENARIO_DEFAULTS.botStopGraceMs,
  });
  const base = port === undefined ? undefined : `http://127.0.0.1:${port}`;
  return { name, role: 'bot', managed, httpUrl: base, webhookBase: base };
}

/** One reference bot (`botcap bot`): ready when it prints its ready line, which names its HTTP server. */
async function startReferenceInstance(parts: FleetParts, name: string): Promise<Instance> {
  const { options } = parts;
  const input = contractInput(parts, name, parts.webhook ? 0 : undefined);
  const env = referenceEnv(options, input, parts.front);
  parts.firstEnv ??= env;
  const managed = await options.env.startProcess({
    name,
    // `node bin/botcap.js bot` of this checkout (or referenceBotBin's), with the heap flags that keep an instance
    // in its memory budget.
    ...botProcessCommand([], options.referenceBotBin),
    env,
    secrets: botSecrets(input),
    ready: { kind: 'line', pattern: BOT_READY_LINE },
    readyTimeoutMs: RUN_SCENARIO_DEFAULTS.botReadyTimeoutMs,
    stopGraceMs: RUN_SCENARIO_DEFAULTS.botStopGraceMs,
  });
  const ready = readyLine(managed);
  return {
    name,
    role: 'bot',
    managed,
    httpUrl: ready.http,
    // One server serves the webhook, /metrics and /healthz; `webhook` is the public (balancer) URL.
    webhookBase: parts.webhook ? new URL(ready.http).origin : undefined,
  };
}

/** The reference bot's environment: the contract's variables, the scenario's knobs, and the run's own settings. */
function referenceEnv(options: FleetOptions, input: BotEnvInput, front: Balancer | undefined): Record<string, string> {
  const { scenario, mcpUrl } = options;
  const knobs = knobEnvironment(scenario.bot.config);
  const contract: Record<string, string> = {};
  for (const [key, value] of Object.entries(botEnvironment(input)))
    if (typeof value === 'string') contract[key] = value;
  const path = knobs.BOTCAP_TELEGRAM_WEBHOOK_PATH ?? '/telegram';
  return {
    BOTCAP_OBSERVABILITY_LOG_LEVEL: RUN_SCENARIO_DEFAULTS.botLogLevel,
    ...knobs,
    ...contract,
    ...clockEnvironment(options),
    BOTCAP_TELEGRAM_TRANSPORT: scenario.bot.transport,
    BOTCAP_OBSERVABILITY_HTTP_PORT: '0',
    // The orchestrator migrated and seeded the database before any instance started.
    BOTCAP_DATABASE_MIGRATE: 'false',
    ...(mcpUrl === undefined ? {} : { BOTCAP_MCP_URL: mcpUrl }),
    ...(options.ingestDsn === undefined ? {} : { BOTCAP_OBSERVABILITY_SENTRY_DSN: options.ingestDsn }),
    ...(front === undefined ? {} : { BOTCAP_TELEGRAM_WEBHOOK_PUBLIC_URL: `${front.url}${path}` }),
  };
}

function readyLine(managed: ManagedProcess): { http: string; webhook?: string } {
  const line = managed.recentOutput().findLast((l) => BOT_READY_LINE.test(l));
  if (line === undefined) throw new EnvironmentError(`${managed.name} printed no ready line`);
  return JSON.parse(line) as { http: string; webhook?: string };
}

/**
 * A `--bot-cmd` bot is ready by what the fake sees: a polling one once its getUpdates calls arrive, a
 * webhook one once it registered its webhook - or, just before the load starts, botcap registers `WEBHOOK_URL`
 * for it, as an operator would.
 */
async function awaitCommandBots(parts: FleetParts): Promise<void> {
  const { telegram, signal, anchorRealMs } = parts.options;
  const processes = parts.instances.flatMap((i) => (i.managed === undefined ? [] : [i.managed]));
  const common = { telegram, token: parts.token, processes, signal };
  if (parts.front === undefined) {
    await awaitFirstPolls({ ...common, timeoutMs: RUN_SCENARIO_DEFAULTS.botReadyTimeoutMs });
    return;
  }
  parts.webhookRegisteredBy = await awaitWebhookRegistration({
    ...common,
    loadStartRealMs: anchorRealMs,
    fallbackUrl: `${parts.front.url}${BOT_CONTRACT_DEFAULTS.webhookPath}`,
    secret: RUN_SCENARIO_DEFAULTS.webhookSecret,
  });
}

function webhookBackends(instances: readonly Instance[]): string[] {
  return instances.flatMap((i) => (i.webhookBase === undefined ? [] : [i.webhookBase]));
}

function liveInstances(parts: FleetParts, role: Instance['role'] = 'bot'): Instance[] {
  return parts.instances.filter((i) => i.role === role && (i.managed === undefined || i.managed.running));
}

async function closeParts(parts: FleetParts): Promise<void> {
  await Promise.allSettled(parts.instances.map((i) => i.managed?.stop()));
  await parts.front?.close();
}

/** The started fleet as the run uses it. */
function fleetHandle(parts: FleetParts): BotFleet {
  return {
    kind: parts.kind,
    firstEnv: parts.firstEnv,
    webhookRegisteredBy: parts.webhookRegisteredBy,
    metricsTargets: () =>
      liveInstances(parts).flatMap((i) =>
        i.httpUrl === undefined ? [] : [{ instance: i.name, url: `${i.httpUrl}/metrics` }],
      ),
    info: () =>
      parts.instances.map((i) => ({
        name: i.name,
        pid: i.managed?.pid,
        metricsUrl: i.httpUrl === undefined ? undefined : `${i.httpUrl}/metrics`,
      })),
    async killOne(target = 'bot-instance') {
      const victim = liveInstances(parts, target === 'bot-instance' ? 'bot' : target)
        .filter((i) => i.managed !== undefined)
        .at(-1);
      if (victim === undefined) return undefined;
      await victim.managed!.kill('SIGKILL');
      // A real balancer's health check takes a dead backend out; this one does it at once.
      parts.front?.setBackends(webhookBackends(liveInstances(parts)));
      return victim.name;
    },
    upCount: () => liveInstances(parts).length,
    onCrash(listener) {
      for (const instance of parts.instances) {
        const managed = instance.managed;
        void managed?.exited().then((exit) => {
          if (exit.expected) return;
          listener({
            name: instance.name,
            code: exit.code,
            signal: exit.signal,
            lastLines: managed.recentOutput().slice(-8),
          });
        });
      }
    },
    close: () => closeParts(parts),
  };
}
