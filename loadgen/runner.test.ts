import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bot, InlineKeyboard, webhookCallback } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, createScaledClock } from '../common/clock.ts';
import { decodeHistogram } from '../contracts/histogram.ts';
import type { Transport } from '../contracts/transport.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { applyOverrides } from '../scenarios/overrides.ts';
import { loadScenario } from '../scenarios/registry.ts';
import type { ScenarioInput } from '../scenarios/schema.ts';
import { parseScenario } from '../scenarios/validate.ts';
import { histogramStats } from './metrics/histogram.ts';
import { LoadRunner, type ProgressEvent } from './runner.ts';

/**
 * End to end against the real fake Telegram with a tiny grammY bot polling it: the bot cannot tell it is
 * a test, and every number comes from the fake's records.
 */

let fake: FakeTelegram | undefined;
let bot: Bot | undefined;
let polling: Promise<void> | undefined;
let hook: Server | undefined;
let scheduler: NodeJS.Timeout | undefined;

afterEach(async () => {
  clearInterval(scheduler);
  if (polling !== undefined) await bot?.stop();
  await polling;
  await new Promise((resolve) => (hook === undefined ? resolve(undefined) : hook.close(resolve)));
  hook?.closeAllConnections();
  await fake?.close();
  fake = undefined;
  bot = undefined;
  polling = undefined;
  hook = undefined;
});

/**
 * Onboarding (topic, then time), menus, echo with reply_parameters, and a digest scheduler: just after 12:00
 * (simulated) it sends one 📰 to every chat whose onboarding was confirmed before 12:00, as a real bot's
 * scheduler would.
 */
function echoBot(telegram: FakeTelegram, token: string, stall: { fromMs: number; forMs: number } | undefined) {
  const created = new Bot(token, { client: { apiRoot: telegram.url } });
  const startedAt = performance.now();
  let stalled = false;
  let edits = 0;
  /**
   * Chat -> when the fake recorded the bot's first onboarding confirmation (its clock): the instant the
   * runner owes digests from, so a confirmation in flight across 12:00 counts the same on both sides.
   */
  const confirmedAtFakeMs = new Map<number, number>();
  created.use(async (_ctx, next) => {
    // Planted stall: once, the whole (sequential) bot stops for `forMs` of real time.
    if (stall !== undefined && !stalled && performance.now() - startedAt >= stall.fromMs) {
      stalled = true;
      await new Promise((resolve) => setTimeout(resolve, stall.forMs));
    }
    await next();
  });
  created.command('start', (ctx) =>
    ctx.reply('Выберите тему', {
      reply_markup: new InlineKeyboard().text('Технологии', 'topic:tech').text('Финансы', 'topic:finance'),
    }),
  );
  /** Presses per callback data: every menu page offers a pause and a time button, which navigation must never press. */
  const pressed = new Map<string, number>();
  created.on('callback_query:data', async (ctx, next) => {
    pressed.set(ctx.callbackQuery.data, (pressed.get(ctx.callbackQuery.data) ?? 0) + 1);
    await next();
  });
  const menuPage = (browse: InlineKeyboard) => browse.text('⏸ Пауза', 'nav:pause').text('09:00', 'nav:time');
  created.command(['settings', 'menu'], (ctx) =>
    ctx.reply('Меню', {
      reply_markup: menuPage(new InlineKeyboard().text('Темы', 'nav:topics').text('Помощь', 'nav:help')),
    }),
  );
  created.callbackQuery(/^topic:/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText('Во сколько присылать дайджест?', {
      reply_markup: new InlineKeyboard().text('11:00', 'time:660').text('12:00', 'time:720'),
    });
  });
  created.callbackQuery(/^time:/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const sentAtFakeMs = telegram.nowMs();
    await ctx.editMessageText(`Готово! Дайджест в 12:00 #${++edits}`);
    const chatId = ctx.chat!.id;
    const [confirmation] = telegram.calls({ chat_id: chatId, method: 'editMessageText', since_ms: sentAtFakeMs });
    if (confirmation !== undefined && !confirmedAtFakeMs.has(chatId))
      confirmedAtFakeMs.set(chatId, confirmation.time_ms);
  });
  created.callbackQuery(/^nav:/, async (ctx) => {
    await ctx.answerCallbackQuery();
    // A counter keeps every edit different: Telegram (and the fake) refuse an edit that changes nothing.
    await ctx.editMessageText(`Раздел ${ctx.callbackQuery.data} #${++edits}`, {
      reply_markup: menuPage(new InlineKeyboard().text('Темы', 'nav:topics').text('Назад', 'nav:back')),
    });
  });
  created.on('message:text', async (ctx) => {
    await ctx.replyWithChatAction('typing');
    await ctx.reply(`echo: ${ctx.message.text.slice(0, 50)}`, {
      reply_parameters: { message_id: ctx.message.message_id },
    });
  });
  const startScheduler = (clock: Clock) => {
    const noonMs = Date.parse('2026-11-30T12:00:00Z');
    // The digest run waits 10 s (simulated) past 12:00, so confirmations sent just before it are booked.
    scheduler = setInterval(() => {
      if (clock.nowMs() < noonMs + 10_000) return;
      clearInterval(scheduler);
      const noonFakeMs = telegram.nowMs() - clock.toRealMs(clock.nowMs() - noonMs);
      for (const [chatId, atFakeMs] of confirmedAtFakeMs) {
        if (atFakeMs < noonFakeMs) void created.api.sendMessage(chatId, '📰 Дайджест дня');
      }
    }, 5);
  };
  return { created, startScheduler, pressed };
}

interface SetUp {
  /** Simulated clock start; default the scenario's date and start. */
  startAtIso?: string;
  stall?: { fromMs: number; forMs: number };
  transport?: Transport;
  signal?: AbortSignal;
}

async function setUp(input: ScenarioInput, { startAtIso, stall, transport = 'polling', signal }: SetUp = {}) {
  const scenario = parseScenario(input);
  fake = await startFakeTelegram({ timeScale: Number(scenario.timeScale), floodControl: false });
  const token = fake.tokens[0]!;
  const echo = echoBot(fake, token, stall);
  bot = echo.created;
  if (transport === 'polling') polling = bot.start({ timeout: 1 });
  else {
    const secretToken = 'echo_secret';
    hook = createServer(webhookCallback(bot, 'http', { secretToken }));
    await new Promise<void>((resolve) => hook!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
    await bot.api.setWebhook(url, { secret_token: secretToken, max_connections: 40 });
    // Warm the webhook path (first connections, first handler call) outside the measured run.
    const warm = fake.inject({ kind: 'message', user_id: 1, text: 'warm-up' });
    expect(await fake.waitForReply({ chat_id: 1, since_ms: warm.injected_ms, timeout_ms: 10_000 })).not.toBeNull();
  }
  // The clock starts last, so the simulated start is when the run starts, not when the bot was still booting.
  const clock = createScaledClock({
    timeScale: Number(scenario.timeScale),
    startAtMs: Date.parse(startAtIso ?? `${scenario.date}T${scenario.start}:00Z`),
  });
  echo.startScheduler(clock);
  return {
    scenario,
    pressed: echo.pressed,
    runner: new LoadRunner({ fake, token, scenario, clock, signal, progressIntervalRealMs: 250 }),
  };
}

describe('LoadRunner against the fake Telegram', () => {
  it('closed model: new users onboard through the buttons, chat, and every reply and digest is accounted for', async () => {
    // 11:59 to 12:01 simulated at 30x: users onboard before the bot's 12:00 digest run (or after it, and are owed none).
    const { runner, pressed } = await setUp(
      {
        name: 'e2e-closed',
        seed: 7,
        timeScale: 30,
        start: '11:59',
        load: { executor: 'constant-vus', vus: 6, duration: '2m' },
        population: { size: 12, onboarded: false, digestTimes: { peak: '12:00', peakShare: 1 } },
        behaviour: { thinkTime: { median: '1s', p95: '3s' }, conversationLength: { mean: 3, max: 5 } },
        replies: { deadline: '5m' },
      },
      { startAtIso: '2026-11-30T11:59:00Z' },
    );
    const progress: ProgressEvent[] = [];
    runner.on('progress', (event) => progress.push(event));
    const measuring: Array<{ updates: number; calls: number; progressBefore: number }> = [];
    runner.on('measuring', (event) => measuring.push({ ...event, progressBefore: progress.length }));
    const result = await runner.run();

    expect(result.status).toBe('completed');
    expect(result.load.updatesInjected).toBeGreaterThan(12);
    // Once, when the load is over: no progress after it, and it counts what the result measures.
    expect(measuring).toEqual([
      { updates: result.load.updatesInjected, calls: result.telegram.botCalls, progressBefore: progress.length },
    ]);
    expect(result.load.updatesByAction.start).toBeGreaterThanOrEqual(6 * 3);
    expect(result.correctness.lostUpdates).toBe(0);
    expect(result.correctness.duplicateReplies).toBe(0);
    expect(result.correctness.outOfOrderReplies).toBe(0);
    expect(result.correctness.errorsByKind).toEqual({});
    // Every user onboarded before 12:00 got exactly one digest; later ones were not owed one.
    const digests = result.correctness.digests;
    expect(digests.expected).toBeGreaterThan(0);
    expect(digests).toMatchObject({ missing: 0, duplicated: 0, delivered: digests.expected });
    expect(result.latency.replyFinal.count).toBe(result.load.updatesInjected);
    expect(result.telegram.callsByMethod.editMessageText).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
    expect(result.timeSeries.map((s) => s.name)).toContain('reply_p95_ms');
    // Navigation browses: it pressed menu buttons, but never pause (behaviour.neverPress) nor a time of day.
    const browsed = ['nav:topics', 'nav:help', 'nav:back'].reduce((sum, data) => sum + (pressed.get(data) ?? 0), 0);
    expect(browsed).toBeGreaterThan(5);
    expect(pressed.get('nav:pause')).toBeUndefined();
    expect(pressed.get('nav:time')).toBeUndefined();
  });

  it('open model: a planted 2 s stall shows in p99 and max, and arrivals with no idle VU are dropped', async () => {
    const { runner } = await setUp(
      {
        name: 'e2e-stall',
        timeScale: 1,
        load: {
          executor: 'constant-arrival-rate',
          rate: 20,
          timeUnit: '1s',
          duration: '4s',
          preAllocatedVUs: 10,
          maxVUs: 10,
        },
        population: { size: 200, onboarded: true },
        behaviour: { mix: { navigation: 0, question: 1, settings: 0, start: 0 } },
        replies: { deadline: '10s' },
      },
      { stall: { fromMs: 1000, forMs: 2000 } },
    );
    const result = await runner.run();

    const stats = histogramStats(decodeHistogram(result.latency.replyFinal));
    // Latency runs from the intended time: the stall is in the numbers, not hidden by the generator waiting.
    expect(stats.max).toBeGreaterThanOrEqual(1800);
    expect(stats.p99).toBeGreaterThanOrEqual(1000);
    expect(stats.p50).toBeLessThan(1000);
    expect(result.load.updatesDropped).toBeGreaterThan(10);
    expect(result.load.updatesInjected + result.load.updatesDropped).toBe(80);
    expect(result.load.maxVus).toBe(10);
    expect(result.correctness.lostUpdates).toBe(0);
    expect(result.correctness.duplicateReplies).toBe(0);
  });

  it('webhook transport: the same run, the fake delivers by webhook; the runner cannot tell the difference', async () => {
    const { runner } = await setUp(
      {
        name: 'e2e-webhook',
        timeScale: 10,
        // VUs to spare: this test is about the transport, not about drops on a busy CI machine.
        load: { executor: 'constant-arrival-rate', rate: 5, timeUnit: '1s', duration: '20s', preAllocatedVUs: 100 },
        population: { size: 200, onboarded: true },
        behaviour: { mix: { navigation: 1, question: 1, settings: 1, start: 0 } },
      },
      { transport: 'webhook' },
    );
    const callsBefore = fake!.stats().bots[0]!.calls;
    const result = await runner.run();
    expect(result.load.updatesInjected).toBe(100);
    expect(result).toMatchObject({
      load: { updatesDropped: 0 },
      correctness: { lostUpdates: 0, duplicateReplies: 0, outOfOrderReplies: 0 },
    });
    expect(result.latency.replyFinal.count).toBe(100);
    // setWebhook and the warm-up's calls came before the load: not the run's.
    expect(callsBefore).toBeGreaterThan(1);
    expect(result.telegram.callsByMethod.setWebhook).toBeUndefined();
    expect(result.telegram.botCalls).toBe(fake!.stats().bots[0]!.calls - callsBefore);
  });

  it('the built-in smoke scenario runs clean against a minimal bot in seconds', async () => {
    // A generous deadline: a shared CI box may stall for longer than the scenario's 30 s (1.5 s real at 20x).
    const { runner } = await setUp(applyOverrides(await loadScenario('smoke'), { replyDeadline: '5m', timeScale: 20 }));
    const result = await runner.run();
    expect(result.durationRealS).toBeLessThan(15);
    expect(result.load.updatesByAction.start).toBeGreaterThan(24);
    expect(result.correctness).toMatchObject({ lostUpdates: 0, duplicateReplies: 0, outOfOrderReplies: 0 });
    expect(result.correctness.digests).toMatchObject({ missing: 0, duplicated: 0 });
  });

  it('waits for the simulated start when the clock is anchored ahead of it', async () => {
    const { runner } = await setUp(
      {
        name: 'e2e-wait',
        timeScale: 60,
        start: '10:00',
        load: { executor: 'constant-arrival-rate', rate: 1, timeUnit: '1s', duration: '30s', preAllocatedVUs: 10 },
        population: { size: 20 },
        behaviour: { mix: { navigation: 0, question: 1, settings: 0, start: 0 } },
      },
      { startAtIso: '2026-11-30T09:59:00Z' },
    );
    const startedMs = performance.now();
    const result = await runner.run();
    // One simulated minute of waiting at 60x is a real second; the window then starts at 10:00.
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(1_400);
    expect(result.load.updatesInjected + result.load.updatesDropped).toBe(30);
    expect(result.correctness.lostUpdates).toBe(0);
  });

  it('stops on abort and reports what ran', async () => {
    const controller = new AbortController();
    const { runner } = await setUp(
      {
        name: 'e2e-abort',
        timeScale: 10,
        load: { executor: 'constant-vus', vus: 4, duration: '10m' },
        population: { size: 10, onboarded: true },
      },
      { signal: controller.signal },
    );
    runner.once('progress', () => controller.abort());
    const startedMs = performance.now();
    const result = await runner.run();
    expect(performance.now() - startedMs).toBeLessThan(5_000);
    expect(result.status).toBe('aborted');
    expect(result.load.updatesInjected).toBeGreaterThan(0);
  });
});
