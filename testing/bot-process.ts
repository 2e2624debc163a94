import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { BotReadyLine } from '../bot/launch.ts';
import { botProcessCommand } from '../bot/launch.ts';
import type { Backends } from './bot-harness.ts';

/** A `botcap bot` child process, as an orchestrator or an operator runs it. */
export interface BotProcess {
  readonly child: ChildProcess;
  /** The ready line it printed (undefined when started with `waitReady: false`). */
  readonly ready: BotReadyLine | undefined;
  /** Everything it wrote on stderr so far (its JSON log lines and any crash report). */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The environment that points a `botcap bot` at the test's backends (overridable per test). */
export function botEnv(backends: Backends, databaseUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BOT_TOKEN: backends.telegram.tokens[0],
    TELEGRAM_API_ROOT: backends.telegram.url,
    DATABASE_URL: databaseUrl,
    ANTHROPIC_BASE_URL: backends.claude.url,
    ANTHROPIC_API_KEY: 'sk-ant-process-test',
    PORT: '0',
    BOTCAP_SCHEDULER_ENABLED: 'false',
    BOTCAP_OBSERVABILITY_HTTP_PORT: '0',
    ...extra,
  };
}

/**
 * Starts `botcap bot` with `args` and `env` and (by default) waits for its ready line; rejects with its stderr
 * when it exits first.
 *
 * @example
 * const bot = await startBotProcess(['--telegram-transport', 'polling'], botEnv(backends, url));
 * expect(bot.alive()).toBe(true);
 * await bot.stop();
 */
export async function startBotProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { waitReady?: boolean } = {},
): Promise<BotProcess> {
  const { command, args: argv } = botProcessCommand(args);
  const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exitedWith: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = code ?? signal ?? 'unknown';
      resolve(exitedWith);
    });
  });
  let ready: BotReadyLine | undefined;
  if (options.waitReady ?? true) {
    const lines = createInterface({ input: child.stdout! });
    const [first] = (await Promise.race([
      once(lines, 'line'),
      exited.then((code) => {
        throw new Error(`botcap bot exited (${code}) before it was ready:\n${stderr}`);
      }),
    ])) as [string];
    ready = JSON.parse(first) as BotReadyLine;
  }
  return {
    child,
    ready,
    stderr: () => stderr,
    exited,
    alive: () => exitedWith === undefined,
    async stop(signal = 'SIGTERM') {
      if (exitedWith === undefined) child.kill(signal);
      return exited;
    },
  };
}
