import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createScaledClock } from '../../common/clock.ts';
import { botConfigSchema } from '../config/schema.ts';
import { UpstreamHttpError } from './failures.ts';
import { createPolicyFactory, type FallbackReason } from './policy.ts';

const logger = pino({ level: 'silent' });
const TIME_SCALE = 1_000;

function factory(resilience: Record<string, unknown> = {}) {
  const config = botConfigSchema.parse({ time: { timeScale: TIME_SCALE }, resilience });
  const registry = new Registry();
  const clock = createScaledClock({ timeScale: TIME_SCALE });
  return { policies: createPolicyFactory({ config, clock, logger, registry }), registry };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return match?.value ?? 0;
}

const fallbackWith = (reason: FallbackReason) => `fallback:${reason}`;

describe('upstream policy', () => {
  it('retries retryable failures, then answers with the fallback once retries are exhausted', async () => {
    const { policies, registry } = factory({ retryMaxAttempts: 2, retryInitialDelayMs: 100 });
    let attempts = 0;
    const result = await policies.forUpstream('claude').execute(async () => {
      attempts++;
      throw new UpstreamHttpError('overloaded', 529);
    }, fallbackWith);
    expect(result).toBe('fallback:exhausted');
    expect(attempts).toBe(3);
    expect(await metricValue(registry, 'bot_upstream_retries_total', { upstream: 'claude', cause: '529' })).toBe(2);
    expect(await metricValue(registry, 'bot_upstream_fallbacks_total', { reason: 'exhausted' })).toBe(1);
  });

  it('does not retry a request the upstream rejected as invalid (400)', async () => {
    const { policies } = factory({ retryMaxAttempts: 3 });
    let attempts = 0;
    const result = await policies.forUpstream('claude').execute(async () => {
      attempts++;
      throw new UpstreamHttpError('bad request', 400);
    }, fallbackWith);
    expect(result).toBe('fallback:rejected');
    expect(attempts).toBe(1);
  });

  it("waits for the upstream's retry-after instead of its own short backoff", async () => {
    const { policies } = factory({ retryMaxAttempts: 1, retryInitialDelayMs: 1, retryMaxDelayMs: 200_000 }); // 200 real ms
    const attemptAtMs: number[] = [];
    const result = await policies.forUpstream('claude').execute(async () => {
      attemptAtMs.push(performance.now());
      if (attemptAtMs.length === 1) throw new UpstreamHttpError('slow down', 429, 0.15); // 150 real ms
      return 'ok';
    }, fallbackWith);
    expect(result).toBe('ok');
    expect(attemptAtMs[1]! - attemptAtMs[0]!).toBeGreaterThanOrEqual(140);
  });

  it('gives up at once when the upstream asks for a longer wait than retryMaxDelayMs (the budget)', async () => {
    const { policies } = factory({ retryMaxAttempts: 3, retryMaxDelayMs: 100_000 }); // 100 real ms
    let attempts = 0;
    const result = await policies.forUpstream('claude').execute(async () => {
      attempts++;
      throw new UpstreamHttpError('slow down', 429, 30); // 30 real s
    }, fallbackWith);
    expect(result).toBe('fallback:exhausted');
    expect(attempts).toBe(1);
  });

  it('times out one attempt after timeoutMs of simulated time and counts it as retryable', async () => {
    const { policies } = factory({ timeoutMs: 50_000, retryMaxAttempts: 1, retryInitialDelayMs: 1 }); // 50 real ms
    let attempts = 0;
    const startedMs = performance.now();
    const result = await policies.forUpstream('claude').execute(
      (signal) =>
        new Promise<string>((_resolve, reject) => {
          attempts++;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      fallbackWith,
    );
    expect(result).toBe('fallback:exhausted');
    expect(attempts).toBe(2);
    expect(performance.now() - startedMs).toBeLessThan(2_000);
  });

  it('rejects calls beyond the bulkhead and its queue', async () => {
    const { policies, registry } = factory({ bulkheadConcurrency: 1, bulkheadQueue: 1 });
    const policy = policies.forUpstream('claude');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = policy.execute(() => gate.then(() => 'first'), fallbackWith);
    const queued = policy.execute(async () => 'second', fallbackWith);
    const rejected = await policy.execute(async () => 'third', fallbackWith);
    expect(rejected).toBe('fallback:bulkhead-full');
    expect(await metricValue(registry, 'bot_bulkhead_in_flight', { upstream: 'claude' })).toBe(1);
    expect(await metricValue(registry, 'bot_bulkhead_queued', { upstream: 'claude' })).toBe(1);
    release();
    expect(await Promise.all([running, queued])).toEqual(['first', 'second']);
    expect(await metricValue(registry, 'bot_bulkhead_in_flight', { upstream: 'claude' })).toBe(0);
  });

  it('opens the breaker after the configured consecutive failures and half-opens after the cooldown', async () => {
    const { policies, registry } = factory({
      retryMaxAttempts: 0,
      breakerConsecutiveFailures: 3,
      breakerCooldownMs: 30_000, // 30 real ms
    });
    const policy = policies.forUpstream('claude');
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new UpstreamHttpError('down', 500);
    };
    for (let i = 0; i < 3; i++) expect(await policy.execute(failing, fallbackWith)).toBe('fallback:exhausted');
    expect(policy.breakerState()).toBe('open');
    expect(await policy.execute(failing, fallbackWith)).toBe('fallback:breaker-open');
    expect(calls).toBe(3);
    expect(await metricValue(registry, 'bot_breaker_state', { upstream: 'claude' })).toBe(2);
    const deadline = performance.now() + 5_000;
    let result = '';
    while (result !== 'recovered' && performance.now() < deadline) {
      result = await policy.execute(async () => 'recovered', fallbackWith);
      if (result !== 'recovered') await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(result).toBe('recovered');
    expect(policy.breakerState()).toBe('closed');
    expect(await metricValue(registry, 'bot_breaker_transitions_total', { breaker: 'claude', to: 'open' })).toBe(1);
  });

  it('shares one breaker between upstreams in shared scope, and keeps them apart per upstream', async () => {
    const failMcp = async () => {
      throw new UpstreamHttpError('down', 503);
    };
    for (const scope of ['shared', 'per-upstream'] as const) {
      const { policies } = factory({ breakerScope: scope, retryMaxAttempts: 0, breakerConsecutiveFailures: 2 });
      const mcp = policies.forUpstream('mcp');
      const claude = policies.forUpstream('claude');
      await mcp.execute(failMcp, fallbackWith);
      await mcp.execute(failMcp, fallbackWith);
      const claudeResult = await claude.execute(async () => 'answer', fallbackWith);
      expect(claudeResult).toBe(scope === 'shared' ? 'fallback:breaker-open' : 'answer');
    }
  });

  it('uses a sampling breaker when configured (failure rate over a window)', async () => {
    const { policies } = factory({
      breakerPolicy: 'sampling',
      breakerFailureRate: 0.5,
      breakerWindowMs: 5_000_000, // 5 real s
      breakerMinimumRps: 0.001, // 1 call per real second
      retryMaxAttempts: 0,
    });
    const policy = policies.forUpstream('claude');
    for (let i = 0; i < 10 && policy.breakerState() === 'closed'; i++) {
      await policy.execute(async () => {
        throw new UpstreamHttpError('down', 500);
      }, fallbackWith);
    }
    expect(policy.breakerState()).toBe('open');
  });
});
