import type { UpdateKind } from '../../fakes/telegram/records.ts';
import type { ActionKind } from '../../scenarios/schema.ts';

/** What a VU action step sends: the action it belongs to plus the onboarding/settings sub-steps. */
export type UpdateAction = ActionKind;

/**
 * One update the load generator injected. Times are on the run's axis: simulated ms since the run
 * started (the fake's real-time records are converted once, when read).
 */
export interface InjectedUpdate {
  updateId: number;
  chatId: number;
  userId: number;
  /** The user's message (message, command) or the bot message whose button was pressed (callback_query). */
  messageId: number;
  kind: UpdateKind;
  action: UpdateAction;
  /** When the schedule meant it to happen: the latency's start (coordinated omission). */
  intendedMs: number;
  /** When the fake actually received it. */
  injectedMs: number;
}

/**
 * One bot call as the fake recorded it, on the run's axis. `text` and `replyToMessageId` are optional:
 * correlation uses them when the source provides them and falls back to the fake's update attribution,
 * then to per-chat order.
 */
export interface ObservedCall {
  seq: number;
  timeMs: number;
  method: string;
  chatId: number | null;
  ok: boolean;
  errorCode: number | null;
  messageId: number | null;
  /** The fake's attribution of the call to an update (webhook in flight / last polled), when known. */
  updateId?: number | null;
  /** `reply_parameters.message_id` of the call, when known. */
  replyToMessageId?: number | null;
  /** Text of the message sent or edited, when known (fallback and digest detection need its prefix). */
  text?: string | null;
}
