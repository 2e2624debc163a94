import type { MiddlewareFn } from 'grammy';
import type { Logger } from 'pino';
import type { BotContext } from '../context.ts';
import type { UpdateLedger } from '../db/update-ledger.ts';

export interface HandleOnceOptions {
  ledger: UpdateLedger;
  /**
   * How old an unfinished claim must be before a redelivery takes the update over (its handler's instance died),
   * real ms. Webhooks: longer than any handler runs (`telegram.updateLeaseMs`, simulated, converted by the caller). Polling: 0, since only one
   * instance may poll, so an unfinished claim found by a poller is a dead poller's.
   */
  leaseMs: number;
  logger: Logger;
  /** How often a redelivery waiting for the first handler re-reads its claim, real ms. Default 250. */
  pollMs?: number;
}

export const HANDLE_ONCE_DEFAULTS = { pollMs: 250 } as const;

/**
 * Handles each `update_id` once, however often Telegram delivers it and to whichever instance. Telegram sends an
 * update again when it did not get our answer: the instance died mid-handler, or the handler outlived the
 * webhook timeout (then the first handler is still running when the copy arrives). Without this, both copies
 * are handled and the user gets two answers (the transport matrix counts them).
 *
 * - A new update is claimed (one INSERT) and handled; when its handler ends, the claim is marked finished.
 * - A copy of a finished update is dropped (`ctx.duplicate`, counted as outcome `duplicate`).
 * - A copy of an update still in progress waits for the first handler, re-reading the claim: when that one
 *   finishes, the copy is dropped; when its claim outlives `leaseMs` unfinished, its instance died and the copy
 *   handles the update. Telegram holds the chat's later updates meanwhile, so the chat's order is kept.
 * - When the ledger cannot be reached, the update is handled anyway: a possible duplicate beats a lost message.
 *
 * @example
 * bot.use(handleOnce({ ledger: new UpdateLedger(pool, 'bot-1'), leaseMs: 120_000, logger }));
 */
export function handleOnce(options: HandleOnceOptions): MiddlewareFn<BotContext> {
  const { ledger, leaseMs, logger } = options;
  const pollMs = options.pollMs ?? HANDLE_ONCE_DEFAULTS.pollMs;
  const log = logger.child({ component: 'handle-once' });

  const claim = (updateId: number) =>
    ledger.claim(updateId, leaseMs).catch((error: unknown) => {
      log.warn({ err: error, updateId }, 'update ledger unavailable; handling the update without it');
      return 'handle' as const;
    });

  return async (ctx, next) => {
    const updateId = ctx.update.update_id;
    let result = await claim(updateId);
    if (result === 'in-progress') log.info({ updateId }, 'redelivered while still being handled; waiting for it');
    while (result === 'in-progress') {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      result = await claim(updateId);
    }
    if (result === 'finished') {
      ctx.duplicate = true;
      log.info({ updateId }, 'redelivered update already handled; dropped');
      return;
    }
    try {
      await next();
    } finally {
      await ledger.finish(updateId).catch((error: unknown) => {
        log.warn({ err: error, updateId }, 'could not record the update as finished');
      });
    }
  };
}
