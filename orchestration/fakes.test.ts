import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { createScaledClock } from '../common/clock.ts';
import { waitFor } from '../environment/util.ts';
import { parseScenario } from '../scenarios/validate.ts';
import { startRunFakes } from './fakes.ts';

const TIME_SCALE = 120; // a simulated minute is half a real second

describe('run fakes', () => {
  it("arm the scenario's MCP fault window from the load's start: up before it, down in it, back after it", async () => {
    const scenario = parseScenario({
      name: 'mcp-window',
      timeScale: TIME_SCALE,
      load: { executor: 'constant-vus', vus: 1, duration: '10m' },
      bot: { config: { mcp: {} } },
      fakes: { mcp: { faults: [{ from: '2m', to: '4m' }] } },
    });
    const clock = createScaledClock({ timeScale: TIME_SCALE });
    const fakes = await startRunFakes(scenario, clock, {});
    const client = new Client({ name: 'test', version: '0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(fakes.mcp!.url)));
      const search = () =>
        client.callTool({ name: 'search', arguments: { query: 'rates' } }).then(
          () => 'up' as const,
          (error: { code?: number }) => error.code,
        );
      // The load starts a simulated minute after the fakes: the window must count from the load, not the fake.
      const startedMs = clock.monotonicMs();
      await waitFor('a simulated minute', async () => clock.monotonicMs() - startedMs >= 60_000 || undefined);
      fakes.armFaults();
      const loadStartMs = clock.monotonicMs();
      expect(await search()).toBe('up');
      await waitFor('the outage', async () => (await search()) === 503 || undefined, { timeoutMs: 10_000 });
      expect(clock.monotonicMs() - loadStartMs).toBeGreaterThanOrEqual(120_000);
      await waitFor('the recovery', async () => (await search()) === 'up' || undefined, { timeoutMs: 10_000 });
      expect(clock.monotonicMs() - loadStartMs).toBeGreaterThanOrEqual(240_000);
      expect(fakes.mcp!.stats().injectedErrors).toBeGreaterThan(0);
    } finally {
      await client.close();
      await fakes.close();
    }
  });
});
