import type pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, createScaledClock } from '../../common/clock.ts';
import { type FakeClaude, startFakeClaude } from '../../fakes/claude/index.ts';
import { type FakeMcp, startFakeMcp } from '../../fakes/mcp/index.ts';
import { openTestPool, startTestPostgres, type TestPostgres } from '../../testing/postgres.ts';
import { waitFor } from '../../testing/wait.ts';
import { type BotConfigInput, botConfigSchema } from '../config/schema.ts';
import { migrate } from '../db/migrate.ts';
import { type Assistant, createAssistant } from './assistant.ts';

const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
const TIME_SCALE = 1_000;
const HAIKU = 'claude-haiku-4-5-20251001';
const SONNET = botConfigSchema.parse({}).claude.complexModel;
const DAY = '2026-11-30';

let server: TestPostgres;
let databaseUrl: string;
let clock: Clock;
let fake: FakeClaude;
let mcp: FakeMcp | undefined;
const pools: pg.Pool[] = [];
const assistants: Assistant[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
  databaseUrl = await server.createDatabase();
  await migrate({ databaseUrl, logger });
  clock = createScaledClock({ timeScale: TIME_SCALE, startAtMs: Date.parse(`${DAY}T09:00:00Z`) });
  fake = await startFakeClaude({
    clock,
    latency: 'zero',
    batchProcessing: { minMs: 5_000, maxMs: 20_000 },
  });
});
afterEach(async () => {
  await Promise.all(assistants.splice(0).map((a) => a.close()));
  await mcp?.close();
  mcp = undefined;
  fake.setFaults({ windows: [] });
  fake.reset();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await fake?.close();
  await server?.stop();
});

type Sections = Pick<BotConfigInput, 'cost' | 'resilience' | 'mcp' | 'claude'> & { instanceId?: string };

/** An assistant against the fake Claude (and the fake MCP when `mcp.url` is set), with its own pool and registry. */
function assistantWith(sections: Sections = {}): { assistant: Assistant; registry: Registry } {
  const config = botConfigSchema.parse({
    instanceId: sections.instanceId ?? 'bot-1',
    time: { timeScale: TIME_SCALE },
    claude: { baseUrl: fake.url, apiKey: 'sk-ant-test-key', ...sections.claude },
    // 1,000x compresses the per-attempt timeout too: 30 simulated s would be 30 real ms, less than a cold
    // HTTP request takes. The tests give attempts 5 real seconds.
    resilience: { retryInitialDelayMs: 100, timeoutMs: 5_000_000, ...sections.resilience },
    cost: sections.cost,
    mcp: sections.mcp,
  });
  const pool = openTestPool(databaseUrl, { max: 5 });
  pools.push(pool);
  const registry = new Registry();
  const assistant = createAssistant({ config, clock, logger, registry, pool });
  assistants.push(assistant);
  return { assistant, registry };
}

async function counterValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

const messageCalls = () => fake.calls().filter((c) => c.endpoint === 'messages');
const ask = (assistant: Assistant, text: string, languageCode = 'en') =>
  assistant.answer({ userId: 1, text, history: [], languageCode });

describe('cost controls', () => {
  it('routes navigation-like and simple turns to the small model, reasoning turns to the big one', async () => {
    const { assistant, registry } = assistantWith({ cost: { routing: true } });
    const simple = await ask(assistant, 'thanks!');
    const navigation = await ask(assistant, 'how do I change the time of my digest?');
    const complex = await ask(
      assistant,
      'Explain why the central bank raised rates and compare 2024 with 2025: 1) mortgages 2) deposits?',
    );
    expect([simple.model, navigation.model, complex.model]).toEqual([HAIKU, HAIKU, SONNET]);
    expect(messageCalls().map((c) => (c.model?.startsWith('claude-haiku') ? 'haiku' : 'sonnet'))).toEqual([
      'haiku',
      'haiku',
      'sonnet',
    ]);
    expect(await counterValue(registry, 'bot_routing_decisions_total', { model: HAIKU })).toBe(2);
  });

  it('sends every turn to the big model when routing is off', async () => {
    const { assistant } = assistantWith({ cost: { routing: false } });
    expect((await ask(assistant, 'hi')).model).toBe(SONNET);
  });

  it('reads the cached system prompt on the second call within the TTL (also on Haiku: the prompt is over 4,096 tokens)', async () => {
    const { assistant, registry } = assistantWith({
      cost: { routing: true, promptCaching: true, promptCacheTtl: '5m' },
    });
    await ask(assistant, 'hi');
    await ask(assistant, 'thanks');
    const [first, second] = messageCalls();
    expect(first?.usage?.cacheWrite5mTokens).toBeGreaterThan(4_096);
    expect(second?.usage?.cacheReadTokens).toBe(first?.usage?.cacheWrite5mTokens);
    expect(await counterValue(registry, 'bot_claude_tokens_total', { kind: 'cache_read', route: 'question' })).toBe(
      second?.usage?.cacheReadTokens,
    );
  });

  it('writes nothing to the prompt cache when prompt caching is off', async () => {
    const { assistant } = assistantWith({ cost: { promptCaching: false } });
    await ask(assistant, 'hi');
    await ask(assistant, 'hi');
    expect(
      messageCalls().every((c) => (c.usage?.cacheReadTokens ?? 0) + (c.usage?.cacheWrite5mTokens ?? 0) === 0),
    ).toBe(true);
  });

  it('generates one digest per topic, day and language, shared by concurrent users on two instances', async () => {
    const one = assistantWith({ instanceId: 'bot-1', cost: { digestCache: true } });
    const two = assistantWith({ instanceId: 'bot-2', cost: { digestCache: true } });
    const requests = [1, 2, 3, 4, 5, 6].map((userId) =>
      (userId % 2 ? one : two).assistant.digest({ userId, topic: 'technology', sendDate: DAY, languageCode: 'en' }),
    );
    const replies = await Promise.all(requests);
    expect(replies.every((r) => r.text.startsWith('📰'))).toBe(true);
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(replies.filter((r) => r.outcome === 'ok')).toHaveLength(1);
    expect(replies.filter((r) => r.outcome === 'cached')).toHaveLength(5);
    expect(messageCalls()).toHaveLength(1);
    const later = await one.assistant.digest({ userId: 7, topic: 'technology', sendDate: DAY, languageCode: 'en' });
    expect(later.outcome).toBe('cached');
    const russian = await one.assistant.digest({ userId: 8, topic: 'technology', sendDate: DAY, languageCode: 'ru' });
    expect(russian.outcome).toBe('ok');
    expect(messageCalls()).toHaveLength(2);
    const hits = await counterValue(one.registry, 'bot_digest_cache_lookups_total', { result: 'hit' });
    const shared = await counterValue(one.registry, 'bot_digest_cache_lookups_total', { result: 'shared' });
    expect(hits + shared).toBeGreaterThanOrEqual(2);
  });

  it('pre-generates upcoming digests in a Message Batch and serves them as "batched"', async () => {
    const admin = openTestPool(databaseUrl, { max: 2 });
    pools.push(admin);
    const minuteNow = Math.floor((clock.nowMs() - Date.parse(`${DAY}T00:00:00Z`)) / 60_000);
    await admin.query(
      `INSERT INTO users (user_id, chat_id, language_code, topic, digest_minute) VALUES
         (101, 101, 'en', 'science', $1), (102, 102, 'en', 'science', $1), (103, 103, 'ru', 'culture', $2)`,
      [minuteNow + 20, minuteNow + 30],
    );
    const { assistant, registry } = assistantWith({
      cost: { batchDigests: true, batchLeadMinutes: 60, batchPollMs: 2_000 },
    });
    const first = await assistant.pregenerateDigests();
    expect(first.submitted).toBe(2); // science/en and culture/ru: one request per topic and language
    let stored = first.stored;
    await waitFor('the batch results stored', async () => {
      stored += (await assistant.pregenerateDigests()).stored;
      return stored === 2;
    });
    const digest = await assistant.digest({ userId: 101, topic: 'science', sendDate: DAY, languageCode: 'en' });
    expect(digest.outcome).toBe('batched');
    expect(digest.text.startsWith('📰')).toBe(true);
    const russian = await assistant.digest({ userId: 103, topic: 'culture', sendDate: DAY, languageCode: 'ru' });
    expect(russian.outcome).toBe('batched');
    expect(messageCalls()).toHaveLength(0);
    expect(fake.calls().filter((c) => c.batch)).toHaveLength(2);
    expect(await counterValue(registry, 'bot_claude_tokens_total', { route: 'batch', kind: 'output' })).toBeGreaterThan(
      0,
    );
    expect((await assistant.pregenerateDigests()).submitted).toBe(0); // nothing batched twice
  });
});

describe('resilience against the fake Claude', () => {
  it('opens the breaker after the configured failures, answers with the fallback, and recovers after the cooldown', async () => {
    const { assistant, registry } = assistantWith({
      resilience: { retryMaxAttempts: 0, breakerConsecutiveFailures: 3, breakerCooldownMs: 50_000 },
    });
    fake.setFaults({ windows: [{ fromMs: 0, toMs: 1e12, rate: 1, kind: '500' }] });
    const failed = [];
    for (let i = 0; i < 3; i++) failed.push(await ask(assistant, 'hi'));
    expect(failed.every((r) => r.outcome === 'fallback' && r.text.startsWith('⚠️'))).toBe(true);
    const whileOpen = await ask(assistant, 'привет', 'ru');
    expect(whileOpen.text).toMatch(/^⚠️ Сейчас не получается ответить/);
    expect(messageCalls()).toHaveLength(3); // the open breaker spared the upstream the fourth call
    expect(await counterValue(registry, 'bot_breaker_state', { upstream: 'claude' })).toBe(2);
    fake.setFaults({ windows: [] });
    const recovered = await waitFor('the breaker to let a trial call through', async () => {
      const reply = await ask(assistant, 'hi');
      return reply.outcome === 'ok' ? reply : undefined;
    });
    expect(recovered.text.startsWith('⚠️')).toBe(false);
    expect(await counterValue(registry, 'bot_breaker_state', { upstream: 'claude' })).toBe(0);
  });

  it('retries a 529 and succeeds when the fault is intermittent', async () => {
    const { assistant, registry } = assistantWith({ resilience: { retryMaxAttempts: 4 } });
    fake.setFaults({ windows: [{ fromMs: 0, toMs: 1e12, rate: 0.5, kind: '529' }] });
    const replies = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ask(assistant, 'hi')));
    expect(replies.filter((r) => r.outcome === 'ok').length).toBeGreaterThanOrEqual(5);
    expect(
      await counterValue(registry, 'bot_upstream_retries_total', { upstream: 'claude', cause: '529' }),
    ).toBeGreaterThan(0);
  });

  it('a 529 storm: bounded attempts, then the overloaded fallback instead of silence', async () => {
    const { assistant, registry } = assistantWith({
      resilience: { retryMaxAttempts: 2, breakerConsecutiveFailures: 100 },
    });
    fake.setFaults({ windows: [{ fromMs: 0, toMs: 1e12, rate: 1, kind: '529' }] });
    const reply = await ask(assistant, 'hi');
    expect(reply.outcome).toBe('fallback');
    expect(reply.text).toMatch(/^⚠️ .*overloaded/);
    // The first attempt and the two retries the config allows, each answered 529; no fourth.
    expect(messageCalls().map((c) => c.status)).toEqual([529, 529, 529]);
    expect(await counterValue(registry, 'bot_upstream_retries_total', { upstream: 'claude', cause: '529' })).toBe(2);
    fake.setFaults({ windows: [] });
    expect((await ask(assistant, 'hi again')).outcome).toBe('ok');
  });

  it("honours the fake's retry-after on a 429 before trying again", async () => {
    // retryMaxDelayMs above the asked wait: a longer retry-after gives up at once (the answer's time budget).
    const { assistant, registry } = assistantWith({
      resilience: { retryMaxAttempts: 1, retryInitialDelayMs: 1, retryMaxDelayMs: 300_000 },
    });
    const fromMs = fake.runMs();
    // Every call in the next 50 simulated s (50 real ms) gets 429 with retry-after 200 simulated s (0.2 real s).
    fake.setFaults({ windows: [{ fromMs, toMs: fromMs + 50_000, rate: 1, kind: '429', retryAfterMs: 200_000 }] });
    const startedMs = performance.now();
    const reply = await ask(assistant, 'hi');
    expect(reply.outcome).toBe('ok');
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(190);
    expect(messageCalls().map((c) => c.status)).toEqual([429, 200]);
    expect(await counterValue(registry, 'bot_upstream_retries_total', { upstream: 'claude', cause: '429' })).toBe(1);
  });

  it('uses one MCP session for every knowledge lookup', async () => {
    mcp = await startFakeMcp({ clock, latencyMs: 10 });
    const { assistant, registry } = assistantWith({ mcp: { url: mcp.url, timeoutMs: 5_000_000 } });
    for (let i = 0; i < 3; i++) expect((await ask(assistant, `what about rates ${i}?`)).outcome).toBe('ok');
    expect(mcp.stats()).toMatchObject({ toolCalls: 3, sessionsOpened: 1 });
    expect(await counterValue(registry, 'bot_knowledge_lookups_total', { outcome: 'ok' })).toBe(3);
  });

  it('when only MCP fails: a shared breaker also stops Claude answers, per-upstream breakers do not', async () => {
    mcp = await startFakeMcp({ clock, latencyMs: 10 });
    mcp.setFaults({ outage: { fromMs: 0, toMs: Number.POSITIVE_INFINITY } });
    const resilience = { retryMaxAttempts: 2, breakerConsecutiveFailures: 3, breakerCooldownMs: 600_000 };
    const shared = assistantWith({
      mcp: { url: mcp.url, timeoutMs: 5_000_000 },
      resilience: { ...resilience, breakerScope: 'shared' },
    });
    const perUpstream = assistantWith({
      mcp: { url: mcp.url, timeoutMs: 5_000_000 },
      resilience: { ...resilience, breakerScope: 'per-upstream' },
    });
    const sharedReplies = [await ask(shared.assistant, 'news?'), await ask(shared.assistant, 'news?')];
    const perUpstreamReplies = [await ask(perUpstream.assistant, 'news?'), await ask(perUpstream.assistant, 'news?')];
    expect(sharedReplies.map((r) => r.outcome)).toEqual(['fallback', 'fallback']);
    expect(perUpstreamReplies.map((r) => r.outcome)).toEqual(['ok', 'ok']);
    expect(await counterValue(shared.registry, 'bot_breaker_state', { upstream: 'claude' })).toBe(2);
    expect(await counterValue(perUpstream.registry, 'bot_breaker_state', { upstream: 'mcp' })).toBe(2);
    expect(await counterValue(perUpstream.registry, 'bot_breaker_state', { upstream: 'claude' })).toBe(0);
  });
});

describe('the tool loop (mcp.mode tools) against the fake MCP server and the fake Claude', () => {
  const questions = [
    'What is new on rates?',
    'Any rail news?',
    'How is the chipmaker doing?',
    'Museum news?',
    'Flu advice?',
  ];

  it("gives Claude the MCP server's tools, runs each call it asks for, and stops after maxToolRounds", async () => {
    mcp = await startFakeMcp({ clock, latencyMs: 10 });
    const { assistant, registry } = assistantWith({
      mcp: { url: mcp.url, timeoutMs: 5_000_000, mode: 'tools', maxToolRounds: 1 },
    });
    for (const question of questions) {
      const since = fake.calls().at(-1)?.seq ?? 0;
      const reply = await ask(assistant, question);
      expect(reply.outcome).toBe('ok');
      const rounds = fake
        .calls({ since })
        .filter((c) => c.endpoint === 'messages')
        .map((c) => c.stopReason);
      // One round of tools at most: then the bot sends tool_choice none and Claude must answer.
      expect(rounds.length).toBeLessThanOrEqual(2);
      expect(rounds.at(-1)).not.toBe('tool_use');
      expect(rounds.slice(0, -1).every((r) => r === 'tool_use')).toBe(true);
    }
    const toolUses = fake.calls().filter((c) => c.stopReason === 'tool_use').length;
    expect(toolUses).toBeGreaterThan(0);
    // No direct lookup: every search the MCP server ran was a tool call Claude asked for.
    const asked = await counterValue(registry, 'bot_tool_calls_total', { tool: 'search', outcome: 'ok' });
    expect(asked).toBeGreaterThanOrEqual(toolUses);
    expect(mcp.stats()).toMatchObject({ toolCalls: asked, sessionsOpened: 1 });
    expect(await counterValue(registry, 'bot_claude_calls_total', { route: 'question', outcome: 'ok' })).toBe(
      messageCalls().length,
    );
  });

  it('answers without the knowledge when the MCP server fails mid-loop: the tool result is an error', async () => {
    mcp = await startFakeMcp({ clock, latencyMs: 10 });
    const { assistant, registry } = assistantWith({
      mcp: { url: mcp.url, timeoutMs: 5_000_000, mode: 'tools', maxToolRounds: 2 },
      resilience: { retryMaxAttempts: 0, breakerScope: 'per-upstream' },
    });
    expect((await ask(assistant, questions[0]!)).outcome).toBe('ok'); // opens the session, lists the tools
    mcp.setFaults({ errorRate: 1, errorKind: 'tool-error' });
    const replies = [];
    for (const question of questions) replies.push(await ask(assistant, question));
    expect(replies.every((r) => r.outcome === 'ok')).toBe(true);
    expect(await counterValue(registry, 'bot_tool_calls_total', { outcome: 'error' })).toBeGreaterThan(0);
  });
});
