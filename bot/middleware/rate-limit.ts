import type { MiddlewareFn } from 'grammy';
import type { Clock } from '../../common/clock.ts';
import type { BotConfig } from '../config/index.ts';
import type { BotContext, MessageAllowance } from '../context.ts';
import { messagesOf } from '../handlers/profile.ts';
import { replyOnce } from '../reply.ts';

/**
 * Refills a token bucket: `burst` tokens at most, `perMinute` more each minute.
 *
 * @example
 * refill(undefined, 0, { perMinute: 20, burst: 10 }) // { tokens: 10, atMs: 0, warned: false }
 * refill({ tokens: 0, atMs: 0, warned: true }, 30_000, { perMinute: 20, burst: 10 }).tokens // 10
 */
export function refill(
  allowance: MessageAllowance | undefined,
  nowMs: number,
  limit: { perMinute: number; burst: number },
): MessageAllowance {
  if (allowance === undefined) return { tokens: limit.burst, atMs: nowMs, warned: false };
  const earned = (Math.max(0, nowMs - allowance.atMs) / 60_000) * limit.perMinute;
  return { tokens: Math.min(limit.burst, allowance.tokens + earned), atMs: nowMs, warned: allowance.warned };
}

/**
 * A per-user limit on incoming messages: `rateLimit.burst` at once, then `rateLimit.messagesPerMinute`. Each
 * message takes a token; a message without one is not handled (no Claude call, no database work beyond the
 * session): the first of them gets a note to slow down, the rest are dropped until tokens come back, so a
 * flood cannot make the bot flood back. Button presses are not limited (cheap, and answered by an edit).
 *
 * The bucket lives in the session, which every update reads and writes anyway: the limit costs no extra round
 * trip, and holds across instances (a chat's updates are handled one at a time; see bot/README.md).
 *
 * @example
 * bot.use(session(...), limitMessageRate(config.rateLimit, clock), ...handlers);
 */
export function limitMessageRate(settings: BotConfig['rateLimit'], clock: Clock): MiddlewareFn<BotContext> {
  const limit = { perMinute: settings.messagesPerMinute, burst: settings.burst };
  return async (ctx, next) => {
    if (limit.perMinute === 0 || ctx.message === undefined) return next();
    const allowance = refill(ctx.session.messages, clock.nowMs(), limit);
    if (allowance.tokens >= 1) {
      ctx.session.messages = { ...allowance, tokens: allowance.tokens - 1, warned: false };
      return next();
    }
    ctx.limited = true;
    ctx.session.messages = { ...allowance, warned: true };
    if (!allowance.warned) await replyOnce(ctx, messagesOf(ctx).slowDown);
  };
}
