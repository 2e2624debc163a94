import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../environment/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { callApi, closeServer, listen, readJson } from '../fakes/telegram/testing.ts';
import { type DeliverySnapshot, deliverySnapshot, judgeDelivery, watchDelivery } from './delivery-watch.ts';

const NOT_FOUND = 'Wrong response from the webhook: 404 Not Found';
const UNAUTHORIZED = 'Wrong response from the webhook: 401 Unauthorized';

/** Three seconds after the first of 30 updates, none taken: every delivery failed with `reason`. */
function failingWebhook(reason: string, overrides: Partial<NonNullable<DeliverySnapshot['webhook']>> = {}) {
  return {
    nowMs: 10_000,
    injected: 30,
    delivered: 0,
    dropped: 0,
    pending: 30,
    firstInjectedMs: 7_000,
    webhook: {
      url: 'https://127.0.0.1:4100/telegraf',
      inFlight: 0,
      failures: 24,
      failuresByReason: { [reason]: 24 },
      lastErrorMessage: reason,
      ...overrides,
    },
    pollsSinceFirstUpdate: {},
    allowedUpdates: undefined,
    unknownTokenRequests: 0,
  } satisfies DeliverySnapshot;
}

const polling = (overrides: Partial<DeliverySnapshot> = {}): DeliverySnapshot => ({
  ...failingWebhook(NOT_FOUND),
  webhook: undefined,
  ...overrides,
});

describe('judging whether updates get through', () => {
  it('names the status, the registered URL and the path to serve when every delivery gets 404', () => {
    const message = judgeDelivery(failingWebhook(NOT_FOUND), { graceRealMs: 2_000 }, { webhookRegisteredBy: 'bot' });
    expect(message).toMatch(/^no update reached the bot: .*the bot took none/);
    expect(message).toContain(
      '24 failed deliveries to https://127.0.0.1:4100/telegraf (as registered): 404 Not Found x24',
    );
    expect(message).toContain(`last_error_message "${NOT_FOUND}"`);
    expect(message).toContain('serve exactly the path the bot registers');
  });

  it('tells a bot that registered nothing to serve WEBHOOK_PATH, and points at the logs', () => {
    const message = judgeDelivery(
      failingWebhook(NOT_FOUND),
      { graceRealMs: 2_000 },
      { webhookRegisteredBy: 'botcap', logDir: '/tmp/run/logs' },
    );
    expect(message).toContain('registered by botcap, since the bot registered no webhook before the load');
    expect(message).toContain('serve WEBHOOK_PATH');
    expect(message).toMatch(/The bots' logs: \/tmp\/run\/logs$/);
  });

  it('sends a bot that refuses the secret to the secret header', () => {
    const message = judgeDelivery(failingWebhook(UNAUTHORIZED), { graceRealMs: 2_000 });
    expect(message).toContain('401 Unauthorized x24');
    expect(message).toContain('X-Telegram-Bot-Api-Secret-Token');
  });

  it('never cuts off a slow but healthy bot', () => {
    const slow = failingWebhook(NOT_FOUND, { inFlight: 24, failures: 0, failuresByReason: {} });
    // Answers still coming, long after the grace: wait for them (or for their timeouts).
    expect(judgeDelivery({ ...slow, nowMs: 60_000 }, { graceRealMs: 2_000 })).toBeUndefined();
    expect(
      judgeDelivery({ ...slow, webhook: { ...slow.webhook, failures: 4 } }, { graceRealMs: 2_000 }),
    ).toBeUndefined();
    // One update taken clears the bot for good, whatever failed besides.
    expect(judgeDelivery({ ...failingWebhook(NOT_FOUND), delivered: 1 }, { graceRealMs: 2_000 })).toBeUndefined();
    // Nothing is judged within the grace after the first update.
    expect(judgeDelivery(failingWebhook(NOT_FOUND), { graceRealMs: 5_000 })).toBeUndefined();
    expect(
      judgeDelivery({ ...polling(), injected: 0, firstInjectedMs: undefined }, { graceRealMs: 0 }),
    ).toBeUndefined();
  });

  it('judges deliveries that all failed and wait out their backoff, however few', () => {
    const few = failingWebhook(UNAUTHORIZED, { failures: 2, failuresByReason: { [UNAUTHORIZED]: 2 } });
    expect(judgeDelivery(few, { graceRealMs: 2_000 })).toContain('401 Unauthorized x2');
  });

  it('explains a polling bot that stopped polling, gets 409s, or filtered its updates out', () => {
    expect(judgeDelivery(polling(), { graceRealMs: 2_000 })).toContain(
      'no getUpdates call has returned since then (30 updates wait): the bot stopped polling',
    );
    expect(judgeDelivery(polling({ pollsSinceFirstUpdate: { '409': 12 } }), { graceRealMs: 2_000 })).toContain(
      'getUpdates calls since then failed (409 x12). A 409 means a webhook is set or another getUpdates',
    );
    const filtered = polling({ dropped: 30, pending: 0, allowedUpdates: ['edited_message'] });
    expect(judgeDelivery(filtered, { graceRealMs: 2_000 })).toContain(
      'allowed_updates (edited_message) leaves out messages and callback queries',
    );
    expect(judgeDelivery(polling({ unknownTokenRequests: 3 }), { graceRealMs: 2_000 })).toContain(
      '3 request(s) with 401 Unauthorized: a token other than BOT_TOKEN',
    );
  });

  it('points a --webhook-url run at its flags', () => {
    const context = { webhookRegisteredBy: 'webhook-url' } as const;
    expect(judgeDelivery(failingWebhook(NOT_FOUND), { graceRealMs: 2_000 }, context)).toContain(
      '(given with --webhook-url): 404 Not Found x24. getWebhookInfo: last_error_message "Wrong response from the webhook: 404 Not Found". Nothing serves that path: give --webhook-url the exact URL',
    );
    expect(judgeDelivery(failingWebhook(UNAUTHORIZED), { graceRealMs: 2_000 }, context)).toContain(
      'give --webhook-secret the secret it checks',
    );
  });

  it('keeps credentials and secrets in a registered URL out of the message', () => {
    const url = 'https://hook:hunter2-secret@bot.example.com/tg/op-secret-path';
    const message = judgeDelivery(
      failingWebhook(NOT_FOUND, { url }),
      { graceRealMs: 2_000 },
      { secrets: ['op-secret-path'] },
    );
    expect(message).toContain('bot.example.com/tg/');
    expect(message).not.toContain('hunter2-secret');
    expect(message).not.toContain('op-secret-path');
  });
});

describe('watching a live fake Telegram', () => {
  let fake: FakeTelegram;
  let server: Server | undefined;
  beforeEach(async () => {
    // Backoffs of a few ms at scale 1000; the request timeout stays 30 s real, so a busy machine cannot turn a
    // 404 into a timeout.
    fake = await startFakeTelegram({ timeScale: 1000, webhookTimeoutMs: 30_000_000, floodControl: false });
  });
  afterEach(async () => {
    await fake.close();
    if (server !== undefined) await closeServer(server);
    server = undefined;
  });

  it('reports once, from what the fake saw, when a webhook answers 404 to every update', async () => {
    const hook = await listen(async (req, res) => {
      await readJson(req);
      res.writeHead(404).end();
    });
    server = hook.server;
    await callApi(fake.url, fake.tokens[0]!, 'setWebhook', { url: `${hook.url}/not-served` });
    for (const user of [1, 2, 3, 4, 5, 6]) fake.inject({ kind: 'message', user_id: user, text: 'hello?' });
    const verdicts: string[] = [];
    const watch = watchDelivery({
      telegram: fake,
      graceRealMs: 50,
      checkIntervalRealMs: 10,
      onVerdict: (message) => verdicts.push(message),
    });
    try {
      await waitFor('the verdict', async () => verdicts.length > 0, { timeoutMs: 10_000 });
    } finally {
      watch.stop();
    }
    expect(verdicts).toHaveLength(1);
    expect(watch.verdict()).toBe(verdicts[0]);
    expect(verdicts[0]).toContain(`deliveries to ${hook.url}/not-served (as registered): 404 Not Found x`);
  });

  it('reads delivered updates from the fake, so a working webhook is never judged', async () => {
    const hook = await listen(async (req, res) => {
      await readJson(req);
      res.end();
    });
    server = hook.server;
    await callApi(fake.url, fake.tokens[0]!, 'setWebhook', { url: hook.url });
    fake.inject({ kind: 'message', user_id: 7, text: 'hi' });
    await waitFor('the delivery', async () => fake.stats().bots[0]!.updates_delivered === 1, { timeoutMs: 10_000 });
    const snapshot = deliverySnapshot(fake, fake.tokens[0]!);
    expect(snapshot).toMatchObject({ injected: 1, delivered: 1, webhook: { url: hook.url, failures: 0 } });
    expect(judgeDelivery(snapshot, { graceRealMs: 0 })).toBeUndefined();
  });
});
