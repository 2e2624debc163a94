import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMcp, startFakeMcp } from './index.ts';

let fake: FakeMcp | undefined;
afterEach(() => fake?.close());

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

describe('fake MCP server', () => {
  it('serves a search tool with deterministic snippets over one session', async () => {
    fake = await startFakeMcp({ timeScale: 1000 });
    const client = await connect(fake.url);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['search']);
    const first = await client.callTool({ name: 'search', arguments: { query: 'interest rates', limit: 2 } });
    const second = await client.callTool({ name: 'search', arguments: { query: 'interest rates', limit: 2 } });
    expect(first.content).toHaveLength(2);
    expect(second.content).toEqual(first.content);
    expect(fake.stats()).toMatchObject({ toolCalls: 2, sessionsOpened: 1, sessionsOpen: 1 });
    await client.close();
  });

  it('fails every request during an outage window and recovers after it', async () => {
    fake = await startFakeMcp({ timeScale: 1000 });
    const client = await connect(fake.url);
    fake.setFaults({ outage: { fromMs: 0, toMs: Number.POSITIVE_INFINITY } });
    await expect(client.callTool({ name: 'search', arguments: { query: 'x' } })).rejects.toMatchObject({ code: 503 });
    fake.setFaults({});
    const ok = await client.callTool({ name: 'search', arguments: { query: 'x' } });
    expect(ok.isError).toBeFalsy();
    expect(fake.stats().injectedErrors).toBe(1);
    await client.close();
  });

  it('fails only inside a scheduled window, as the window says (503 or tool error)', async () => {
    fake = await startFakeMcp({ timeScale: 1000 });
    const client = await connect(fake.url);
    const search = () => client.callTool({ name: 'search', arguments: { query: 'x' } });
    // A simulated hour from now: not yet.
    const later = fake.runMs() + 3_600_000;
    fake.setFaults({ windows: [{ fromMs: later, toMs: later + 60_000 }] });
    expect((await search()).isError).toBeFalsy();
    const now = fake.runMs();
    fake.setFaults({ windows: [{ fromMs: now, toMs: now + 3_600_000, kind: 'tool-error' }] });
    expect((await search()).isError).toBe(true);
    fake.setFaults({ windows: [{ fromMs: now, toMs: now + 3_600_000 }] });
    await expect(search()).rejects.toMatchObject({ code: 503 });
    expect(fake.stats().injectedErrors).toBe(2);
    expect(() => fake!.setFaults({ windows: [{ fromMs: 10, toMs: 5 }] })).toThrow(/toMs 5 must be after fromMs 10/);
    await client.close();
  });

  it('can fail as a tool error (server up, backend down) at a given rate', async () => {
    fake = await startFakeMcp({ timeScale: 1000, faults: { errorRate: 1, errorKind: 'tool-error' } });
    const client = await connect(fake.url);
    const result = await client.callTool({ name: 'search', arguments: { query: 'x' } });
    expect(result.isError).toBe(true);
    await client.close();
  });
});
