import { type Command, InvalidArgumentError, Option } from 'commander';
import { FAKE_CLAUDE_DEFAULTS, LATENCY_PROFILES, RATE_LIMIT_TIERS, startFakeClaude } from '../../fakes/claude/index.ts';
import { FAKE_MCP_DEFAULTS, startFakeMcp } from '../../fakes/mcp/index.ts';
import { FAKE_TELEGRAM_DEFAULTS, startFakeTelegram } from '../../fakes/telegram/index.ts';

/** The flags of `botcap fakes` after parsing. */
export interface FakesCommandOptions {
  host: string;
  telegramPort: number;
  claudePort: number;
  mcpPort: number;
  token: string[];
  seed: number;
  timeScale: number;
  latency: string;
  tier: string;
  flood: boolean;
  floodPrivatePerS: number;
  floodGlobalPerS: number;
  floodGroupPerMin: number;
}

/** What `botcap fakes` prints as its one JSON line when every server listens. */
export interface FakesReadyLine {
  telegram: string;
  claude: string;
  mcp: string;
  /** The bot tokens the fake Telegram accepts (a bot started by hand uses one as its BOT_TOKEN). */
  telegramTokens: string[];
}

const integerIn = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
  return n;
};
const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const collect = (value: string, previous: string[]) => [...previous, value];

const flood = FAKE_TELEGRAM_DEFAULTS.floodControl;

/**
 * Starts the fake Telegram, the fake Claude and the fake MCP server, prints one JSON line with their
 * URLs and the bot tokens the fake Telegram accepts, and runs until SIGINT/SIGTERM. Returns a `stop` so tests can run it in-process.
 *
 * @example
 * const { ready, stop } = await startFakes({ ...defaults, timeScale: 60 });
 */
export async function startFakes(
  options: FakesCommandOptions,
): Promise<{ ready: FakesReadyLine; stop: () => Promise<void> }> {
  const telegram = await startFakeTelegram({
    host: options.host,
    port: options.telegramPort,
    tokens: options.token.length > 0 ? options.token : undefined,
    timeScale: options.timeScale,
    floodControl: options.flood
      ? {
          enabled: true,
          privateChatPerS: options.floodPrivatePerS,
          globalPerS: options.floodGlobalPerS,
          groupPerMin: options.floodGroupPerMin,
        }
      : false,
  });
  const claude = await startFakeClaude({
    host: options.host,
    port: options.claudePort,
    seed: options.seed,
    timeScale: options.timeScale,
    latency: options.latency as keyof typeof LATENCY_PROFILES,
    tier: options.tier as keyof typeof RATE_LIMIT_TIERS,
  }).catch(async (error: unknown) => {
    await telegram.close();
    throw error;
  });
  const mcp = await startFakeMcp({
    host: options.host,
    port: options.mcpPort,
    seed: options.seed,
    timeScale: options.timeScale,
  }).catch(async (error: unknown) => {
    await Promise.all([telegram.close(), claude.close()]);
    throw error;
  });
  return {
    ready: { telegram: telegram.url, claude: claude.url, mcp: mcp.url, telegramTokens: [...telegram.tokens] },
    stop: async () => {
      await Promise.all([telegram.close(), claude.close(), mcp.close()]);
    },
  };
}

export function registerFakes(program: Command): void {
  program
    .command('fakes')
    .description(
      'start the fake Telegram Bot API, fake Claude API and fake MCP server; print one JSON line with their URLs and the bot tokens the fake Telegram accepts; stop on Ctrl-C',
    )
    .addOption(
      new Option('--host <host>', 'interface to bind (0.0.0.0 only inside a container)').default(
        FAKE_TELEGRAM_DEFAULTS.host,
      ),
    )
    .addOption(
      new Option('--telegram-port <port>', 'fake Telegram port, 0 = free').argParser(integerIn(0, 65_535)).default(0),
    )
    .addOption(
      new Option('--claude-port <port>', 'fake Claude port, 0 = free').argParser(integerIn(0, 65_535)).default(0),
    )
    .addOption(
      new Option('--mcp-port <port>', 'fake MCP port, 0 = free')
        .argParser(integerIn(0, 65_535))
        .default(FAKE_MCP_DEFAULTS.port),
    )
    .addOption(
      new Option(
        '--token <token>',
        `bot token the fake Telegram accepts (repeatable; default ${FAKE_TELEGRAM_DEFAULTS.token})`,
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option('--seed <n>', 'seed of replies, latencies and faults')
        .argParser(integerIn(-(2 ** 31), 2 ** 31 - 1))
        .default(FAKE_CLAUDE_DEFAULTS.seed),
    )
    .addOption(
      new Option('--time-scale <x>', 'simulated seconds per real second')
        .argParser(positiveNumber)
        .default(FAKE_CLAUDE_DEFAULTS.timeScale),
    )
    .addOption(
      new Option('--latency <profile>', 'fake Claude latency profile')
        .choices(Object.keys(LATENCY_PROFILES))
        .default(FAKE_CLAUDE_DEFAULTS.latency),
    )
    .addOption(
      new Option('--tier <tier>', 'fake Claude rate-limit tier')
        .choices(Object.keys(RATE_LIMIT_TIERS))
        .default(FAKE_CLAUDE_DEFAULTS.tier),
    )
    .addOption(new Option('--no-flood', 'turn off the fake Telegram flood control (429s)'))
    .addOption(
      new Option('--flood-private-per-s <n>', 'messages/s to one private chat')
        .argParser(positiveNumber)
        .default(flood.privateChatPerS),
    )
    .addOption(
      new Option('--flood-global-per-s <n>', 'messages/s for the bot overall')
        .argParser(positiveNumber)
        .default(flood.globalPerS),
    )
    .addOption(
      new Option('--flood-group-per-min <n>', 'messages/min to one group')
        .argParser(positiveNumber)
        .default(flood.groupPerMin),
    )
    .action(async (options: FakesCommandOptions) => {
      const { ready, stop } = await startFakes(options);
      process.stdout.write(`${JSON.stringify(ready)}\n`);
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await stop();
    });
}
