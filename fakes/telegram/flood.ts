import type { FloodControlOptions } from './options.ts';
import { nowMs } from './recorder.ts';

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * Telegram's flood control as token buckets: one per chat (private or group rate) and one for the
 * whole bot. Rates are simulated and refill `timeScale` times faster in real time. A refused send
 * consumes nothing, like Telegram, so a client that waits `retry_after` gets through.
 * `retry_after` is whole simulated seconds, what Telegram would answer inside the simulated day: the Bot API
 * types it as an Integer, so a real-time wait of a fraction of a second (1 simulated second at 2x) could not
 * be written. A client that sleeps it on the wall clock waits `timeScale` times too long; the reference bot
 * converts it (bot/transport/api-retry.ts).
 *
 * @example
 * const flood = new FloodControl(FAKE_TELEGRAM_DEFAULTS.floodControl, 1);
 * flood.take(42, false); // 0 = allowed, else seconds to wait
 */
export class FloodControl {
  private readonly chats = new Map<number, Bucket>();
  private readonly global: Bucket;
  private readonly privatePerMs: number;
  private readonly groupPerMs: number;
  private readonly globalPerMs: number;
  refused = 0;

  constructor(
    private readonly options: Required<FloodControlOptions>,
    private readonly timeScale: number,
  ) {
    this.privatePerMs = (options.privateChatPerS * timeScale) / 1000;
    this.groupPerMs = (options.groupPerMin * timeScale) / 60_000;
    this.globalPerMs = (options.globalPerS * timeScale) / 1000;
    this.global = { tokens: options.globalBurst, atMs: nowMs() };
  }

  /** Takes one message from the chat's and the bot's budgets: 0 when allowed, else whole simulated seconds to wait (>= 1). */
  take(chatId: number, isGroup: boolean): number {
    if (!this.options.enabled) return 0;
    const now = nowMs();
    const burst = isGroup ? this.options.groupBurst : this.options.privateChatBurst;
    const perMs = isGroup ? this.groupPerMs : this.privatePerMs;
    let chat = this.chats.get(chatId);
    if (chat === undefined) {
      chat = { tokens: burst, atMs: now };
      this.chats.set(chatId, chat);
    }
    refill(chat, now, perMs, burst);
    refill(this.global, now, this.globalPerMs, this.options.globalBurst);
    if (chat.tokens >= 1 && this.global.tokens >= 1) {
      chat.tokens -= 1;
      this.global.tokens -= 1;
      return 0;
    }
    this.refused++;
    const waitRealMs = Math.max(waitFor(chat, perMs), waitFor(this.global, this.globalPerMs));
    return Math.max(1, Math.ceil((waitRealMs * this.timeScale) / 1000));
  }

  reset(): void {
    this.chats.clear();
    this.global.tokens = this.options.globalBurst;
    this.global.atMs = nowMs();
    this.refused = 0;
  }
}

function refill(bucket: Bucket, now: number, perMs: number, burst: number): void {
  bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.atMs) * perMs);
  bucket.atMs = now;
}

function waitFor(bucket: Bucket, perMs: number): number {
  return bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) / perMs;
}
