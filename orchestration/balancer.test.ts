import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from './balancer.ts';

const servers: Server[] = [];
let balancer: Balancer | undefined;

async function backend(name: string): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, path: req.url, body })),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await balancer?.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('webhook balancer', () => {
  it('with chat affinity keeps each chat on one backend, and moves chats when an instance goes away', async () => {
    const [a, b, c] = [await backend('a'), await backend('b'), await backend('c')];
    balancer = await startBalancer({ backends: [a, b, c], affinity: 'chat' });
    const update = (chat: number) =>
      JSON.stringify({
        update_id: chat,
        message: { message_id: 1, chat: { id: chat }, from: { id: chat }, text: 'hi' },
      });
    const press = (chat: number) =>
      JSON.stringify({
        update_id: chat,
        callback_query: { id: 'q', from: { id: chat }, message: { chat: { id: chat } } },
      });
    const landsOn = async (body: string) => {
      const res = await fetch(`${balancer!.url}/telegram`, { method: 'POST', body });
      return ((await res.json()) as { name: string; body: string }).name;
    };
    const first = await Promise.all([10, 11, 12].map((chat) => landsOn(update(chat))));
    expect(new Set(first).size).toBe(3);
    // The same chats again, by message and by button press: each lands where it did.
    expect(await Promise.all([10, 11, 12].map((chat) => landsOn(press(chat))))).toEqual(first);
    balancer.setBackends([a, b]);
    const after = await Promise.all([10, 11, 12].map((chat) => landsOn(update(chat))));
    expect(after.filter((name, i) => name !== first[i]).length).toBeGreaterThan(0);
  });

  it('spreads requests round-robin and keeps path and body', async () => {
    balancer = await startBalancer({ backends: [await backend('a'), await backend('b'), await backend('c')] });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${balancer.url}/telegram?x=${i}`, { method: 'POST', body: `update-${i}` });
      const json = (await res.json()) as { name: string; path: string; body: string };
      expect(json.path).toBe(`/telegram?x=${i}`);
      expect(json.body).toBe(`update-${i}`);
      seen.push(json.name);
    }
    expect(seen).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(balancer.forwarded()).toEqual([2, 2, 2]);
  });

  it('answers 502 when a backend is down, so the sender retries', async () => {
    const alive = await backend('alive');
    balancer = await startBalancer({ backends: ['http://127.0.0.1:1', alive] });
    const first = await fetch(`${balancer.url}/telegram`, { method: 'POST', body: '{}' });
    expect(first.status).toBe(502);
    const second = await fetch(`${balancer.url}/telegram`, { method: 'POST', body: '{}' });
    expect(second.status).toBe(200);
  });
});
