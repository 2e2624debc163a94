import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, BotHarness, startBackends } from '../testing/bot-harness.ts';
import { waitFor } from '../testing/wait.ts';

/**
 * The bot's user-visible behaviour, end to end: real grammY against the fake Telegram over HTTP, the
 * real assistant against the fake Claude, a real Postgres. Every behaviour runs in both transports.
 */
let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends?.stop());

async function queryOne<T extends pg.QueryResultRow>(
  bot: BotHarness,
  sql: string,
  params: unknown[],
): Promise<T | undefined> {
  const { rows } = await bot.app.pool.query<T>(sql, params);
  return rows[0];
}

describe.each(['polling', 'webhook'] as const)('the bot over %s', (transport) => {
  let bot: BotHarness;
  // Distinct users per transport: the fake keeps its chats for the whole file.
  const base = transport === 'polling' ? 1000 : 2000;
  beforeAll(async () => {
    // One seat per 5-minute slot, so a second user asking for 10:00 meets a full slot.
    bot = await BotHarness.start(backends, transport, { 'slotting.mode': 'offer', 'slotting.capPerSlot': 1 });
  });
  afterAll(() => bot?.stop());

  it('onboards with /start: name, topic, digest time (typed), then offers the menu', async () => {
    const user = base + 1;
    const hello = await bot.send({ kind: 'command', user_id: user, command: 'start', first_name: 'Ann' });
    expect(hello.method).toBe('sendMessage');
    expect(hello.text).toContain('Shall I call you Ann?');
    expect(hello.buttons).toEqual(['✅ Yes', '✏️ Another name']);

    const topic = await bot.press(user, '✅ Yes');
    expect(topic.method).toBe('editMessageText');
    expect(topic.text).toContain('Which topic');
    expect(topic.buttons).toContain('🔬 Science');

    const time = await bot.press(user, '🔬 Science');
    expect(time.text).toContain('Science it is');
    expect(time.buttons).toContain('10:00');

    const done = await bot.send({ kind: 'message', user_id: user, text: '10:00' });
    expect(done.text).toMatch(/^Done! Your daily digest arrives at 10:00 UTC\./);
    expect(done.buttons).toEqual(['📚 Topics', '⚙️ Settings', '❓ Help']);

    const row = await queryOne<{ topic: string; digest_minute: number; onboarded_at: Date | null; first_name: string }>(
      bot,
      'SELECT topic, digest_minute, onboarded_at, first_name FROM users WHERE user_id = $1',
      [user],
    );
    expect(row).toMatchObject({ topic: 'science', digest_minute: 600, first_name: 'Ann' });
    expect(row?.onboarded_at).toBeInstanceOf(Date);
    // Every update got exactly one visible reply and every button press was answered.
    expect(bot.replies(user)).toHaveLength(4);
    expect(bot.calls.filter((c) => c.method === 'answerCallbackQuery' && c.ok).length).toBeGreaterThanOrEqual(2);
  });

  it('speaks Russian to ru users and keeps a typed name with emoji, RTL and Cyrillic', async () => {
    const user = base + 2;
    const hello = await bot.send({
      kind: 'command',
      user_id: user,
      command: 'start',
      first_name: 'Анна',
      language_code: 'ru',
    });
    expect(hello.text).toContain('Называть вас Анна?');
    expect((await bot.press(user, '✏️ Другое имя')).text).toBe('Как к вам обращаться? Напишите имя.');
    const name = 'Аня 🌸 שלום';
    const next = await bot.send({ kind: 'message', user_id: user, text: name, language_code: 'ru' });
    expect(next.text).toBe(`Приятно познакомиться, ${name}! Какая тема вам интереснее всего?`);
    const row = await queryOne<{ first_name: string }>(bot, 'SELECT first_name FROM users WHERE user_id = $1', [user]);
    expect(row?.first_name).toBe(name);
  });

  it('answers free text through Claude with the conversation so far, typing first', async () => {
    const user = base + 3;
    const claudeBefore = backends.claude.calls().length;
    const first = await bot.send({ kind: 'message', user_id: user, text: 'What happened in science this week?' });
    expect(first.text).toBeTruthy();
    expect(first.text!.startsWith('⚠️')).toBe(false);
    const typingIndex = bot.calls.findIndex((c) => c.method === 'sendChatAction' && c.chatId === user);
    expect(typingIndex).toBeGreaterThanOrEqual(0);
    expect(typingIndex).toBeLessThan(bot.calls.indexOf(first));

    await bot.send({ kind: 'message', user_id: user, text: 'And what about the Moon? 🌕' });
    await waitFor('both turns stored', async () => {
      const row = await queryOne<{ n: string }>(bot, 'SELECT count(*) AS n FROM turns WHERE user_id = $1', [user]);
      return Number(row?.n) === 4;
    });
    const claudeCalls = backends.claude
      .calls()
      .slice(claudeBefore)
      .filter((c) => c.endpoint === 'messages');
    expect(claudeCalls).toHaveLength(2);
    // The second request carried the first question and answer as context.
    const inputTokens = (call: (typeof claudeCalls)[number]) =>
      (call.usage?.inputTokens ?? 0) +
      (call.usage?.cacheWrite5mTokens ?? 0) +
      (call.usage?.cacheWrite1hTokens ?? 0) +
      (call.usage?.cacheReadTokens ?? 0);
    expect(inputTokens(claudeCalls[1]!)).toBeGreaterThan(inputTokens(claudeCalls[0]!));
  });

  it('navigates menus and topics without calling Claude', async () => {
    const user = base + 4;
    await bot.send({ kind: 'command', user_id: user, command: 'start' });
    const claudeBefore = backends.claude.calls().length;
    const menu = await bot.send({ kind: 'command', user_id: user, command: 'menu' });
    expect(menu.text).toBe('Menu');
    const topics = await bot.press(user, '📚 Topics');
    expect(topics.text).toContain('Topics');
    const card = await bot.press(user, '📈 Business');
    expect(card.text).toContain('Markets, startups and the economy.');
    const chosen = await bot.press(user, '⭐ Make it my topic');
    expect(chosen.text).toContain('This is your topic.');
    const back = await bot.press(user, '⬅️ Back');
    expect(back.text).toContain('Topics');
    expect(backends.claude.calls().length).toBe(claudeBefore);
    const row = await queryOne<{ topic: string }>(bot, 'SELECT topic FROM users WHERE user_id = $1', [user]);
    expect(row?.topic).toBe('business');
  });

  it('changes topic and digest time in /settings', async () => {
    const user = base + 5;
    await bot.send({ kind: 'command', user_id: user, command: 'start' });
    await bot.press(user, '✅ Yes');
    await bot.press(user, '💻 Technology');
    await bot.press(user, '09:00');
    const settings = await bot.send({ kind: 'command', user_id: user, command: 'settings' });
    expect(settings.text).toBe('Settings\nTopic: 💻 Technology\nDigest: 09:00 UTC');
    expect((await bot.press(user, '⏰ Change time')).buttons).toContain('18:00');
    expect((await bot.press(user, '18:00')).text).toBe('Done! Your daily digest arrives at 18:00 UTC.');
    await bot.send({ kind: 'command', user_id: user, command: 'settings' });
    await bot.press(user, '📚 Change topic');
    expect((await bot.press(user, '🎭 Culture')).text).toBe('Your topic is now Culture.');
    const again = await bot.send({ kind: 'command', user_id: user, command: 'settings' });
    expect(again.text).toBe('Settings\nTopic: 🎭 Culture\nDigest: 18:00 UTC');
  });

  it('pauses digests with /stop and resumes them with /start', async () => {
    const user = base + 6;
    await bot.send({ kind: 'command', user_id: user, command: 'start' });
    await bot.press(user, '✅ Yes');
    await bot.press(user, '⚽ Sport');
    await bot.press(user, '07:00');
    expect((await bot.send({ kind: 'command', user_id: user, command: 'stop' })).text).toContain('Digests are paused');
    const paused = await queryOne<{ digests_paused: boolean }>(
      bot,
      'SELECT digests_paused FROM users WHERE user_id = $1',
      [user],
    );
    expect(paused?.digests_paused).toBe(true);
    expect((await bot.send({ kind: 'command', user_id: user, command: 'start' })).text).toBe(
      'Digests are back on: daily at 07:00 UTC.',
    );
    const resumed = await queryOne<{ digests_paused: boolean }>(
      bot,
      'SELECT digests_paused FROM users WHERE user_id = $1',
      [user],
    );
    expect(resumed?.digests_paused).toBe(false);
  });

  it('replies with a polite ⚠️ fallback when Claude is down, never with silence', async () => {
    const user = base + 7;
    backends.claude.setFaults({ windows: [{ fromMs: 0, toMs: 10 ** 12, rate: 1, kind: '500' }] });
    try {
      const reply = await bot.send({ kind: 'message', user_id: user, text: 'Are you there?' });
      expect(reply.text).toMatch(/^⚠️/);
    } finally {
      backends.claude.setFaults({ windows: [] });
    }
  });

  it('offers the next free slots when 10:00 is full, and takes the one pressed', async () => {
    const user = base + 9;
    await bot.send({ kind: 'command', user_id: user, command: 'start' });
    await bot.press(user, '✅ Yes');
    await bot.press(user, '🩺 Health');
    // The onboarding test's user holds the only seat at 10:00.
    const full = await bot.press(user, '10:00');
    expect(full.text).toBe('10:00 is full. How about 10:05, 10:10, 10:15?');
    expect(full.buttons).toEqual(['10:05', '10:10', '10:15']);
    expect((await bot.press(user, '10:10')).text).toMatch(/^Done! Your daily digest arrives at 10:10 UTC\./);
  });

  it('answers a button it cannot read with the menu, and unknown commands politely', async () => {
    const user = base + 8;
    await bot.send({ kind: 'command', user_id: user, command: 'help' });
    const stale = await bot.send({ kind: 'callback_query', user_id: user, data: 'no:such:button' });
    expect(stale.text).toBe('That button no longer works. Here is the menu.');
    expect(stale.buttons).toContain('📚 Topics');
    const unknown = await bot.send({ kind: 'command', user_id: user, command: 'frobnicate' });
    expect(unknown.text).toBe('I do not know that command. Try /help.');
  });
});

describe('auto slotting', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    bot = await BotHarness.start(backends, 'webhook', { 'slotting.mode': 'auto', 'slotting.capPerSlot': 1 });
  });
  afterAll(() => bot?.stop());

  it('moves the second 10:00 request to 10:05 and says so', async () => {
    for (const user of [3101, 3102]) {
      await bot.send({ kind: 'command', user_id: user, command: 'start' });
      await bot.press(user, '✅ Yes');
      await bot.press(user, '🔬 Science');
    }
    expect((await bot.press(3101, '10:00')).text).toMatch(/^Done! Your daily digest arrives at 10:00 UTC\./);
    expect((await bot.press(3102, '10:00')).text).toMatch(
      /^10:00 is full, so your daily digest arrives at 10:05 UTC\./,
    );
  });
});
