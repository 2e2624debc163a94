import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCronTrigger } from './cron-trigger.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function instance(hits: string[], name: string, status = 200): Promise<string> {
  const server = createServer((req, res) => {
    hits.push(`${name} ${req.method} ${req.url}`);
    res.writeHead(status).end('{}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function until(condition: () => boolean, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('cron trigger', () => {
  it('calls one instance per tick, skipping one that is down', async () => {
    const hits: string[] = [];
    const failing = await instance(hits, 'a', 500);
    const healthy = await instance(hits, 'b');
    const cron = startCronTrigger({ baseUrls: () => [failing, healthy], path: '/cron/tick', intervalRealMs: 10 });
    await until(() => cron.ticksDelivered() >= 3);
    await cron.stop();
    const delivered = hits.filter((h) => h.startsWith('b '));
    expect(delivered.length).toBe(cron.ticksDelivered());
    expect(delivered[0]).toBe('b POST /cron/tick');
    expect(cron.ticksFailed()).toBe(0);
  });

  it('counts a tick that no instance answered', async () => {
    const cron = startCronTrigger({ baseUrls: () => ['http://127.0.0.1:1'], path: '/cron/tick', intervalRealMs: 10 });
    await until(() => cron.ticksFailed() >= 1);
    await cron.stop();
    expect(cron.ticksDelivered()).toBe(0);
  });
});

describe('cron trigger, slow tick', () => {
  it('waits for a slow tick instead of sending it to a second instance', async () => {
    const hits: string[] = [];
    const slow = createServer((req) => {
      hits.push(`slow ${req.method}`); // never answers within the timeout
    });
    servers.push(slow);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const other = await instance(hits, 'other');
    const cron = startCronTrigger({
      baseUrls: () => [slowUrl, other],
      path: '/cron/tick',
      intervalRealMs: 10,
      requestTimeoutRealMs: 50,
    });
    await until(() => cron.ticksFailed() >= 2);
    await cron.stop();
    slow.closeAllConnections();
    expect(hits.filter((h) => h.startsWith('other'))).toEqual([]);
  });
});
