import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freePort, type ManagedProcess, startProcess } from '../environment/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { awaitFirstPolls, awaitWebhookRegistration } from './bot-readiness.ts';

/**
 * When a `--bot-cmd` bot is ready, with real processes against a real fake: the standard-library Python bot
 * of the end-to-end tests, and node one-liners that misbehave.
 */

const PYTHON_BOT = fileURLToPath(new URL('./testdata/stdlib_bot.py', import.meta.url));
const NEVER_POLLS = ['-e', 'setInterval(() => {}, 1000)'];

let fake: FakeTelegram;
const processes: ManagedProcess[] = [];
const signal = new AbortController().signal;

beforeEach(async () => {
  fake = await startFakeTelegram({ floodControl: false });
});
afterEach(async () => {
  await Promise.all(processes.splice(0).map((process) => process.stop()));
  await fake.close();
});

async function spawnBot(command: string, args: string[], env: Record<string, string> = {}): Promise<ManagedProcess> {
  const managed = await startProcess({
    name: 'bot-1',
    command,
    args,
    env: {
      BOT_TOKEN: fake.tokens[0]!,
      TELEGRAM_API_ROOT: fake.url,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ...env,
    },
    stopGraceMs: 500,
  });
  processes.push(managed);
  return managed;
}

describe('a polling bot', () => {
  const firstPolls = (bot: ManagedProcess, timeoutMs: number) =>
    awaitFirstPolls({ telegram: fake, token: fake.tokens[0]!, processes: [bot], signal, timeoutMs });

  it('is ready when its first getUpdates arrives, while that 25 s long poll is still open', async () => {
    const bot = await spawnBot('python3', [PYTHON_BOT]);
    await firstPolls(bot, 20_000);
    // Ready already, though the poll has not returned: its call record is written only when it does. The
    // call counts on arrival, before its body is read; the poll parks once that body is in, a moment later.
    expect(fake.stats().bots[0]).toMatchObject({ get_updates_received: 1 });
    expect(fake.calls({ method: 'getUpdates' })).toEqual([]);
    await vi.waitFor(() => expect(fake.stats().bots[0]).toMatchObject({ long_poll_waiting: true }), 5_000);
    expect(fake.calls({ method: 'getUpdates' })).toEqual([]);
  });

  it('that never polls fails the start with what the fake saw', async () => {
    const bot = await spawnBot(process.execPath, NEVER_POLLS);
    await fetch(`${fake.url}/bot999:not-this-bot/getMe`);
    await expect(firstPolls(bot, 300)).rejects.toThrow(
      /^the bot never polled: no getUpdates call reached the fake Telegram .* The fake saw only 1 request\(s\) with a token it does not know/,
    );
  });

  it('that exits while starting fails the start with its last lines', async () => {
    const bot = await spawnBot(process.execPath, [
      '-e',
      'setTimeout(() => { console.error("no BOT_TOKEN"); process.exit(3); }, 100)',
    ]);
    await expect(firstPolls(bot, 20_000)).rejects.toThrow(
      /bot-1 exited before it was ready \(code 3, signal null\); its last lines:\n {2}no BOT_TOKEN/,
    );
  });
});

describe('a webhook bot', () => {
  const WEBHOOK_URL = 'http://127.0.0.1:4100/webhook';
  /** Waits for the bot's registration as the fleet does, with the load starting `loadInRealMs` from now. */
  const registration = (bot: ManagedProcess, loadInRealMs: number) =>
    awaitWebhookRegistration({
      telegram: fake,
      token: fake.tokens[0]!,
      processes: [bot],
      signal,
      loadStartRealMs: performance.timeOrigin + performance.now() + loadInRealMs,
      fallbackUrl: WEBHOOK_URL,
      secret: 'run-secret',
    });

  it('keeps the webhook it registered itself, on its own path', async () => {
    const port = await freePort();
    const bot = await spawnBot('python3', [PYTHON_BOT], {
      PORT: String(port),
      WEBHOOK_URL,
      WEBHOOK_SECRET: 'run-secret',
    });
    expect(await registration(bot, 20_000)).toBe('bot');
    expect(fake.webhookInfo().url).toBe('http://127.0.0.1:4100/py/hook');
  });

  it('that registers nothing before the load starts gets WEBHOOK_URL registered for it', async () => {
    const bot = await spawnBot(process.execPath, NEVER_POLLS);
    expect(await registration(bot, 700)).toBe('botcap');
    expect(fake.webhookInfo().url).toBe(WEBHOOK_URL);
    expect(fake.calls({ method: 'setWebhook' })).toMatchObject([{ ok: true }]);
  });
});
