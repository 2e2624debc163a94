import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeClaude } from '../fakes/claude/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { type Backends, BotHarness, startBackends } from '../testing/bot-harness.ts';
import { type BotProcess, botEnv, startBotProcess } from '../testing/bot-process.ts';
import { waitFor } from '../testing/wait.ts';
import { BOT_APP_DEFAULTS } from './app.ts';
import type { Assistant } from './llm/index.ts';

/**
 * The reference bot when Telegram misbehaves: unreachable at start, a second poller (409), flood control (429),
 * and gone altogether at shutdown. Bounded retries that honour the flags, one clear line when it gives up,
 * and one SIGTERM is enough.
 */
let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends?.stop());

let bot: BotProcess | undefined;
afterEach(async () => {
  await bot?.stop('SIGKILL');
  bot = undefined;
});

/** A TCP server that closes every connection at once (an API root that is down), counting the attempts. */
async function closingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The last line a process wrote on stderr that is not a JSON log line: what an operator reads. */
const lastPlainLine = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('{'))
    .at(-1);

describe('an unreachable Bot API', () => {
  it('fails the start after --telegram-api-retry-attempts retries, with one clear line and exit code 1', async () => {
    const down = await closingServer();
    try {
      const databaseUrl = await backends.postgres.createDatabase();
      bot = await startBotProcess(
        ['--telegram-api-root', down.url, '--telegram-api-retry-attempts', '2'],
        botEnv(backends, databaseUrl),
        { waitReady: false },
      );
      expect(await bot.exited).toBe(1);
      // getMe: the first attempt and two retries, no more.
      expect(down.connections()).toBe(3);
      expect(lastPlainLine(bot.stderr())).toMatch(new RegExp(`^botcap: the Bot API at ${down.url} refused getMe`));
      expect(bot.stderr()).not.toContain(backends.telegram.tokens[0]!);
    } finally {
      await down.close();
    }
  });
});

/** A second poller on the bot's token: each of its getUpdates terminates the bot's waiting one with 409. */
function rogueGetUpdates(fake: FakeTelegram): { stop: () => Promise<void>; polls: () => number } {
  let running = true;
  let polls = 0;
  const loop = (async () => {
    while (running) {
      polls += 1;
      await fetch(`${fake.url}/bot${fake.tokens[0]}/getUpdates?timeout=1`).then(
        (response) => response.text(),
        () => undefined,
      );
    }
  })();
  return {
    polls: () => polls,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('409 Conflict: another poller on the token', () => {
  it('a short overlap (a rolling deploy) is waited out: the bot stays up and answers', async () => {
    const databaseUrl = await backends.postgres.createDatabase();
    bot = await startBotProcess(['--instance-id', 'bot-409'], botEnv(backends, databaseUrl));
    const rogue = rogueGetUpdates(backends.telegram);
    await waitFor('the bot to meet the other poller', () => bot!.stderr().includes('409 Conflict'), 20_000);
    await rogue.stop();
    expect(bot.alive()).toBe(true);
    const user = 8101;
    const since = backends.telegram.nowMs();
    backends.telegram.inject({ kind: 'command', user_id: user, command: 'help' });
    expect(await backends.telegram.waitForReply({ chat_id: user, since_ms: since, timeout_ms: 30_000 })).not.toBeNull();
    expect(bot.stderr()).not.toMatch(/GrammyError|Unhandled|uncaught/i);
  });

  it('a second poller that stays: the bot exits 1 after --telegram-poll-give-up-s, saying why', async () => {
    const databaseUrl = await backends.postgres.createDatabase();
    bot = await startBotProcess(
      ['--instance-id', 'bot-409-stays', '--telegram-poll-give-up-s', '3'],
      botEnv(backends, databaseUrl),
    );
    const rogue = rogueGetUpdates(backends.telegram);
    try {
      expect(await bot.exited).toBe(1);
    } finally {
      await rogue.stop();
    }
    expect(lastPlainLine(bot.stderr())).toMatch(/^botcap: Telegram answered 409 Conflict.*only one poller per token/i);
    expect(bot.stderr()).not.toMatch(/Unhandled|uncaught|at .*\.js:\d+/i);
  });
});

describe('shutdown with the fakes gone', () => {
  it('one SIGTERM ends the process within its grace period', async () => {
    const telegram = await startFakeTelegram({ floodControl: false });
    const claude = await startFakeClaude({ latency: 'zero' });
    const databaseUrl = await backends.postgres.createDatabase();
    bot = await startBotProcess(
      ['--instance-id', 'bot-orphan'],
      botEnv({ ...backends, telegram, claude }, databaseUrl),
    );
    // The run ended without stopping this bot: its long poll now fails and is retried.
    await Promise.all([telegram.close(), claude.close()]);
    await waitFor('the bot to notice', () => bot!.stderr().includes('Bot API unreachable'), 20_000);
    bot.child.kill('SIGTERM');
    const code = await waitFor(
      'the bot to exit after one SIGTERM',
      () => (bot!.alive() ? undefined : bot!.exited),
      BOT_APP_DEFAULTS.stopGraceMs + 5_000,
    );
    expect(code).toBe(0);
  });
});

describe('flood control (429 with retry_after)', () => {
  let flooding: Backends;
  let harness: BotHarness;
  beforeAll(async () => {
    // Telegram's limits on: one private chat takes a burst of 3 messages, then 1 a second.
    const telegram = await startFakeTelegram();
    flooding = { ...backends, telegram, stop: () => telegram.close() };
    const longAnswer = (): Assistant => ({
      answer: async () => ({ text: 'word '.repeat(5_000), outcome: 'ok', model: 'stand-in' }),
      digest: async () => ({ text: '📰 stand-in', outcome: 'ok' }),
      pregenerateDigests: async () => ({ submitted: 0, stored: 0 }),
      close: async () => undefined,
    });
    harness = await BotHarness.start(flooding, 'polling', {}, { createAssistant: longAnswer });
  });
  afterAll(async () => {
    await harness?.stop();
    await flooding?.stop();
  });

  it('waits the retry_after Telegram asks for, and every part of a long answer arrives', async () => {
    const user = 8301;
    harness.backends.telegram.inject({ kind: 'message', user_id: user, text: 'Tell me everything' });
    const parts = await waitFor(
      'every part of the answer',
      () => {
        const sent = flooding.telegram.calls({ chat_id: user, method: 'sendMessage' }).filter((c) => c.ok);
        const last = sent.at(-1);
        const text = last?.message_id
          ? flooding.telegram.message({ chat_id: user, message_id: last.message_id })
          : null;
        const match = text?.text.match(/\((\d+)\/(\d+)\)\s*$/m);
        return match && match[1] === match[2] ? Number(match[2]) : undefined;
      },
      30_000,
    ).catch((error: Error) => {
      const calls = flooding.telegram.calls({ chat_id: user });
      throw new Error(`${error.message}\n${JSON.stringify(calls)}\n${harness.logs.slice(-10).join('\n')}`);
    });
    expect(parts).toBeGreaterThan(3);
    const refused = flooding.telegram
      .calls({ chat_id: user, method: 'sendMessage' })
      .filter((c) => c.error_code === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(harness.logs.join('\n')).not.toMatch(/update failed/);
  });
});
