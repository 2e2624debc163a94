import { Context, type SessionFlavor } from 'grammy';

/**
 * Where a user is in a conversation that spans several updates. Stored per chat in Postgres
 * (`sessions`), so the next update may be handled by any instance.
 */
export interface SessionData {
  step: 'idle' | 'confirm-name' | 'ask-name' | 'ask-topic' | 'ask-time';
  /** Whether the current topic/time question belongs to onboarding or to /settings (decides what comes next). */
  flow?: 'onboarding' | 'settings';
}

export const initialSession = (): SessionData => ({ step: 'idle' });

/** How an update ended, for `bot_updates_total{outcome}`. */
export type UpdateOutcome = 'ok' | 'fallback' | 'error' | 'ignored';

/**
 * grammY's Context plus what the bot tracks per update: whether the one visible reply went out
 * (so the error boundary never sends a second one) and whether it was a fallback.
 */
export class BotContext extends Context implements SessionFlavor<SessionData> {
  declare session: SessionData;
  /** Set by `reply.ts` once this update's visible reply was sent. */
  replied = false;
  /** Set when that reply was a fallback (an upstream failed). */
  fallback = false;
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
