import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScaledClock } from '../common/clock.ts';
import { type FakeIngest, startFakeIngest } from '../fakes/ingest/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { MONITORING_SERIES, watchMonitoring } from './monitoring-watch.ts';

const ADMINS = -100_300;
const clock = createScaledClock({ timeScale: 1 });
let telegram: FakeTelegram;
let ingest: FakeIngest;

beforeAll(async () => {
  telegram = await startFakeTelegram({ clock });
  telegram.addChat({ chat_id: ADMINS, type: 'supergroup', title: 'admins' });
  ingest = await startFakeIngest({ clock });
  Sentry.init({ dsn: ingest.dsn, defaultIntegrations: false, tracesSampleRate: 0 });
});
afterAll(async () => {
  await Sentry.close(2_000);
  await ingest?.close();
  await telegram?.close();
});

const last = (series: Awaited<ReturnType<ReturnType<typeof watchMonitoring>['stop']>>, name: string) =>
  series.find((s) => s.name === name)?.points.at(-1)?.[1];

describe('the monitoring watch', () => {
  it('records what reached the admins group and the ingestion, from the receiving side, on the load axis', async () => {
    const watch = watchMonitoring({
      clock,
      telegram,
      alertChatId: ADMINS,
      ingest,
      errorLogUrl: undefined,
      everyRealMs: 20,
    });
    const token = telegram.tokens[0]!;
    // 40 alerts at once: the group's flood limit refuses some of them, as Telegram would.
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${telegram.url}/bot${token}/sendMessage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ chat_id: ADMINS, text: `alert ${i}` }),
        }).then((r) => r.status),
      ),
    );
    Sentry.captureException(new Error('Claude 529'));
    await Sentry.flush(2_000);
    const series = await watch.stop();
    const refused = sent.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThan(0);
    expect(last(series, MONITORING_SERIES.alertsDelivered)).toBe(40 - refused);
    expect(last(series, MONITORING_SERIES.alertsRefused)).toBe(refused);
    expect(last(series, MONITORING_SERIES.eventsReceived)).toBe(1);
    // No error log configured: no series for it, rather than a line of zeros that would read "nothing written".
    expect(series.some((s) => s.name === MONITORING_SERIES.errorLogRows)).toBe(false);
    const delivered = series.find((s) => s.name === MONITORING_SERIES.alertsDelivered)!.points;
    expect(delivered.every(([t], i) => i === 0 || t >= delivered[i - 1]![0])).toBe(true);
  });
});
