import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenarios/validate.ts';
import { correlateReplies } from './replies.ts';
import type { InjectedUpdate, ObservedCall } from './types.ts';

const conventions = parseScenario({
  name: 'c',
  load: { executor: 'constant-vus', vus: 1, duration: '1m' },
  replies: { deadline: '10s' },
}).replies;

let nextUpdateId = 1;
let nextSeq = 0;
function update(chatId: number, atMs: number, extra: Partial<InjectedUpdate> = {}): InjectedUpdate {
  const updateId = nextUpdateId++;
  return {
    updateId,
    chatId,
    userId: chatId,
    messageId: updateId * 10,
    kind: 'message',
    action: 'question',
    intendedMs: atMs,
    injectedMs: atMs,
    ...extra,
  };
}
function call(chatId: number, timeMs: number, extra: Partial<ObservedCall> = {}): ObservedCall {
  return {
    seq: nextSeq++,
    timeMs,
    method: 'sendMessage',
    chatId,
    ok: true,
    errorCode: null,
    messageId: 1,
    text: 'ответ',
    ...extra,
  };
}

describe('correlateReplies', () => {
  it('measures first output and final reply from the intended time, not the injection', () => {
    const u = update(1, 1000, { injectedMs: 1400 });
    const result = correlateReplies(
      [u],
      [call(1, 1500, { method: 'sendChatAction', messageId: null, text: null }), call(1, 2600)],
      conventions,
    );
    expect(result.outcomes[0]).toMatchObject({ firstMs: 500, finalMs: 1600, visibleReplies: 1, lost: false });
    expect(result).toMatchObject({ lostUpdates: 0, duplicateReplies: 0, outOfOrderReplies: 0 });
  });

  it('catches a planted lost reply, a planted duplicate and a reply after the deadline', () => {
    const answered = update(1, 0);
    const lost = update(2, 0);
    const duplicated = update(3, 0);
    const late = update(4, 0);
    const result = correlateReplies(
      [answered, lost, duplicated, late],
      [call(1, 100), call(3, 200), call(3, 250, { updateId: duplicated.updateId }), call(4, 12_000)],
      conventions,
    );
    expect(result.lostUpdates).toBe(2);
    expect(result.duplicateReplies).toBe(1);
    expect(result.repliesAfterDeadline).toBe(1);
    expect(result.outcomes.find((o) => o.update === lost)).toMatchObject({ lost: true, visibleReplies: 0 });
    expect(result.outcomes.find((o) => o.update === late)?.finalMs).toBeUndefined();
  });

  it('catches a planted out-of-order reply, correlated by reply_parameters / the fake attribution', () => {
    const first = update(1, 0);
    const second = update(1, 11_000);
    // The first update's reply comes after the second's: the user sees answers swapped.
    const result = correlateReplies(
      [first, second],
      [call(1, 11_500, { updateId: second.updateId }), call(1, 11_800, { replyToMessageId: first.messageId })],
      { ...conventions, deadline: 20_000 },
    );
    expect(result.outOfOrderReplies).toBe(1);
    expect(result.outcomes.find((o) => o.update === first)).toMatchObject({ outOfOrder: true, finalMs: 11_800 });
    expect(result.duplicateReplies).toBe(0);
  });

  it('without ids, attributes by per-chat order: the latest update injected before the call', () => {
    const first = update(1, 0);
    const second = update(1, 5_000);
    const result = correlateReplies([first, second], [call(1, 300), call(1, 5_200)], conventions);
    expect(result.outcomes.map((o) => o.finalMs)).toEqual([300, 200]);
    expect(result.lostUpdates).toBe(0);
  });

  it('counts fallbacks, keeps digests apart, and counts failed calls by kind', () => {
    const u = update(1, 0);
    const v = update(2, 0);
    const result = correlateReplies(
      [u, v],
      [
        call(1, 50, { text: '📰 Дайджест' }),
        call(1, 100, { text: '⚠️ Сервис перегружен, попробуйте позже' }),
        call(2, 60, { ok: false, errorCode: 429, text: null }),
        call(2, 900, { method: 'editMessageText', text: 'ok' }),
        call(9, 70),
      ],
      conventions,
    );
    expect(result.fallbackReplies).toBe(1);
    expect(result.digests).toHaveLength(1);
    expect(result.errorsByKind).toEqual({ telegram_429: 1 });
    expect(result.unsolicitedReplies).toBe(1);
    expect(result.outcomes.map((o) => o.finalMs)).toEqual([100, 900]);
  });

  it('a callback query closes with its edit; answerCallbackQuery is first output only', () => {
    const press = update(1, 0, { kind: 'callback_query', action: 'navigation', messageId: 5 });
    const result = correlateReplies(
      [press],
      [
        call(1, 40, { method: 'answerCallbackQuery', messageId: null, text: null }),
        call(1, 90, { method: 'editMessageText', messageId: 5 }),
      ],
      conventions,
    );
    expect(result.outcomes[0]).toMatchObject({ firstMs: 40, finalMs: 90 });
  });

  it('counts a long answer sent in parts once, from its first part to its last', () => {
    const question = update(1, 1000);
    const quoted = { replyToMessageId: question.messageId };
    const result = correlateReplies(
      [question],
      [
        call(1, 1200, { method: 'sendChatAction', messageId: null, text: null }),
        call(1, 3000, { ...quoted, text: 'Первая половина ответа\n\n(1/3)' }),
        call(1, 3100, { ...quoted, text: 'вторая\n\n(2/3)' }),
        call(1, 3200, { ...quoted, text: 'и третья.\n\n(3/3)' }),
      ],
      conventions,
    );
    expect(result.outcomes[0]).toMatchObject({
      firstMs: 200,
      firstPartMs: 2000,
      finalMs: 2200,
      parts: 3,
      visibleReplies: 1,
      lost: false,
    });
    expect(result).toMatchObject({ duplicateReplies: 0, unsolicitedReplies: 0, splitReplies: 1, lostUpdates: 0 });
  });

  it('still catches a split answer sent twice, and one whose last part never came', () => {
    const twice = update(1, 0);
    const unfinished = update(2, 0);
    const result = correlateReplies(
      [twice, unfinished],
      [
        call(1, 100, { text: 'a\n\n(1/2)' }),
        call(1, 110, { text: 'b\n\n(2/2)' }),
        call(1, 2100, { text: 'a\n\n(1/2)' }),
        call(1, 2110, { text: 'b\n\n(2/2)' }),
        call(2, 100, { text: 'only the first half\n\n(1/2)' }),
      ],
      conventions,
    );
    expect(result.outcomes.find((o) => o.update === twice)).toMatchObject({ visibleReplies: 2, finalMs: 110 });
    expect(result.duplicateReplies).toBe(1);
    expect(result.outcomes.find((o) => o.update === unfinished)).toMatchObject({ lost: true, visibleReplies: 1 });
    expect(result.lostUpdates).toBe(1);
  });
});
