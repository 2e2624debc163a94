import type { Writable } from 'node:stream';
import { type BotApp, type BotAppDeps, createBotApp } from '../bot/app.ts';
import { loadBotConfig } from '../bot/config/index.ts';
import type { Transport } from '../contracts/transport.ts';
import { type FakeClaude, startFakeClaude } from '../fakes/claude/index.ts';
import { type FakeTelegram, type InjectUpdateInput, startFakeTelegram } from '../fakes/telegram/index.ts';
import { captureLogs } from './logs.ts';
import { startTestPostgres, type TestPostgres } from './postgres.ts';
import { waitFor } from './wait.ts';

/** One Bot API call the bot made, as the test sees it (the payload the bot sent and whether Telegram took it). */
export interface SentCall {
  method: string;
  chatId: number | undefined;
  text: string | undefined;
  /** Button labels of an inline keyboard, row after row. */
  buttons: string[];
  /** callback_data of those buttons. */
  callbackData: string[];
  ok: boolean;
}

interface SentPayload {
  chat_id?: number | string;
  text?: string;
  reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> };
}

/** What every test file shares: one Postgres server and the two fakes, all real servers. */
export interface Backends {
  postgres: TestPostgres;
  telegram: FakeTelegram;
  claude: FakeClaude;
  stop(): Promise<void>;
}

export async function startBackends(): Promise<Backends> {
  const [postgres, telegram, claude] = await Promise.all([
    startTestPostgres(),
    startFakeTelegram({ floodControl: false }),
    startFakeClaude({ latency: 'zero' }),
  ]);
  return {
    postgres,
    telegram,
    claude,
    async stop() {
      await Promise.allSettled([telegram.close(), claude.close()]);
      await postgres.stop();
    },
  };
}

/**
 * One bot instance on a fresh database, wired to the shared fakes, with every Bot API call it makes
 * recorded (an API transformer: the calls still go to the fake Telegram over HTTP).
 *
 * @example
 * const bot = await BotHarness.start(backends, 'webhook');
 * const reply = await bot.send({ kind: 'command', user_id: 1, command: 'start' });
 */
export class BotHarness {
  readonly calls: SentCall[] = [];

  private constructor(
    readonly app: BotApp,
    readonly backends: Backends,
    readonly logs: string[],
  ) {}

  static async start(
    backends: Backends,
    transport: Transport,
    /** Knob values by path, e.g. `{ 'database.poolMax': 2 }`, applied over the harness defaults. */
    flags: Readonly<Record<string, unknown>> = {},
    deps: BotAppDeps = {},
    database: { connectionLimit?: number } = {},
  ): Promise<BotHarness> {
    const databaseUrl = await backends.postgres.createDatabase(database);
    const config = loadBotConfig({
      overrides: {
        instanceId: `test-${transport}`,
        telegram: {
          token: backends.telegram.tokens[0]!,
          apiRoot: backends.telegram.url,
          transport,
          webhookPort: 0,
          pollTimeoutS: 2,
          apiTimeoutS: 10,
        },
        database: { url: databaseUrl, poolMax: 5, connectionTimeoutMs: 5_000 },
        claude: { baseUrl: backends.claude.url, apiKey: 'sk-ant-test-key' },
        scheduler: { enabled: false },
        observability: { httpPort: 0, logLevel: 'info' },
      },
      flags,
    });
    const { stream, lines } = captureLogs();
    const app = createBotApp(config, { drainMs: 2_000, logDestination: stream as Writable, ...deps });
    const harness = new BotHarness(app, backends, lines);
    app.bot.api.config.use(async (prev, method, payload, signal) => {
      const response = await prev(method, payload, signal);
      const sent = payload as unknown as SentPayload;
      const keyboard = sent.reply_markup?.inline_keyboard?.flat() ?? [];
      harness.calls.push({
        method,
        chatId: sent.chat_id === undefined ? undefined : Number(sent.chat_id),
        text: sent.text,
        buttons: keyboard.map((b) => b.text),
        callbackData: keyboard.flatMap((b) => (b.callback_data === undefined ? [] : [b.callback_data])),
        ok: response.ok,
      });
      return response;
    });
    await app.start();
    return harness;
  }

  /** Visible replies (new messages and edits) to one chat, in order. */
  replies(chatId: number): SentCall[] {
    return this.calls.filter(
      (c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && c.chatId === chatId,
    );
  }

  /**
   * Injects an update into the fake Telegram and waits for the bot's next visible reply in that chat.
   * For a button press without `message_id`, the fake uses the bot's last message in the chat.
   */
  async send(update: InjectUpdateInput, timeoutMs = 10_000): Promise<SentCall> {
    const chatId = update.chat_id ?? update.user_id;
    const before = this.replies(chatId).length;
    const { update_id } = this.backends.telegram.inject(update);
    const reply = await waitFor(`a reply in chat ${chatId}`, () => this.replies(chatId)[before], timeoutMs);
    // The reply goes out before the handler ends (its session is written after it). Telegram queues
    // messages by chat but button presses by user, so a press sent right after a message's reply could
    // overtake that write (see the bot README); a test presses faster than people do. Wait until the update is confirmed
    // (webhook: answered 2xx, i.e. fully handled; polling: sequentialize orders the chat anyway).
    const confirmed = () =>
      this.backends.telegram.updates({ chat_id: chatId }).find((u) => u.update_id === update_id)?.confirmed_ms != null;
    await waitFor(`update ${update_id} confirmed`, confirmed, timeoutMs);
    return reply;
  }

  /** Presses the button labelled `label` on the last reply in the chat. */
  async press(userId: number, label: string, extra: Partial<InjectUpdateInput> = {}): Promise<SentCall> {
    const last = this.replies(userId).at(-1);
    const index = last?.buttons.indexOf(label) ?? -1;
    if (!last || index < 0) throw new Error(`no button "${label}" on the last reply: ${JSON.stringify(last?.buttons)}`);
    return this.send({
      kind: 'callback_query',
      user_id: userId,
      data: last.callbackData[index]!,
      ...extra,
    } as InjectUpdateInput);
  }

  stop(): Promise<void> {
    return this.app.stop();
  }
}

/** POSTs a JSON body (as Telegram posts a webhook update) and resolves with the HTTP status. */
export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  await response.text();
  return response.status;
}

/** The sum of an instance's /metrics samples whose line matches `pattern`. */
export async function metricSum(app: Pick<BotApp, 'httpUrl'>, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
