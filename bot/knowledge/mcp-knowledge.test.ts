import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createScaledClock } from '../../common/clock.ts';
import { type FakeMcp, startFakeMcp } from '../../fakes/mcp/index.ts';
import { botConfigSchema } from '../config/schema.ts';
import { createPolicyFactory } from '../resilience/policy.ts';
import { createKnowledgeClient, type KnowledgeClient } from './mcp-knowledge.ts';

const logger = pino({ level: 'silent' });
let mcp: FakeMcp | undefined;
let knowledge: KnowledgeClient | undefined;
afterEach(async () => {
  await knowledge?.close();
  await mcp?.close();
});

function clientFor(url: string): KnowledgeClient {
  const clock = createScaledClock({ timeScale: 100 });
  const config = botConfigSchema.parse({
    time: { timeScale: 100 },
    resilience: { retryMaxAttempts: 0, breakerScope: 'none' },
  });
  const policies = createPolicyFactory({ config, clock, logger, registry: new Registry() });
  return createKnowledgeClient({ url, policy: policies.forUpstream('mcp', { timeoutMs: 500_000 }), logger });
}

describe('knowledge lookup over MCP', () => {
  it('reuses one session, and opens a new one after the server failed', async () => {
    mcp = await startFakeMcp({ timeScale: 100, latencyMs: 100 });
    knowledge = clientFor(mcp.url);
    const first = await knowledge.search('interest rates');
    expect(first).toMatch(/^- .+\n- .+\n- .+$/);
    expect(await knowledge.search('interest rates')).toBe(first);
    expect(mcp.stats().sessionsOpened).toBe(1);

    mcp.setFaults({ outage: { fromMs: 0, toMs: Number.POSITIVE_INFINITY } });
    expect(await knowledge.search('interest rates')).toBeUndefined();
    mcp.setFaults({});
    expect(await knowledge.search('interest rates')).toBe(first);
    expect(mcp.stats().sessionsOpened).toBe(2);
  });

  it('treats a tool-level error as a failed lookup', async () => {
    mcp = await startFakeMcp({ timeScale: 100, faults: { errorRate: 1, errorKind: 'tool-error' } });
    knowledge = clientFor(mcp.url);
    expect(await knowledge.search('anything')).toBeUndefined();
  });
});
