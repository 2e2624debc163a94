import { describe, expect, it } from 'vitest';
import { percentileOf } from '../../reports/analysis/histogram.ts';
import { loadFixture } from '../../reports/fixtures/index.ts';
import type { RunResult } from '../run-result.ts';
import {
  evaluateThresholds,
  METRICS,
  parseMetricKey,
  parseThresholdExpression,
  splitThresholdFlag,
  ThresholdError,
  thresholdsFromScenario,
} from './index.ts';

describe('parseThresholdExpression (k6 syntax)', () => {
  it.each([
    ['p(95)<3000', { aggregation: 'p', percentile: 95, operator: '<', limit: 3000 }],
    ['p(99.9)<=5000', { aggregation: 'p', percentile: 99.9, operator: '<=', limit: 5000 }],
    ['avg<200', { aggregation: 'avg', operator: '<', limit: 200 }],
    ['med < 800', { aggregation: 'med', operator: '<', limit: 800 }],
    ['max<10000', { aggregation: 'max', operator: '<', limit: 10_000 }],
    ['min>-1', { aggregation: 'min', operator: '>', limit: -1 }],
    ['count==0', { aggregation: 'count', operator: '==', limit: 0 }],
    ['rate<0.01', { aggregation: 'rate', operator: '<', limit: 0.01 }],
    ['value>0', { aggregation: 'value', operator: '>', limit: 0 }],
    ['count!=3', { aggregation: 'count', operator: '!=', limit: 3 }],
  ])('parses %s', (text, expected) => {
    expect(parseThresholdExpression(text)).toMatchObject(expected);
  });

  it.each([
    ['p95<3000', /needs its value in parentheses, like 'p\(95\)'/],
    ['p(150)<3000', /percentile '150' must be a number in \(0, 100\]/],
    ['p(95)', /no comparison operator/],
    ['avg<fast', /'fast' is not a number/],
    ['mean<200', /'mean' is not an aggregation/],
    ['count(1)==0', /'count' takes no argument/],
    ['', /empty/],
  ])('rejects %j with what is wrong and an example of right', (text, why) => {
    expect(() => parseThresholdExpression(text, 'reply_latency')).toThrow(ThresholdError);
    expect(() => parseThresholdExpression(text, 'reply_latency')).toThrow(why);
    expect(() => parseThresholdExpression(text, 'reply_latency')).toThrow(/e\.g\. 'p\(95\)<3000'/);
  });

  it('parses metric keys with tags and CLI flags', () => {
    expect(parseMetricKey('reply_latency{action:question}')).toMatchObject({
      name: 'reply_latency',
      tags: { action: 'question' },
    });
    expect(splitThresholdFlag('reply_latency{action:question}:p(95)<3000')).toEqual([
      'reply_latency{action:question}',
      'p(95)<3000',
    ]);
    expect(() => splitThresholdFlag('reply_latency')).toThrow(/write 'metric:expression'/);
    expect(() => parseMetricKey('Reply-Latency')).toThrow(ThresholdError);
  });

  it('reads scenario thresholds in k6 shapes and rejects others', () => {
    expect(thresholdsFromScenario({ thresholds: { a: 'p(95)<1', b: ['count==0', { threshold: 'count<2' }] } })).toEqual(
      {
        a: ['p(95)<1'],
        b: ['count==0', 'count<2'],
      },
    );
    expect(thresholdsFromScenario({})).toEqual({});
    expect(() => thresholdsFromScenario({ thresholds: ['p(95)<1'] })).toThrow(ThresholdError);
    expect(() => thresholdsFromScenario({ thresholds: { a: [42] } })).toThrow(/must be a string/);
  });
});

describe('evaluateThresholds', () => {
  const smoke = loadFixture('smoke');

  it('measures each threshold and passes or fails it', () => {
    const p95 = percentileOf(smoke.latency.replyFinal, 95)!;
    const outcomes = evaluateThresholds(smoke, {
      reply_latency: ['p(95)<3000', `p(95)<${p95}`],
      lost_updates: ['count==0'],
      'reply_latency{action:question}': ['med>0'],
      cpu_percent: ['max<100'],
    });
    expect(outcomes).toEqual([
      { metric: 'reply_latency', expression: 'p(95)<3000', value: p95, passed: true },
      { metric: 'reply_latency', expression: `p(95)<${p95}`, value: p95, passed: false },
      { metric: 'lost_updates', expression: 'count==0', value: 0, passed: true },
      { metric: 'reply_latency{action:question}', expression: 'med>0', value: expect.any(Number), passed: true },
      { metric: 'cpu_percent', expression: 'max<100', value: expect.any(Number), passed: true },
    ]);
  });

  it('fails the ramp on latency and catches duplicates in the scheduler run', () => {
    expect(evaluateThresholds(loadFixture('ramp'), { reply_latency: ['p(95)<3000'] })[0]?.passed).toBe(false);
    const scheduler = evaluateThresholds(loadFixture('scheduler-advisory-lock'), {
      digests_duplicated: ['count==0'],
      digest_failures: ['rate<0.01'],
      digest_lateness: ['p(95)<900000'],
    });
    expect(scheduler.map((o) => o.passed)).toEqual([false, false, true]);
  });

  it('computes counter rates per simulated second and rate metrics as fractions', () => {
    const [perS, fraction] = evaluateThresholds(smoke, { updates_injected: ['rate>0'], failed_updates: ['rate<0.01'] });
    expect(perS?.value).toBeCloseTo(smoke.load.updatesInjected / smoke.durationSimulatedS, 9);
    expect(fraction).toMatchObject({ value: 0, passed: true });
  });

  it('fails a threshold with no data instead of passing it', () => {
    const [outcome] = evaluateThresholds(loadFixture('scheduler-skip-locked'), { reply_latency: ['p(95)<3000'] });
    expect(outcome).toMatchObject({ value: null, passed: false });
  });

  it('rejects unknown metrics, tags and unsupported aggregations', () => {
    expect(() => evaluateThresholds(smoke, { reply_latncy: ['p(95)<3000'] })).toThrow(
      /unknown metric 'reply_latncy' \(did you mean 'reply_latency'\?\)/,
    );
    expect(() => evaluateThresholds(smoke, { lost_updates: ['p(95)<1'] })).toThrow(
      /'p\(95\)' does not apply to lost_updates \(a counter\); use count, rate/,
    );
    expect(() => evaluateThresholds(smoke, { reply_latency: ['count==0'] })).toThrow(/does not apply to reply_latency/);
    expect(() => evaluateThresholds(smoke, { 'lost_updates{action:x}': ['count==0'] })).toThrow(/has no tag 'action'/);
  });

  it('registers the metrics the brief names', () => {
    const names = METRICS.map((m) => m.name);
    for (const name of [
      'reply_latency',
      'reply_first_latency',
      'lost_updates',
      'duplicate_replies',
      'out_of_order_replies',
      'fallback_replies',
      'digest_lateness',
      'digests_missing',
      'digests_duplicated',
      'updates_dropped',
      'connection_errors',
      'claude_429',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('evaluates every registered metric on a fixture without throwing', () => {
    const ramp: RunResult = loadFixture('ramp');
    for (const m of METRICS) {
      const aggregation = { trend: 'p(95)<1', counter: 'count>=0', rate: 'rate<=1', gauge: 'value>=0' }[m.kind];
      expect(() => evaluateThresholds(ramp, { [m.name]: [aggregation] })).not.toThrow();
    }
  });
});
