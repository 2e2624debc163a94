import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PostgresHandle, startPostgres } from '../../environment/postgres.ts';
import { type ManagedProcess, startProcess } from '../../environment/supervisor.ts';
import { freePort, waitFor } from '../../environment/util.ts';
import { Sampler, type SampleSource } from './sampler.ts';
import {
  botMetricsSource,
  connectionProbeSource,
  eventLoopLagSource,
  postgresActivitySource,
  processStatsSource,
} from './sources.ts';

const METRICS = [
  '# TYPE bot_updates_total counter',
  'bot_updates_total{transport="polling"} 41',
  '# TYPE bot_db_connection_errors_total counter',
  'bot_db_connection_errors_total{sqlstate="53300"} 2',
  'bot_db_connection_errors_total{sqlstate="57P01"} 1',
  '# TYPE process_cpu_seconds_total counter',
  'process_cpu_seconds_total 1.5',
  '',
].join('\n');

let db: PostgresHandle;
let metricsServer: Server;
let metricsUrl: string;
let bot: ManagedProcess;
beforeAll(async () => {
  db = await startPostgres({ maxConnections: 8 });
  metricsServer = createServer((_req, res) => res.end(METRICS));
  await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
  metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`;
  const port = await freePort();
  bot = await startProcess({
    name: 'bot-1',
    command: process.execPath,
    args: [new URL('../../environment/testdata/stand-in-bot.mjs', import.meta.url).pathname, '--port', String(port)],
    ready: { kind: 'port', port },
  });
});
afterAll(async () => {
  await bot?.stop();
  metricsServer?.close();
  await db?.stop();
});

describe('Sampler', () => {
  it('collects bots, Postgres, processes and event-loop lag every interval into one typed series', async () => {
    const sampler = new Sampler(
      {
        bots: botMetricsSource(() => [
          { instance: 'bot-1', url: metricsUrl },
          { instance: 'bot-gone', url: 'http://127.0.0.1:1/metrics' },
        ]),
        postgres: postgresActivitySource({ adminUrl: db.adminUrl }),
        probe: connectionProbeSource({ url: db.url }),
        processes: processStatsSource(() => [
          ...db.pids().map((pid) => ({ name: 'postgres', pid, withChildren: true })),
          ...bot.pids().map((pid) => ({ name: 'bot-1', pid })),
        ]),
        eventLoop: eventLoopLagSource(),
      },
      // Generous per-source timeout: this machine may be busy; timeouts have their own test below.
      { intervalMs: 200, sourceTimeoutMs: 5_000 },
    );
    const app = new pg.Client({ connectionString: db.url, application_name: 'bot-1' });
    await app.connect();
    sampler.start();
    await waitFor('3 samples', async () => sampler.series.length >= 3, { timeoutMs: 10_000 });
    const series = await sampler.stop();
    await app.end();

    const ticks = series.map((s) => s.tMs);
    expect(ticks[0]).toBeLessThan(200);
    expect(ticks.every((t, i) => i === 0 || t > ticks[i - 1]!)).toBe(true);
    const last = series.at(-1)!;
    expect(last.errors).toEqual([]);

    const [up, down] = last.bots!;
    expect(up).toMatchObject({ instance: 'bot-1', up: true, connectionErrorsTotal: 3 });
    expect(up!.samples.map((s) => s.name)).toEqual([
      'bot_updates_total',
      'bot_db_connection_errors_total',
      'bot_db_connection_errors_total',
    ]);
    expect(down).toMatchObject({ instance: 'bot-gone', up: false, connectionErrorsTotal: undefined });

    const activity = last.postgres!;
    expect(activity.maxConnections).toBe(8);
    expect(activity.byApplication).toContainEqual({
      database: 'botcap',
      user: 'botcap_app',
      applicationName: 'bot-1',
      connections: 1,
    });
    // The bot's connection and the sampler's own admin connection, at least.
    expect(activity.clientConnections).toBeGreaterThanOrEqual(2);
    expect(activity.byState.find((s) => s.state === 'active')?.connections).toBeGreaterThanOrEqual(1);
    expect(last.probe).toMatchObject({ ok: true, tooManyClientsTotal: 0 });

    const names = last.processes!.map((p) => p.name);
    expect(names).toEqual(['generator', 'postgres', 'bot-1']);
    // The postmaster plus its backends and background workers (checkpointer, walwriter, the bot's backend...).
    expect(last.processes![1]!.processCount).toBeGreaterThan(3);
    expect(last.processes![2]!.processCount).toBe(1);
    for (const p of last.processes!) {
      expect(p.rssBytes).toBeGreaterThan(1_000_000);
      expect(p.cpuPercent).toBeGreaterThanOrEqual(0);
    }
    expect(last.eventLoop!.meanMs).toBeGreaterThan(0);
    expect(last.eventLoop!.maxMs).toBeGreaterThanOrEqual(last.eventLoop!.p99Ms);
  });

  it('sees SQLSTATE 53300 with its probe when the bots hold every slot', async () => {
    const probe = connectionProbeSource({ url: db.url });
    const held: pg.Client[] = [];
    try {
      // Fill every non-reserved slot (backends of the previous test may still be exiting: fill until refused).
      for (let i = 0; i < db.maxConnections; i++) {
        const client = new pg.Client({ connectionString: db.url });
        client.on('error', () => undefined);
        const refused = await client.connect().then(
          () => false,
          (error: { code?: string }) => error.code === '53300',
        );
        if (refused) break;
        held.push(client);
      }
      const first = await probe.collect();
      const second = await probe.collect();
      expect(first).toMatchObject({ ok: false, errorCode: '53300', tooManyClientsTotal: 1, failuresTotal: 1 });
      expect(second.tooManyClientsTotal).toBe(2);
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
    // Backends exit just after their clients end: poll until the probe gets in again.
    const recovered = await waitFor('a free slot', async () => {
      const sample = await probe.collect();
      return sample.ok && sample;
    });
    expect(recovered.tooManyClientsTotal).toBeGreaterThanOrEqual(2);
  });

  it('records a failing or slow source as an error for that tick and keeps the others', async () => {
    const failing: SampleSource<number> = {
      collect: () => {
        throw new Error('fake telegram is down');
      },
    };
    const slow: SampleSource<number> = { collect: () => new Promise((resolve) => setTimeout(() => resolve(1), 500)) };
    const counter: SampleSource<{ sentMessagesTotal: number }> = { collect: () => ({ sentMessagesTotal: 7 }) };
    const sampler = new Sampler({ failing, slow, fakeTelegram: counter }, { intervalMs: 100 });
    const sample = await sampler.sampleOnce();
    expect(sample.fakeTelegram).toEqual({ sentMessagesTotal: 7 });
    expect(sample.failing).toBeUndefined();
    expect(sample.slow).toBeUndefined();
    expect(sample.errors).toEqual([
      { source: 'failing', message: 'fake telegram is down' },
      { source: 'slow', message: 'no answer within 90 ms' },
    ]);
  });

  it('skips the ticks a slow sample overran instead of bunching them', async () => {
    // Fake timers and a clock that jumps 350 ms per collection, so each collection "takes" 3.5 intervals and
    // every timer fires exactly when due: with real timers a busy machine's jitter moved the third sample
    // (CI saw 1,000 for 800).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      let jumpedMs = 0;
      const start = Date.now();
      const nowMs = () => Date.now() - start + jumpedMs;
      const calls: number[] = [];
      const sampler = new Sampler(
        {
          slow: {
            collect: async () => {
              calls.push(nowMs());
              jumpedMs += 350;
            },
          },
        },
        { intervalMs: 100, nowMs, sourceTimeoutMs: 10_000 },
      );
      sampler.start();
      await vi.advanceTimersByTimeAsync(120);
      await sampler.stop();
      // Started at 0; 350 ms later the next grid point is 400 (100-300 are skipped), then 800. The timers
      // waited 50 ms each, so the fourth (1,200) is due at 150 ms of timer time, after the 120 advanced.
      expect(calls).toEqual([0, 400, 800]);
      expect(sampler.series.length).toBe(calls.length);
    } finally {
      vi.useRealTimers();
    }
  });

  it('warms up with a tick it does not keep: the series starts at the load, from the readings the warm-up took', async () => {
    let readings = 0;
    let nowMs = 0;
    const sampler = new Sampler({ counter: { collect: () => ++readings } }, { intervalMs: 1_000, nowMs: () => nowMs });
    await sampler.warmUp();
    expect(readings).toBe(1);
    expect(sampler.series).toEqual([]);
    nowMs = 4_000; // the wait for the scenario's start
    sampler.start();
    await waitFor('the first kept sample', async () => sampler.series.length >= 1, { timeoutMs: 5_000 });
    await sampler.stop();
    // The first kept sample is the second reading, at t=0 of start(), not of the warm-up.
    expect(sampler.series[0]).toMatchObject({ tMs: 0, counter: 2 });
  });

  it('marks a bot down that answers /metrics with an error status or not at all, within the scrape timeout', async () => {
    const broken = createServer((req, res) => {
      if (req.url === '/500') res.writeHead(500).end('boom');
      // '/hang': never answered; the scrape gives up at its timeout.
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    try {
      const source = botMetricsSource(
        () => [
          { instance: 'bot-500', url: `${base}/500` },
          { instance: 'bot-hung', url: `${base}/hang` },
        ],
        { scrapeTimeoutMs: 300 },
      );
      const [failing, hung] = await source.collect();
      expect(failing).toMatchObject({ instance: 'bot-500', up: false, error: 'HTTP 500', samples: [] });
      expect(hung).toMatchObject({ instance: 'bot-hung', up: false, samples: [] });
      expect(hung!.scrapeMs).toBeGreaterThanOrEqual(250);
    } finally {
      broken.closeAllConnections();
      broken.close();
    }
  });
});
