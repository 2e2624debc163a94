import { type Command, Option } from 'commander';
import { createBotApp } from '../../bot/app.ts';
import { BOT_KNOBS, type Knob, loadBotConfig } from '../../bot/config/index.ts';
import type { BotReadyLine } from '../../bot/launch.ts';
import { createSchedulerWorkerApp } from '../../bot/scheduler-worker.ts';

/** What `--help` says about a knob: its description, default (never a secret's) and env vars. */
export function knobHelp(knob: Knob): string {
  const shown = knob.secret || knob.defaultValue === undefined ? '' : `; default: ${JSON.stringify(knob.defaultValue)}`;
  // Some descriptions already name their conventional variable (BOT_TOKEN, DATABASE_URL...).
  const envs = [
    knob.env,
    knob.conventionalEnv && !knob.description.includes(knob.conventionalEnv) ? knob.conventionalEnv : '',
  ]
    .filter(Boolean)
    .join(' or ');
  return `${knob.description} (env ${envs}${shown})`;
}

/**
 * `botcap bot`: one instance of the reference bot. Every knob of BOT_KNOBS is a flag; env vars map
 * too (flags win). Logs go to stderr; stdout carries only the ready line. Exits on SIGTERM/SIGINT
 * after draining (a second signal exits at once).
 */
export function registerBot(program: Command): void {
  const command = program
    .command('bot')
    .description(
      'run one instance of the reference bot (Telegram + PostgreSQL + Claude); every knob is a flag or env var',
    );
  const attributeByPath = new Map<string, string>();
  for (const knob of BOT_KNOBS) {
    // No commander defaults: a default here would override the env var; the schema applies defaults.
    const option = new Option(`${knob.flag} <value>`, knobHelp(knob));
    if (knob.choices) option.choices([...knob.choices]);
    attributeByPath.set(knob.path, option.attributeName());
    command.addOption(option);
  }
  command.action(async (options: Record<string, string | undefined>) => {
    const flags: Record<string, string> = {};
    for (const [path, attribute] of attributeByPath) {
      const value = options[attribute];
      if (value !== undefined) flags[path] = value;
    }
    const config = loadBotConfig({ env: process.env, flags });
    // queue-worker's dedicated scheduler is the same binary with another role: no Telegram intake, it plans only.
    const worker = config.scheduler.role === 'worker';
    const app = worker ? createSchedulerWorkerApp(config) : createBotApp(config);
    try {
      await app.start();
    } catch (error) {
      await app.stop();
      throw error;
    }
    const ready: BotReadyLine = {
      instance: config.instanceId,
      transport: config.telegram.transport,
      http: app.httpUrl,
      ...(app.webhookUrl ? { webhook: app.webhookUrl } : {}),
      ...(worker ? { role: 'scheduler-worker' as const } : {}),
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    const failure = await Promise.race([untilSignal().then(() => undefined), app.failed]);
    await app.stop();
    // stop() is bounded and has let the work in flight finish; whatever still holds the event loop (a call to an
    // API that is gone, waiting out its timeout) is abandoned, so one SIGTERM ends the process.
    setTimeout(() => process.exit(), BOT_EXIT_AFTER_STOP_MS).unref();
    if (failure) throw failure;
  });
}

/** How long `botcap bot` lets the process end by itself after stop() before it exits anyway, real ms. */
const BOT_EXIT_AFTER_STOP_MS = 1_000;

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // A second signal while draining means "now": do not make the operator wait.
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(130));
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
