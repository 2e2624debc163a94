import { BOT_READY_LINE, botProcessCommand } from '../bot/launch.ts';
import { EnvironmentError } from '../common/errors.ts';
import {
  type BotEnvInput,
  botCommandSpec,
  botEnvironment,
  botSecrets,
  type Environment,
  freePort,
  type ManagedProcess,
  waitFor,
} from '../environment/index.ts';
import type { FakeTelegram } from '../fakes/telegram/index.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { type Balancer, startBalancer } from './balancer.ts';
import { knobEnvironment } from './bot-config.ts';
import { RUN_SCENARIO_DEFAULTS, type RunBotInfo } from './options.ts';

/** Which bot the run drives. */
export type BotKind = 'reference' | 'command' | 'url';

/** Everything a fleet needs from the rest of the run. */
export interface FleetOptions {
  scenario: Scenario;
  env: Environment;
  telegram: FakeTelegram;
  claudeUrl: string;
  mcpUrl: string | undefined;
  /** Shared clock: real epoch ms at which simulated time is the scenario's start. */
  anchorRealMs: number;
  startAtIso: string;
  botCommand?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  signal: AbortSignal;
}

/** The bots of a run, however they were started. */
export interface BotFleet {
  kind: BotKind;
  /** The variables each instance was given (the first instance's, for the result's config description). */
  firstEnv: Readonly<Record<string, string>> | undefined;
  /** Live instances with their /metrics, for the sampler (read each tick: a killed one disappears). */
  metricsTargets(): Array<{ instance: string; url: string }>;
  info(): RunBotInfo[];
  /** SIGKILLs the last live instance and takes it out of the balancer; its name, or undefined if none. */
  killOne(): Promise<string | undefined>;
  /** Instances still running. */
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
  managed: ManagedProcess | undefined;
  httpUrl: string | undefined;
  webhookBase: string | undefined;
}

/**
 * Starts the bots the run drives: N reference bots (`botcap bot` children with the scenario's knobs), the
 * user's `--bot-cmd`, or nothing for `--webhook-url` (the fake then delivers there). Webhook instances sit
 * behind the round-robin balancer, since Telegram posts to one URL; every instance shares the clock anchor.
 *
 * @example
 * const fleet = await startBotFleet({ scenario, env, telegram, claudeUrl, mcpUrl, anchorRealMs, startAtIso, signal });
 */
export async function startBotFleet(options: FleetOptions): Promise<BotFleet> {
  const { scenario, telegram } = options;
  const token = telegram.tokens[0]!;
  const webhook = scenario.bot.transport === 'webhook';
  const instances: Instance[] = [];
  let balancer: Balancer | undefined;
  const kind: BotKind = options.webhookUrl ? 'url' : options.botCommand ? 'command' : 'reference';

  const close = async () => {
    await Promise.allSettled(instances.map((i) => i.managed?.stop()));
    await balancer?.close();
  };
  const live = () => instances.filter((i) => i.managed === undefined || i.managed.running);
  const fleet: BotFleet = {
    kind,
    firstEnv: undefined,
    metricsTargets: () =>
      live().flatMap((i) => (i.httpUrl === undefined ? [] : [{ instance: i.name, url: `${i.httpUrl}/metrics` }])),
    info: () =>
      instances.map((i) => ({
        name: i.name,
        pid: i.managed?.pid,
        metricsUrl: i.httpUrl === undefined ? undefined : `${i.httpUrl}/metrics`,
      })),
    async killOne() {
      const victim = live()
        .filter((i) => i.managed !== undefined)
        .at(-1);
      if (victim === undefined) return undefined;
      await victim.managed!.kill('SIGKILL');
      // A real balancer's health check takes a dead backend out; this one does it at once.
      balancer?.setBackends(live().flatMap((i) => (i.webhookBase === undefined ? [] : [i.webhookBase])));
      return victim.name;
    },
    upCount: () => live().length,
    onCrash(listener) {
      for (const instance of instances) {
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
    close,
  };

  try {
    if (kind === 'url') {
      await setWebhook(telegram, token, options.webhookUrl!, options.webhookSecret);
      instances.push({ name: 'bot-1', managed: undefined, httpUrl: undefined, webhookBase: undefined });
      return fleet;
    }
    if (webhook && (kind === 'reference' || scenario.bot.instances > 1))
      balancer = await startBalancer({ backends: [] });
    const names = Array.from({ length: scenario.bot.instances }, (_, i) => `bot-${i + 1}`);
    const secret = RUN_SCENARIO_DEFAULTS.webhookSecret;
    const started = await Promise.all(
      names.map(async (name): Promise<Instance> => {
        const port = webhook ? (kind === 'reference' ? 0 : await freePort()) : undefined;
        const input: BotEnvInput = {
          botToken: token,
          telegramApiRoot: telegram.url,
          anthropicBaseUrl: options.claudeUrl,
          anthropicApiKey: RUN_SCENARIO_DEFAULTS.anthropicApiKey,
          databaseUrl: options.env.databaseUrl,
          redisUrl: options.env.redis?.url,
          port,
          webhookSecret: webhook ? secret : undefined,
          instanceId: name,
          timeScale: scenario.timeScale,
        };
        const clockEnv = {
          BOTCAP_TIME_ANCHOR_REAL_MS: String(options.anchorRealMs),
          BOTCAP_TIME_START_AT: options.startAtIso,
        };
        if (kind === 'command') {
          const spec = botCommandSpec({
            name,
            commandLine: options.botCommand!,
            bot: input,
            readyTimeoutMs: RUN_SCENARIO_DEFAULTS.botReadyTimeoutMs,
            ...(port === undefined ? {} : { ready: { kind: 'port' as const, port } }),
          });
          const managed = await options.env.startProcess({
            ...spec,
            env: { ...spec.env, ...clockEnv },
            stopGraceMs: RUN_SCENARIO_DEFAULTS.botStopGraceMs,
          });
          const base = port === undefined ? undefined : `http://127.0.0.1:${port}`;
          return { name, managed, httpUrl: base, webhookBase: base };
        }
        const env = referenceEnv(scenario, input, clockEnv, options.mcpUrl, balancer);
        fleet.firstEnv ??= env;
        const managed = await options.env.startProcess({
          name,
          // `node bin/botcap.js bot` of this checkout, with the heap flags that keep an instance in its memory budget.
          ...botProcessCommand(),
          env,
          secrets: botSecrets(input),
          ready: { kind: 'line', pattern: BOT_READY_LINE },
          readyTimeoutMs: RUN_SCENARIO_DEFAULTS.botReadyTimeoutMs,
          stopGraceMs: RUN_SCENARIO_DEFAULTS.botStopGraceMs,
        });
        const ready = readyLine(managed);
        return {
          name,
          managed,
          httpUrl: ready.http,
          // One server serves the webhook, /metrics and /healthz; `webhook` is the public (balancer) URL.
          webhookBase: webhook ? new URL(ready.http).origin : undefined,
        };
      }),
    );
    instances.push(...started);
    balancer?.setBackends(instances.flatMap((i) => (i.webhookBase === undefined ? [] : [i.webhookBase])));
    if (kind === 'command') {
      if (webhook) {
        const url = balancer === undefined ? `${instances[0]!.webhookBase}/` : `${balancer.url}/`;
        await setWebhook(telegram, token, url, secret);
      } else {
        // A polling bot is ready once it polls.
        await waitFor(
          'the bot polling getUpdates',
          async () => telegram.calls({ method: 'getUpdates', limit: 1 }).length > 0,
          {
            timeoutMs: RUN_SCENARIO_DEFAULTS.botReadyTimeoutMs,
            signal: options.signal,
          },
        );
      }
    }
    return fleet;
  } catch (error) {
    await close();
    throw error;
  }
}

/** The reference bot's environment: the contract's variables, the scenario's knobs, and the run's own settings. */
function referenceEnv(
  scenario: Scenario,
  input: BotEnvInput,
  clockEnv: Record<string, string>,
  mcpUrl: string | undefined,
  balancer: Balancer | undefined,
): Record<string, string> {
  const knobs = knobEnvironment(scenario.bot.config);
  const contract: Record<string, string> = {};
  for (const [key, value] of Object.entries(botEnvironment(input)))
    if (typeof value === 'string') contract[key] = value;
  const path = knobs.BOTCAP_TELEGRAM_WEBHOOK_PATH ?? '/telegram';
  return {
    BOTCAP_OBSERVABILITY_LOG_LEVEL: RUN_SCENARIO_DEFAULTS.botLogLevel,
    ...knobs,
    ...contract,
    ...clockEnv,
    BOTCAP_TELEGRAM_TRANSPORT: scenario.bot.transport,
    BOTCAP_OBSERVABILITY_HTTP_PORT: '0',
    // The orchestrator migrated and seeded the database before any instance started.
    BOTCAP_DATABASE_MIGRATE: 'false',
    ...(mcpUrl === undefined ? {} : { BOTCAP_MCP_URL: mcpUrl }),
    ...(balancer === undefined ? {} : { BOTCAP_TELEGRAM_WEBHOOK_PUBLIC_URL: `${balancer.url}${path}` }),
  };
}

function readyLine(managed: ManagedProcess): { http: string; webhook?: string } {
  const line = managed.recentOutput().findLast((l) => BOT_READY_LINE.test(l));
  if (line === undefined) throw new EnvironmentError(`${managed.name} printed no ready line`);
  return JSON.parse(line) as { http: string; webhook?: string };
}

/** Registers a webhook on the fake through its Bot API, as a bot or an operator would. */
async function setWebhook(
  telegram: FakeTelegram,
  token: string,
  url: string,
  secret: string | undefined,
): Promise<void> {
  const response = await fetch(`${telegram.url}/bot${token}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url, ...(secret === undefined ? {} : { secret_token: secret }) }),
  });
  const body = (await response.json()) as { ok: boolean; description?: string };
  if (!body.ok) throw new EnvironmentError(`setWebhook ${url} on the fake Telegram failed: ${body.description}`);
}
