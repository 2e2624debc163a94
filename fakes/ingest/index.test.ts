import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScaledClock } from '../../common/clock.ts';
import { type FakeIngest, parseEnvelope, startFakeIngest } from './index.ts';

let ingest: FakeIngest;

beforeAll(async () => {
  ingest = await startFakeIngest({ clock: createScaledClock({ timeScale: 1 }) });
  // The real client, as the bot uses it: errors only, no tracing, no default integrations that patch the process.
  Sentry.init({ dsn: ingest.dsn, defaultIntegrations: false, tracesSampleRate: 0 });
});
afterAll(async () => {
  await Sentry.close(2_000);
  await ingest?.close();
});

describe('the fake ingestion endpoint, fed by the real @sentry/node client', () => {
  it('counts each captured exception with the time it arrived', async () => {
    ingest.reset();
    const before = performance.now();
    for (let i = 0; i < 3; i++) Sentry.captureException(new Error(`Claude 529 #${i}`));
    await Sentry.flush(2_000);
    const events = ingest.events();
    expect(events.map((e) => e.exception).sort()).toEqual([
      'Error: Claude 529 #0',
      'Error: Claude 529 #1',
      'Error: Claude 529 #2',
    ]);
    expect(events.every((e) => e.eventId.length === 32)).toBe(true);
    expect(events[0]!.receivedMs).toBeGreaterThan(0);
    expect(performance.now() - before).toBeLessThan(2_000);
  });

  it('refuses events above its quota with 429 and X-Sentry-Rate-Limits, and the client stops sending', async () => {
    ingest.reset();
    ingest.setEventsPerMin(2);
    for (let i = 0; i < 10; i++) {
      Sentry.captureException(new Error(`storm #${i}`));
      await Sentry.flush(1_000);
    }
    const stats = ingest.stats();
    expect(stats.events).toBe(2);
    expect(stats.refused).toBe(1);
    // After one 429 the client honours the rate-limit header: it drops the rest without posting them.
    expect(stats.offered).toBeLessThan(10);
    ingest.setEventsPerMin(0);
  });

  it('answers a wrong key 401 and a body that is not an envelope 400', async () => {
    const wrongKey = await fetch(`${ingest.url}/api/1/envelope/?sentry_key=nope`, { method: 'POST', body: '{}\n' });
    expect(wrongKey.status).toBe(401);
    const bad = await fetch(`${ingest.url}/api/1/envelope/?sentry_key=botcap`, { method: 'POST', body: 'not json' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('envelope header is not JSON');
  });
});

describe('parseEnvelope', () => {
  it('reads items with and without a length header', () => {
    const payload = '{"event_id":"a"}';
    const body = `{"event_id":"a"}\n{"type":"event","length":${payload.length}}\n${payload}\n{"type":"client_report"}\n{"x":1}\n`;
    const envelope = parseEnvelope(Buffer.from(body));
    expect(envelope.items.map((item) => item.type)).toEqual(['event', 'client_report']);
    expect(envelope.items[1]!.payload).toEqual({ x: 1 });
  });
});
