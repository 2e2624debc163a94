import { unreachable } from '../../common/unreachable.ts';
import type { InjectUpdate } from '../../fakes/telegram/index.ts';
import type { ActionKind, BehaviourSpec } from '../../scenarios/schema.ts';
import type { InjectedUpdate, ObservedCall } from '../correlate/types.ts';
import type { VirtualUser } from '../population/population.ts';
import { drawQuestion, topicNames } from '../population/questions.ts';
import type { RandomStream } from '../population/random.ts';
import type { CallFeed } from './call-feed.ts';
import type { InlineButton, TelegramTarget } from './target.ts';

/** Onboarding presses come after a human pause, capped so a flow stays a flow. */
const BUTTON_PAUSE_CAP_MS = 8_000;
const CLOCK_IN_TEXT = /\b([01]?\d|2[0-3]):([0-5]\d)\b/g;

/**
 * Everything a VU action needs from the runner: the target, the feed, the run's axis and the records. One
 * per run, shared by every VU; what differs per VU is in {@link VuState}.
 */
export interface DriverContext {
  target: TelegramTarget;
  feed: CallFeed;
  behaviour: BehaviourSpec;
  /** `behaviour.neverPress` compiled; undefined presses anything. */
  neverPress: RegExp | undefined;
  /** Reply deadline, simulated ms. */
  deadlineMs: number;
  timeScale: number;
  /** Simulated ms since run start, now. */
  nowRunMs(): number;
  toRunMs(fakeMs: number): number;
  toFakeMs(runMs: number): number;
  /** Waits simulated ms; resolves early (false) at `stopMs` (run ms) or when the run is stopping. */
  pause(simulatedMs: number, stopMs: number): Promise<boolean>;
  thinkTimeMs(rng: RandomStream): number;
  recordUpdate(update: InjectedUpdate): void;
  recordError(kind: string, atMs: number): void;
  /** Live latency of a reply the VU saw (progress only; the final numbers come from the correlation). */
  observeReply(latencyMs: number): void;
  /** Users who finished onboarding in this run, with the time (run ms) of the bot's final onboarding reply. */
  onboarded: Map<number, number>;
  /** Digest minutes the bot assigned that differ from the users' choice, read from onboarding replies. */
  assignedMinutes: Map<number, number>;
}

/** One virtual user while it plays a conversation: plain data, the functions that act on it are shared. */
export interface VuState {
  user: VirtualUser;
  /** The VU's own stream, so its draws never depend on other VUs' timing. */
  rng: RandomStream;
  /** Run ms at which the VU stops (its active interval's end; Infinity for an open-model arrival). */
  stopMs: number;
}

/**
 * Plays one action of one user as Telegram updates, each injected at its intended time and awaited until
 * its reply (or the reply deadline) - so a user never has two updates outstanding:
 * - `question`: a free-text question in the user's language;
 * - `navigation`: a press on a button of the bot's last message (or the menu command when there is none);
 * - `settings`: the settings command;
 * - `start`: /start, then the buttons the bot offers (the user's topic, then their digest time).
 *
 * @example
 * await performAction(ctx, { user, rng, stopMs }, 'question', ctx.nowRunMs());
 */
export async function performAction(
  ctx: DriverContext,
  vu: VuState,
  action: ActionKind,
  intendedMs: number,
): Promise<void> {
  const { commands } = ctx.behaviour;
  const { user, rng } = vu;
  switch (action) {
    case 'question': {
      const { text } = drawQuestion(rng, user.languageCode, user.topic, ctx.behaviour.questionComplexity);
      await step(ctx, user, action, { kind: 'message', text }, intendedMs);
      return;
    }
    case 'settings':
      await step(ctx, user, action, { kind: 'command', command: commands.settings }, intendedMs);
      return;
    case 'navigation': {
      const shown = ctx.target.lastBotMessage(user.chatId);
      const pressable = shown?.buttons.filter((b) => b.data !== undefined && browsable(ctx, b)) ?? [];
      if (shown === undefined || pressable.length === 0) {
        await step(ctx, user, action, { kind: 'command', command: commands.menu }, intendedMs);
      } else {
        const button = rng.pick(pressable);
        await step(
          ctx,
          user,
          action,
          { kind: 'callback_query', data: button.data!, message_id: shown.messageId },
          intendedMs,
        );
      }
      return;
    }
    case 'start':
      await onboard(ctx, vu, intendedMs);
      return;
    default:
      unreachable(action);
  }
}

async function onboard(ctx: DriverContext, vu: VuState, intendedMs: number): Promise<void> {
  const { user, rng } = vu;
  let reply = await step(ctx, user, 'start', { kind: 'command', command: ctx.behaviour.commands.start }, intendedMs);
  let choseTime: number | undefined;
  let answeredName = false;
  for (let press = 0; press < ctx.behaviour.maxOnboardingSteps && reply !== undefined; press++) {
    const shown = reply.messageId === null ? undefined : ctx.target.message(user.chatId, reply.messageId);
    const pressable = shown?.buttons.filter((b) => b.data !== undefined) ?? [];
    let next: StepInput;
    if (shown !== undefined && pressable.length > 0) {
      const choice = chooseOnboardingButton(pressable, user, rng);
      choseTime = choice.minute ?? choseTime;
      next = { kind: 'callback_query', data: choice.button.data!, message_id: shown.messageId };
    } else if (!answeredName && shown?.text.includes('?') === true) {
      // A question without buttons during onboarding asks for the name: answer it once, in text.
      answeredName = true;
      next = { kind: 'message', text: user.firstName };
    } else {
      break;
    }
    if (!(await ctx.pause(Math.min(ctx.thinkTimeMs(rng), BUTTON_PAUSE_CAP_MS), vu.stopMs))) return;
    reply = await step(ctx, user, 'start', next, ctx.nowRunMs());
    // After a time was chosen, a reply that names a time without offering times to press is the
    // confirmation: onboarding is done. It comes with the main menu; pressing on through it made the last
    // reply a menu page, so the booked time was lost and moved users counted as booked at their request.
    if (choseTime !== undefined && reply !== undefined && confirmsTime(ctx, user, reply)) break;
  }
  if (reply === undefined) return;
  // Known to the bot from its last onboarding reply on: digests scheduled before that are not owed.
  if (!ctx.onboarded.has(user.userId)) ctx.onboarded.set(user.userId, reply.timeMs);
  // Slotting may move the user: the bot's confirmation names the time it actually booked.
  const booked = reply.text == null ? undefined : lastMinuteInText(reply.text);
  const assigned = booked ?? choseTime;
  if (assigned !== undefined && assigned !== user.digestMinute) ctx.assignedMinutes.set(user.userId, assigned);
}

/**
 * Whether navigation may press a button: not one the scenario's `neverPress` names, and not a time of day
 * (choosing a digest time is onboarding's part, which reads the time the bot booked).
 *
 * @example
 * browsable(ctx, { text: '⏸ Pause digests', data: 'p' }) // false with the default neverPress
 */
export function browsable(ctx: Pick<DriverContext, 'neverPress'>, button: InlineButton): boolean {
  if (lastMinuteInText(button.text) !== undefined) return false;
  return ctx.neverPress === undefined || !ctx.neverPress.test(button.text);
}

/**
 * The button a user would press during onboarding: their topic, their digest time (or the nearest time
 * offered), else a seeded pick.
 *
 * @example
 * chooseOnboardingButton([{ text: '09:00', data: 't:540' }, { text: '10:00', data: 't:600' }], user, rng).button.text // '10:00'
 */
export function chooseOnboardingButton(
  buttons: readonly InlineButton[],
  user: Pick<VirtualUser, 'topic' | 'digestMinute'>,
  rng: RandomStream,
): { button: InlineButton; minute?: number } {
  const names = topicNames(user.topic).map((name) => name.toLowerCase());
  const topical = buttons.find((b) => names.some((n) => `${b.text} ${b.data ?? ''}`.toLowerCase().includes(n)));
  if (topical !== undefined) return { button: topical };
  const timed = buttons
    .map((button) => ({ button, minute: lastMinuteInText(button.text) }))
    .filter((b): b is { button: InlineButton; minute: number } => b.minute !== undefined);
  if (timed.length > 0) {
    const wanted = user.digestMinute;
    const nearest = timed.reduce((best, b) =>
      Math.abs(b.minute - wanted) < Math.abs(best.minute - wanted) ? b : best,
    );
    return nearest;
  }
  return { button: rng.pick(buttons) };
}

/** Whether a reply names a time and offers no time buttons (an offer "10:00 is full. How about ...?" does). */
function confirmsTime(
  ctx: DriverContext,
  user: VirtualUser,
  reply: { text?: string | null; messageId: number | null },
): boolean {
  if (reply.text == null || lastMinuteInText(reply.text) === undefined) return false;
  const shown = reply.messageId === null ? undefined : ctx.target.message(user.chatId, reply.messageId);
  return !(shown?.buttons.some((b) => b.data !== undefined && lastMinuteInText(b.text) !== undefined) ?? false);
}

/**
 * The last `H:MM`/`HH:MM` in a text (a button's time, or the booked time of a confirmation), as a minute of
 * the day. A confirmation that moved the user names the requested time first and the booked one last ("10:00 is
 * full, so your daily digest arrives at 10:05 UTC"); reading the first one counted moved users as
 * booked at 10:00 and their 10:05 digests as late.
 *
 * @example
 * lastMinuteInText('10:00 is full, so your daily digest arrives at 10:05 UTC.') // 605
 */
export function lastMinuteInText(text: string): number | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(CLOCK_IN_TEXT)) last = match;
  if (last === undefined) return undefined;
  return Number(last[1]) * 60 + Number(last[2]);
}

type StepInput =
  | { kind: 'message'; text: string }
  | { kind: 'command'; command: string }
  | { kind: 'callback_query'; data: string; message_id: number };

/**
 * The update as the fake takes it, built field by field in one order for every kind: a spread of the input
 * made objects of many shapes on the generator's hottest path (every simulated update passes here).
 */
function injectUpdate(input: StepInput, user: VirtualUser, intendedFakeMs: number): InjectUpdate {
  const { userId: user_id, firstName: first_name, languageCode: language_code } = user;
  switch (input.kind) {
    case 'message':
      return { kind: 'message', text: input.text, user_id, first_name, language_code, intended_ms: intendedFakeMs };
    case 'command':
      return {
        kind: 'command',
        command: input.command,
        user_id,
        first_name,
        language_code,
        intended_ms: intendedFakeMs,
      };
    case 'callback_query':
      return {
        kind: 'callback_query',
        data: input.data,
        message_id: input.message_id,
        user_id,
        first_name,
        language_code,
        intended_ms: intendedFakeMs,
      };
    default:
      return unreachable(input);
  }
}

/** Injects one update at its intended time and waits for its visible reply until the deadline. */
async function step(
  ctx: DriverContext,
  user: VirtualUser,
  action: ActionKind,
  input: StepInput,
  intendedMs: number,
): Promise<ObservedCall | undefined> {
  const update = injectUpdate(input, user, Math.max(0, ctx.toFakeMs(intendedMs)));
  let record: ReturnType<TelegramTarget['inject']>;
  try {
    record = ctx.target.inject(update);
  } catch {
    ctx.recordError('inject_failed', intendedMs);
    return undefined;
  }
  ctx.feed.noteUpdate(record.chat_id, record.update_id);
  ctx.recordUpdate({
    updateId: record.update_id,
    chatId: record.chat_id,
    userId: record.user_id,
    messageId: record.message_id,
    kind: record.kind,
    action,
    intendedMs,
    injectedMs: ctx.toRunMs(record.injected_ms),
  });
  // The deadline runs from the intended time, not from the (possibly late) injection.
  const remainingRealMs = (intendedMs + ctx.deadlineMs - ctx.nowRunMs()) / ctx.timeScale;
  const reply = await ctx.feed.waitForReply(record.chat_id, record.update_id, record.injected_ms, remainingRealMs);
  if (reply !== undefined) ctx.observeReply(reply.timeMs - intendedMs);
  return reply;
}
