import { Context, type SessionFlavor } from 'grammy';

/** Where a user is in a conversation that spans several updates. */
export type Step = 'idle' | 'confirm-name' | 'ask-name' | 'ask-topic' | 'ask-time';

/**
 * What the bot remembers per chat between updates. Stored in Postgres (`sessions`), so the next update may be
 * handled by any instance.
 */
export interface SessionData {
  step: Step;
  /** Whether the current topic/time question belongs to onboarding or to /settings (decides what comes next). */
  flow?: 'onboarding' | 'settings';
  /** The per-user message limit's token bucket (middleware/rate-limit.ts); absent until the first message. */
  messages?: MessageAllowance;
}

/** A token bucket: `tokens` messages left as of `atMs` (the bot's clock); refills at the configured rate. */
export interface MessageAllowance {
  tokens: number;
  atMs: number;
  /** Whether this user was already told to slow down since the bucket last ran dry (they are told once). */
  warned: boolean;
}

export const initialSession = (): SessionData => ({ step: 'idle' });

/**
 * Moves the conversation to `step`, keeping the rest of the session (the message allowance).
 *
 * @example
 * setStep(ctx, 'ask-topic', 'onboarding');
 */
export function setStep(ctx: BotContext, step: Step, flow?: SessionData['flow']): void {
  ctx.session = { ...ctx.session, step, flow };
}

/** How an update ended, for `bot_updates_total{outcome}`. */
export type UpdateOutcome = 'ok' | 'fallback' | 'error' | 'ignored' | 'duplicate' | 'limited';

/**
 * grammY's Context plus what the bot tracks per update: whether the one visible reply went out
 * (so a failure never sends a second one) and how the update ended.
 */
export class BotContext extends Context implements SessionFlavor<SessionData> {
  declare session: SessionData;
  /** Set by `reply.ts` once this update's visible reply was sent. */
  replied = false;
  /** Set when that reply was a fallback (an upstream failed). */
  fallback = false;
  /** Set when the update was handled before (a redelivery) and so was not handled again. */
  duplicate = false;
  /** Set when the user was over the message limit, so the message was not answered. */
  limited = false;
}

/**
 * The session key: the chat (a private chat's id is the user's id), else the user. The same
 * function feeds `sequentialize`, so two updates of one chat never race on its session.
 *
 * @example
 * bot.use(sequentialize(sessionKey), session({ getSessionKey: sessionKey, ... }));
 */
export function sessionKey(ctx: Context): string | undefined {
  return (ctx.chat?.id ?? ctx.from?.id)?.toString();
}
