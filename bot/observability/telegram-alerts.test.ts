import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/telegram/index.ts';
import { waitFor } from '../../testing/wait.ts';
import { loadBotConfig } from '../config/index.ts';
import { createTelegramAlerter } from './telegram-alerts.ts';

/** The admins' group: a supergroup, so the fake applies Telegram's ~20 messages a minute per group. */
const ADMINS = -100_200;
const STORM = 60;
let telegram: FakeTelegram;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  telegram.addChat({ chat_id: ADMINS, type: 'supergroup', title: 'admins' });
});
afterAll(() => telegram?.close());

function alerter(mode: 'each' | 'summary', registry: Registry) {
  const config = loadBotConfig({
    overrides: {
      telegram: { token: telegram.tokens[0]!, apiRoot: telegram.url },
      observability: { alertChatId: ADMINS, alertMode: mode },
    },
  });
  return createTelegramAlerter({ config, registry, logger: pino({ level: 'silent' }), summaryEveryRealMs: 60_000 });
}

async function counts(registry: Registry): Promise<Record<string, number>> {
  const alerts = (await registry.getSingleMetric('bot_alerts_total')!.get()).values;
  const told = (await registry.getSingleMetric('bot_alert_errors_told_total')!.get()).values;
  return {
    ...Object.fromEntries(alerts.map((v) => [String(v.labels.outcome), v.value])),
    told: told[0]?.value ?? 0,
  };
}

const groupMessages = () => telegram.calls({ method: 'sendMessage' }).filter((c) => c.chat_id === ADMINS && c.ok);

describe('Telegram alerts into the admins group during an error storm of 60 errors', () => {
  it('each: one message per error meets the group flood limit, and the refused alerts are lost', async () => {
    telegram.reset();
    telegram.addChat({ chat_id: ADMINS, type: 'supergroup', title: 'admins' });
    const registry = new Registry();
    const alerts = alerter('each', registry);
    for (let i = 0; i < STORM; i++) alerts.capture(new Error(`Claude 529 #${i}`), { kind: 'text' });
    await alerts.close();
    const c = await counts(registry);
    expect(c.refused).toBeGreaterThan(0);
    expect(c.sent! + c.refused!).toBe(STORM);
    expect(groupMessages()).toHaveLength(c.sent!);
    expect(c.told).toBeLessThan(STORM);
  });

  it('summary: one message tells the team about all 60 errors, nothing refused', async () => {
    telegram.reset();
    telegram.addChat({ chat_id: ADMINS, type: 'supergroup', title: 'admins' });
    const registry = new Registry();
    const alerts = alerter('summary', registry);
    for (let i = 0; i < STORM; i++)
      alerts.capture(new Error(`Claude 529 #${i}`), { kind: i % 2 ? 'text' : 'callback' });
    await alerts.close();
    const c = await counts(registry);
    expect(c).toEqual({ sent: 1, told: STORM });
    await waitFor('the summary in the group', () => groupMessages()[0]);
    expect(telegram.message({ chat_id: ADMINS, message_id: groupMessages()[0]!.message_id! })?.text).toMatch(
      /60 errors \((callback 30, text 30|text 30, callback 30)\)\. First: Error: Claude 529 #0/,
    );
  });
});
