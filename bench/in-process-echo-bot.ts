import { Dispatcher } from 'undici';

/** The one controller every answer shares: nothing here can be aborted or paused mid-answer. */
const CONTROLLER: Dispatcher.DispatchController = {
  aborted: false,
  paused: false,
  reason: null,
  abort: () => {},
  pause: () => {},
  resume: () => {},
};

const RESPONSE_HEADERS = { 'content-type': 'application/json' };
const CHAT_ID_KEY = '"chat":{"id":';
const MESSAGE_ID_KEY = '"message_id":';

/**
 * The echo bot (bench/echo-bot-serve.ts) answering inside the webhook response, as an undici Dispatcher in the
 * generator's own process: the fake's `webhookClient`, so its webhook deliveries reach a bot with no socket,
 * no HTTP and no JSON parse. What the generator then spends per update is the fake's and the runner's own
 * work plus this bot's, which finds two numbers in the update and writes a ~170-byte answer: the
 * load generator's cost with the HTTP taken out.
 *
 * Each answer has the shape grammY gives `ctx.reply(text, { reply_parameters })` in a webhook reply, and comes
 * after the current I/O callbacks (one setImmediate for all the deliveries of a turn), as a response read from
 * a socket would.
 *
 * @example
 * const fake = await startFakeTelegram({ tokens: [token], webhookClient: () => new InProcessEchoBot() });
 */
export class InProcessEchoBot extends Dispatcher {
  private queued: Array<{ update: string; handler: Dispatcher.DispatchHandler }> = [];
  private closed = false;

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.closed) {
      handler.onResponseError?.(CONTROLLER, new Error('the in-process echo bot is closed'));
      return false;
    }
    if (typeof options.body !== 'string') throw new TypeError('the in-process echo bot takes string bodies only');
    if (this.queued.length === 0) setImmediate(() => this.answerQueued());
    this.queued.push({ update: options.body, handler });
    return true;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.closed = true;
    if (callback === undefined) return Promise.resolve();
    callback();
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(...args: unknown[]): Promise<void> | void {
    this.closed = true;
    const callback = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback === undefined) return Promise.resolve();
    callback();
  }

  private answerQueued(): void {
    const batch = this.queued;
    this.queued = [];
    for (const { update, handler } of batch) {
      handler.onRequestStart?.(CONTROLLER, {});
      handler.onResponseStart?.(CONTROLLER, 200, RESPONSE_HEADERS, 'OK');
      handler.onResponseData?.(CONTROLLER, Buffer.from(echoReply(update)));
      handler.onResponseEnd?.(CONTROLLER, {});
    }
  }
}

/** The webhook reply to a message update (JSON text): a sendMessage to its chat that replies to its message. */
export function echoReply(update: string): string {
  return (
    `{"method":"sendMessage","chat_id":${numberAfter(update, CHAT_ID_KEY)},"text":"echo: привет",` +
    `"reply_parameters":{"message_id":${numberAfter(update, MESSAGE_ID_KEY)},"allow_sending_without_reply":true}}`
  );
}

/** The JSON number right after the first `key` in `json`, as text. */
function numberAfter(json: string, key: string): string {
  const at = json.indexOf(key);
  if (at < 0) throw new TypeError(`the in-process echo bot got an update without ${key}`);
  const start = at + key.length;
  let end = start;
  for (let code = json.charCodeAt(end); code === 0x2d || (code >= 0x30 && code <= 0x39); code = json.charCodeAt(end))
    end++;
  return json.slice(start, end);
}
