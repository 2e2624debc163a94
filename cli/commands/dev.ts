import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BOT_READY_LINE, botProcessCommand } from '../../bot/launch.ts';
import { ConfigError } from '../../common/errors.ts';
import { Environment, freePort, type ManagedProcess } from '../../environment/index.ts';
import { FAKE_CLAUDE_DEFAULTS, LATENCY_PROFILES } from '../../fakes/claude/index.ts';
import { FAKE_TELEGRAM_DEFAULTS } from '../../fakes/telegram/index.ts';
import { createDevChat, DEV_CHAT_DEFAULTS, type DevChat, formatBotMessage } from './dev-chat.ts';
import { startFakes } from './fakes.ts';

/** The flags of `botcap dev` after parsing; every field optional, defaults in {@link DEV_DEFAULTS}. */
export interface DevOptions {
  /** Run `bot/examples/<NN>-*.ts` instead of the reference bot, e.g. '03'. */
  example?: string;
  transport?: 'polling' | 'webhook';
  /** Lines to send, one after another, instead of reading them from the terminal. */
  say?: string[];
  userId?: number;
  /** An existing PostgreSQL server; dev creates its own database there and drops it at the end. Default: embedded. */
  databaseUrl?: string;
  /** Fake Claude's latency profile: `realistic` answers in seconds like the real API, `zero` at once. */
  latency?: keyof typeof LATENCY_PROFILES;
  telegramPort?: number;
  claudePort?: number;
  /** Where the bot's log files go. Default: a temp dir, removed when dev ends. */
  logDir?: string;
  /** Install SIGINT/SIGTERM handlers (the CLI). Default true; tests running dev in-process say false. */
  handleSignals?: boolean;
}

export const DEV_DEFAULTS = {
  transport: 'polling',
  latency: FAKE_CLAUDE_DEFAULTS.latency,
  telegramPort: 0,
  claudePort: 0,
  /** A bot started through tsx (an example) takes a few seconds; the reference bot is prebuilt. */
  readyTimeoutMs: 60_000,
} as const;

/** The examples of bot/examples, by number: `{ '01': '/…/bot/examples/01-sessions.ts', … }`. */
export function devExamples(): Record<string, string> {
  const dir = fileURLToPath(new URL('../../bot/examples/', import.meta.url));
  const files = readdirSync(dir).filter((name) => /^\d{2}-[\w-]+\.ts$/.test(name) && !name.endsWith('.test.ts'));
  return Object.fromEntries(files.map((name) => [name.slice(0, 2), `${dir}${name}`]));
}

/** A running dev stack: PostgreSQL, the fakes and one bot, and how to reach them. */
export interface DevStack {
  telegramUrl: string;
  claudeUrl: string;
  /** The bot's database URL with the password masked. */
  databaseSafeUrl: string;
  /** What runs: 'the reference bot' or the example's file name. */
  botName: string;
  bot: ManagedProcess;
  /** The bot's log files. */
  logFiles: string[];
  stop(): Promise<void>;
}

/**
 * Starts what `botcap dev` talks to, with the same starters a capacity run uses: PostgreSQL (embedded, or a
 * database on `databaseUrl`) through `Environment`, the fake Telegram, Claude and MCP servers through
 * `startFakes` (`botcap fakes`), and one bot process - the reference bot (`botcap bot`) or an example. The bot
 * gets only the addresses: its default token and API key are the ones the fakes accept.
 *
 * @example
 * const stack = await startDevStack({ latency: 'zero', handleSignals: false });
 * const chat = createDevChat({ telegramUrl: stack.telegramUrl });
 * console.log(await chat.say('/start'));
 * await stack.stop();
 */
export async function startDevStack(
  options: DevOptions = {},
  progress: (line: string) => void = () => {},
): Promise<DevStack> {
  const examples = devExamples();
  const exampleFile = options.example === undefined ? undefined : examples[options.example];
  if (options.example !== undefined && exampleFile === undefined) {
    throw new ConfigError(
      `no example ${options.example}: pick one of ${Object.keys(examples).join(', ')} (bot/examples)`,
    );
  }
  const transport = options.transport ?? DEV_DEFAULTS.transport;
  progress('starting PostgreSQL...');
  const env = await Environment.start({
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
    handleSignals: options.handleSignals ?? true,
  });
  try {
    progress('starting the fakes...');
    const fakes = await startFakes({
      host: FAKE_TELEGRAM_DEFAULTS.host,
      telegramPort: options.telegramPort ?? DEV_DEFAULTS.telegramPort,
      claudePort: options.claudePort ?? DEV_DEFAULTS.claudePort,
      mcpPort: 0,
      token: [],
      seed: FAKE_CLAUDE_DEFAULTS.seed,
      timeScale: 1,
      latency: options.latency ?? DEV_DEFAULTS.latency,
      tier: FAKE_CLAUDE_DEFAULTS.tier,
      flood: true,
      floodPrivatePerS: FAKE_TELEGRAM_DEFAULTS.floodControl.privateChatPerS,
      floodGlobalPerS: FAKE_TELEGRAM_DEFAULTS.floodControl.globalPerS,
      floodGroupPerMin: FAKE_TELEGRAM_DEFAULTS.floodControl.groupPerMin,
    });
    const stopAll = async () => {
      await env.stop().catch(() => undefined);
      await fakes.stop();
    };
    try {
      const botName = exampleFile === undefined ? 'the reference bot' : basename(exampleFile);
      progress(`starting ${botName}...`);
      // The bot contract (environment/bot-env.ts) without BOT_TOKEN and ANTHROPIC_API_KEY: the bot's
      // defaults are the ones the fakes accept. PORT and WEBHOOK_SECRET serve a bot that takes webhooks.
      const secret = randomBytes(16).toString('hex');
      const addresses: Record<string, string> = {
        TELEGRAM_API_ROOT: fakes.ready.telegram,
        ANTHROPIC_BASE_URL: fakes.ready.claude,
        DATABASE_URL: env.databaseUrl,
        PORT: String(await freePort()),
        WEBHOOK_SECRET: secret,
        BOTCAP_INSTANCE_ID: 'dev',
      };
      const name = exampleFile === undefined ? 'bot' : `example-${options.example}`;
      const bot = await env.startProcess({
        name,
        ...(exampleFile === undefined
          ? botProcessCommand()
          : { command: process.execPath, args: ['--import', import.meta.resolve('tsx/esm'), exampleFile] }),
        env: {
          ...addresses,
          BOTCAP_TELEGRAM_TRANSPORT: transport,
          // /metrics and /healthz on a free port: several dev stacks (or a real bot) may run side by side.
          BOTCAP_OBSERVABILITY_HTTP_PORT: '0',
        },
        secrets: [secret, decodeURIComponent(new URL(env.databaseUrl).password)].filter(Boolean),
        ready: { kind: 'line', pattern: exampleFile === undefined ? BOT_READY_LINE : /^ready: / },
        readyTimeoutMs: DEV_DEFAULTS.readyTimeoutMs,
      });
      return {
        telegramUrl: fakes.ready.telegram,
        claudeUrl: fakes.ready.claude,
        databaseSafeUrl: env.postgres.safeUrl,
        botName,
        bot,
        logFiles: ['out', 'err'].map((stream) => `${env.logDir}/${name}.${stream}.log`),
        stop: stopAll,
      };
    } catch (error) {
      await stopAll();
      throw error;
    }
  } catch (error) {
    await env.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * What `botcap dev` prints once everything runs: the addresses, and how to talk to the bot from here or from
 * another terminal with curl (the fake Telegram's control API, fakes/telegram/README.md).
 *
 * @example
 * process.stdout.write(devBanner(stack, 42));
 */
export function devBanner(stack: DevStack, userId: number): string {
  const tg = stack.telegramUrl;
  return [
    `botcap dev: ${stack.botName} is running, with PostgreSQL and the fake Telegram and Claude.`,
    `  fake Telegram  ${tg}`,
    `  fake Claude    ${stack.claudeUrl}`,
    `  PostgreSQL     ${stack.databaseSafeUrl}`,
    `  bot logs       ${stack.logFiles.join(', ')}`,
    'Talk to it here: type a message, a /command, or #N to press button N; Ctrl-D ends.',
    `Or from another terminal, as user ${userId}:`,
    `  curl -s ${tg}/control/updates -H 'content-type: application/json' -d '{"kind":"message","user_id":${userId},"text":"hello"}'`,
    `  curl -s '${tg}/control/message?chat_id=${userId}'   # the bot's last message to that user`,
    '',
  ].join('\n');
}

/** Sends each line and prints the exchange; `#N` errors and the like are reported and the chat goes on. */
async function converse(chat: DevChat, lines: AsyncIterable<string> | Iterable<string>, echo: boolean): Promise<void> {
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '/quit') return;
    if (echo) process.stdout.write(`you> ${line}\n`);
    try {
      const messages = await chat.say(line);
      if (messages.length === 0) process.stdout.write('(no answer yet; it may still come)\n');
      for (const message of messages) process.stdout.write(`${formatBotMessage(message)}\n`);
    } catch (error) {
      process.stderr.write(`botcap dev: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

const integerIn = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
  return n;
};
const collect = (value: string, previous: string[]) => [...previous, value];

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description(
      'start PostgreSQL, the fakes and one reference bot (or an example) with matching defaults, and talk to it as a user',
    )
    .addOption(new Option('--example <NN>', 'run bot/examples/<NN>-*.ts instead of the reference bot (01-06)'))
    .addOption(
      new Option('--transport <transport>', 'the reference bot’s transport')
        .choices(['polling', 'webhook'])
        .default(DEV_DEFAULTS.transport),
    )
    .addOption(
      new Option('--say <text>', 'send this line, print the answer (repeatable); then exit')
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option('--user-id <id>', 'the user talking')
        .argParser(integerIn(1, 2 ** 52))
        .default(DEV_CHAT_DEFAULTS.userId),
    )
    .addOption(
      new Option(
        '--database-url <url>',
        'use this PostgreSQL server instead of an embedded one (dev creates and drops its own database)',
      ),
    )
    .addOption(
      new Option('--latency <profile>', 'fake Claude latency: realistic (seconds, like the API) or zero')
        .choices(Object.keys(LATENCY_PROFILES))
        .default(DEV_DEFAULTS.latency),
    )
    .addOption(
      new Option('--telegram-port <port>', 'fake Telegram port, 0 = free').argParser(integerIn(0, 65_535)).default(0),
    )
    .addOption(
      new Option('--claude-port <port>', 'fake Claude port, 0 = free').argParser(integerIn(0, 65_535)).default(0),
    )
    .addOption(new Option('--log-dir <dir>', 'keep the bot’s logs here (default: a temp dir removed at the end)'))
    .action(async (options: DevOptions & { say: string[]; userId: number }) => {
      const stack = await startDevStack(options, (line) => process.stderr.write(`botcap dev: ${line}\n`));
      try {
        process.stdout.write(devBanner(stack, options.userId));
        const chat = createDevChat({ telegramUrl: stack.telegramUrl, userId: options.userId });
        if (options.say.length > 0) {
          await converse(chat, options.say, true);
          return;
        }
        const tty = process.stdin.isTTY === true;
        const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, prompt: 'you> ' });
        rl.on('SIGINT', () => rl.close());
        // While the user thinks, show what the bot sends on its own (a digest).
        const watcher = setInterval(() => {
          void chat.unprompted().then(
            (messages) => {
              for (const message of messages) process.stdout.write(`\n${formatBotMessage(message)}\n`);
              if (messages.length > 0 && tty) rl.prompt(true);
            },
            () => undefined,
          );
        }, 1_000);
        try {
          if (tty) rl.prompt();
          await converse(chat, promptAfterEach(rl, tty), !tty);
        } finally {
          clearInterval(watcher);
          rl.close();
        }
      } finally {
        process.stderr.write('botcap dev: stopping\n');
        await stack.stop();
      }
    });
}

/** The terminal's lines, showing the prompt again once each has been answered. */
async function* promptAfterEach(rl: ReturnType<typeof createInterface>, tty: boolean): AsyncGenerator<string> {
  for await (const line of rl) {
    yield line;
    if (tty) rl.prompt();
  }
}
