import { type BotContext, setStep } from '../context.ts';
import { replyOnce } from '../reply.ts';
import type { BotServices } from '../services.ts';
import { formatTimeOfDay, UnknownUserError } from '../slotting/index.ts';
import { mainMenuKeyboard, timesKeyboard } from './keyboards.ts';
import { messagesOf } from './profile.ts';

/**
 * The user picked (button) or typed a digest time: slotting decides, the reply says what happened.
 * Shared by onboarding and /settings; `ctx.session.flow` tells which one to continue.
 *
 * @example
 * await chooseDigestTime(services, ctx, 600); // "Done! Your daily digest arrives at 10:00 UTC."
 */
export async function chooseDigestTime(services: BotServices, ctx: BotContext, minute: number): Promise<void> {
  const m = messagesOf(ctx);
  let decision: Awaited<ReturnType<BotServices['slotter']['choose']>>;
  try {
    decision = await services.slotter.choose(ctx.from!.id, minute, services.clock.nowMs());
  } catch (error) {
    // An old button pressed by someone we have no row for (database reset, hand-made update).
    if (error instanceof UnknownUserError) {
      setStep(ctx, 'idle');
      await replyOnce(ctx, m.needStart);
      return;
    }
    throw error;
  }
  const requested = formatTimeOfDay(decision.requestedMinute);
  if (decision.kind === 'full') {
    setStep(ctx, 'ask-time', ctx.session.flow ?? 'settings');
    const offers = decision.offers.map(formatTimeOfDay);
    const text = offers.length > 0 ? m.timeFullOffer(requested, offers) : m.timeFullNoOffer(requested);
    await replyOnce(ctx, text, { keyboard: offers.length > 0 ? timesKeyboard(decision.offers) : timesKeyboard() });
    return;
  }
  const onboarding = ctx.session.flow === 'onboarding';
  setStep(ctx, 'idle');
  const time = formatTimeOfDay(decision.minute);
  const said = decision.shifted ? m.timeShifted(requested, time) : m.timeAssigned(time);
  await replyOnce(ctx, onboarding ? `${said}\n\n${m.onboardingDone}` : said, { keyboard: mainMenuKeyboard(m) });
}
