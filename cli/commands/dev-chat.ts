import type { CallRecord, InjectUpdateInput, MessageRecord, UpdateRecord } from '../../fakes/telegram/index.ts';
import { readReplyPart } from '../../loadgen/correlate/parts.ts';
import { buttonsOf, type InlineButton } from '../../loadgen/driver/target.ts';

/** One message of the bot, as a person in the chat sees it. */
export interface BotMessage {
  text: string;
  buttons: InlineButton[];
  /** An edit of an earlier message (a button press answered in place), not a new one. */
  edited: boolean;
  /** Sent without being asked (a digest), or for another update than the last one sent. */
  unprompted: boolean;
}

export interface DevChatOptions {
  /** The fake Telegram's root URL; everything goes through its control API, as a curl would. */
  telegramUrl: string;
  /** The user (and private chat) the messages come from. Default 42. */
  userId?: number;
  firstName?: string;
  languageCode?: string;
  /** How long `say` waits for the bot's answer, real ms. Default 60,000 (a slow Claude answer takes seconds). */
  replyTimeoutMs?: number;
}

export const DEV_CHAT_DEFAULTS = { userId: 42, firstName: 'Dev', languageCode: 'en', replyTimeoutMs: 60_000 } as const;

const VISIBLE = new Set(['sendMessage', 'editMessageText']);

/**
 * A person talking to a bot through the fake Telegram's control API: `say` injects what they typed (text, a
 * `/command`, or `#N` to press button N under the bot's last message) and returns the bot's answer once it is
 * complete - a long answer in parts (`(k/n)`) when its last part came. `unprompted` returns what the bot sent
 * on its own since (digests).
 *
 * @example
 * const chat = createDevChat({ telegramUrl: 'http://127.0.0.1:8081' });
 * const [greeting] = await chat.say('/start'); // { text: 'Hi! ... Shall I call you Dev?', buttons: [...] }
 * await chat.say('#1'); // presses "✅ Yes"
 */
export function createDevChat(options: DevChatOptions) {
  const userId = options.userId ?? DEV_CHAT_DEFAULTS.userId;
  const firstName = options.firstName ?? DEV_CHAT_DEFAULTS.firstName;
  const languageCode = options.languageCode ?? DEV_CHAT_DEFAULTS.languageCode;
  const replyTimeoutMs = options.replyTimeoutMs ?? DEV_CHAT_DEFAULTS.replyTimeoutMs;
  const control = `${options.telegramUrl}/control`;
  let nextSeq = 0;
  let lastButtons: InlineButton[] = [];
  /** While `say` waits for its answer, `unprompted` reads nothing: the answer's messages are `say`'s. */
  let busy = false;
  /** The `unprompted` read in flight, which `say` lets finish first (they share the read position). */
  let reading: Promise<unknown> = Promise.resolve();

  async function call<T>(path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${control}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as { ok: boolean; result: T; description?: string };
    if (!json.ok) throw new Error(`fake Telegram ${path}: ${json.description ?? response.status}`);
    return json.result;
  }

  /** What the user typed, as the update Telegram would send. */
  function updateFor(line: string): InjectUpdateInput {
    const who = { user_id: userId, first_name: firstName, language_code: languageCode };
    const press = /^#(\d+)$/.exec(line);
    if (press) {
      const button = lastButtons[Number(press[1]) - 1];
      if (button?.data === undefined) {
        throw new Error(`no button ${press[1]} under the bot's last message (${lastButtons.length} buttons)`);
      }
      return { ...who, kind: 'callback_query', data: button.data };
    }
    const command = /^\/(\w+)(?:\s+(.*))?$/.exec(line);
    if (command) return { ...who, kind: 'command', command: command[1]!, ...(command[2] ? { args: command[2] } : {}) };
    return { ...who, kind: 'message', text: line };
  }

  /** The bot's visible calls in this chat since the last read, as messages. */
  async function readNew(): Promise<Array<BotMessage & { updateId: number | null }>> {
    const calls = await call<CallRecord[]>(`/calls?chat_id=${userId}&since_seq=${nextSeq}&ok_only=true&limit=1000`);
    const messages: Array<BotMessage & { updateId: number | null }> = [];
    for (const record of calls) {
      nextSeq = record.seq + 1;
      if (!VISIBLE.has(record.method) || record.message_id === null) continue;
      const message = await call<MessageRecord | null>(`/message?chat_id=${userId}&message_id=${record.message_id}`);
      if (message === null) continue;
      const buttons = buttonsOf(message.reply_markup);
      if (buttons.length > 0) lastButtons = buttons;
      messages.push({
        text: message.text,
        buttons,
        edited: record.method === 'editMessageText',
        unprompted: false,
        updateId: record.update_id,
      });
    }
    return messages;
  }

  return {
    userId,

    /** Sends one line as the user; resolves with the bot's messages once its answer is complete (or time is up). */
    async say(line: string): Promise<BotMessage[]> {
      busy = true;
      try {
        await reading;
        const update = await call<UpdateRecord>('/updates', updateFor(line.trim()));
        const seen: BotMessage[] = [];
        const deadline = Date.now() + replyTimeoutMs;
        while (Date.now() < deadline) {
          for (const { updateId, ...message } of await readNew()) {
            seen.push({ ...message, unprompted: updateId !== update.update_id });
          }
          const last = seen.filter((message) => !message.unprompted).at(-1);
          const part = readReplyPart(last?.text);
          if (last !== undefined && (part === undefined || part.index === part.count)) return seen;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return seen;
      } finally {
        busy = false;
      }
    },

    /** Messages the bot sent on its own (a digest) since the last read; none while `say` is waiting. */
    async unprompted(): Promise<BotMessage[]> {
      if (busy) return [];
      const read = readNew();
      reading = read.catch(() => undefined);
      return (await read).map(({ updateId: _updateId, ...message }) => ({ ...message, unprompted: true }));
    },
  };
}

export type DevChat = ReturnType<typeof createDevChat>;

/**
 * A bot message as the transcript shows it: the text, and the buttons numbered for `#N`.
 *
 * @example
 * formatBotMessage({ text: 'Shall I call you Dev?', buttons: [{ text: '✅ Yes', data: 'n:ok' }], edited: false, unprompted: false })
 * // 'bot> Shall I call you Dev?\n     [#1 ✅ Yes]'
 */
export function formatBotMessage(message: BotMessage): string {
  const label = message.unprompted ? 'bot (unprompted)> ' : message.edited ? 'bot (edited)> ' : 'bot> ';
  const lines = message.text.split('\n');
  const text = [label + lines[0], ...lines.slice(1).map((line) => `     ${line}`)].join('\n');
  if (message.buttons.length === 0) return text;
  return `${text}\n     ${message.buttons.map((button, i) => `[#${i + 1} ${button.text}]`).join(' ')}`;
}
