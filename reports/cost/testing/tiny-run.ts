import { RUN_RESULT_SCHEMA_VERSION, type RunResult } from '../../../contracts/run-result.ts';
import { type TokenUsage, ZERO_USAGE } from '../../../contracts/token-usage.ts';
import { encodeHistogram } from '../../fixtures/synth.ts';

/** Usage with the given counts and zeros elsewhere (for hand-computed tests). */
export function tokens(partial: Partial<TokenUsage>): TokenUsage {
  return { ...ZERO_USAGE, ...partial };
}

/**
 * A small, valid RunResult for tests that need a run but not a realistic one (the checked-in fixtures
 * in `reports/fixtures/` are the realistic ones). Override any top-level part.
 *
 * @example
 * tinyRunResult({ claude: { ...tinyRunResult().claude, byModel: { ... } } })
 */
export function tinyRunResult(overrides: Partial<RunResult> = {}): RunResult {
  const latencies = Array.from({ length: 200 }, (_, i) => 200 + ((i * 37) % 900));
  const base: RunResult = {
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    botcapVersion: '0.1.0',
    scenario: { name: 'tiny', resolved: {} },
    seed: 1,
    timeScale: 1,
    startedAt: '2026-11-30T10:00:00.000Z',
    durationRealS: 60,
    durationSimulatedS: 60,
    status: 'completed',
    environment: {
      machine: { cpuModel: 'test', cpuCount: 2, memoryBytes: 4e9, os: 'linux', node: 'v20.19.0' },
      postgres: { runtime: 'embedded', version: '16', maxConnections: 100 },
      bot: { kind: 'reference', instances: 2, transport: 'polling' },
      versions: {},
    },
    phases: [{ name: 'steady', startMs: 0, endMs: 60_000, targetVus: 10 }],
    load: {
      model: 'constant-vus',
      population: 100,
      maxVus: 10,
      updatesInjected: 200,
      updatesDropped: 0,
      updatesByAction: { question: 120, navigation: 80 },
    },
    latency: {
      replyFinal: encodeHistogram(latencies),
      replyFirst: encodeHistogram(latencies.map((v) => v / 2)),
      byAction: { question: encodeHistogram(latencies.slice(0, 120)) },
    },
    correctness: {
      lostUpdates: 0,
      duplicateReplies: 0,
      outOfOrderReplies: 0,
      fallbackReplies: 0,
      digests: {
        expected: 0,
        delivered: 0,
        missing: 0,
        duplicated: 0,
        lateness: encodeHistogram([]),
        usersMoved: 0,
      },
      errorsByKind: {},
    },
    claude: {
      total: tokens({ calls: 120, inputTokens: 120_000, outputTokens: 36_000 }),
      byModel: { 'claude-sonnet-4-5-20250929': tokens({ calls: 120, inputTokens: 120_000, outputTokens: 36_000 }) },
      batch: tokens({}),
      byRoute: { question: tokens({ calls: 120, inputTokens: 120_000, outputTokens: 36_000 }) },
      statusCounts: { '200': 120 },
      retries: 0,
      peakConcurrency: 4,
    },
    telegram: { botCalls: 200, callsByMethod: { sendMessage: 200 }, floodLimited429: 0, webhookRedeliveries: 0 },
    database: { maxConnectionsSeen: 12, connectionErrors53300: 0 },
    timeSeries: [
      {
        name: 'reply_latency_p95_ms',
        unit: 'ms',
        source: 'loadgen',
        points: Array.from({ length: 60 }, (_, i): [number, number] => [i * 1000, 800 + (i % 7) * 20]),
      },
    ],
    thresholds: [{ metric: 'reply_latency', expression: 'p(95)<2000', value: 900, passed: true }],
  };
  return { ...base, ...overrides };
}
