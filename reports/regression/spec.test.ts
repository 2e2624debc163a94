import { describe, expect, it } from 'vitest';
import { ThresholdError } from '../../contracts/thresholds/index.ts';
import {
  formatAllowance,
  parseConfidence,
  parseRegressionCheck,
  REGRESSION_DEFAULTS,
  regressionChecks,
} from './spec.ts';

describe('--max-regression (the budgets vocabulary, with an allowed change)', () => {
  it.each([
    ['reply_latency:p(95)+10%', 'reply_latency p(95)', 'increase', { kind: 'relative', fraction: 0.1 }],
    ['lost_updates:+0', 'lost_updates', 'increase', { kind: 'absolute', amount: 0 }],
    ['claude_cost_per_1k_updates:+5%', 'claude_cost_per_1k_updates', 'increase', { kind: 'relative', fraction: 0.05 }],
    ['digests_delivered:-5%', 'digests_delivered', 'decrease', { kind: 'relative', fraction: 0.05 }],
    [
      'reply_latency{action:question}:med+250',
      'reply_latency{action:question} med',
      'increase',
      { kind: 'absolute', amount: 250 },
    ],
    ['failed_updates:rate+0.01', 'failed_updates rate', 'increase', { kind: 'absolute', amount: 0.01 }],
  ])('parses %s', (text, label, worse, allowance) => {
    const check = parseRegressionCheck(text);
    expect(check).toMatchObject({ source: text, label, worse, allowance });
    expect(formatAllowance(check)).toBe(text.slice(text.search(/[+-][\d.]+%?$/)));
  });

  it('reads the aggregation a budget would (p(95) of a trend, count of a counter)', () => {
    expect(parseRegressionCheck('reply_latency:p(99.9)+10%').compiled.expression).toMatchObject({
      aggregation: 'p',
      percentile: 99.9,
    });
    expect(parseRegressionCheck('lost_updates:+0').compiled.expression.aggregation).toBe('count');
    expect(parseRegressionCheck('max_connections_seen:+10%').compiled.expression.aggregation).toBe('value');
  });

  it.each([
    ['reply_latency+10%', /no colon between the metric and the allowed change/],
    [
      'reply_latency:+10%',
      /reply_latency is a distribution: name the aggregation to compare, e.g. 'reply_latency:p\(95\)\+10%'/,
    ],
    ['reply_latency:p(95)<10%', /is not an aggregation followed by \+N, \+N% or -N%/],
    ['reply_latency:p(150)+10%', /the percentile '150' must be a number in \(0, 100\]/],
    ['reply_latncy:p(95)+10%', /unknown metric 'reply_latncy' \(did you mean 'reply_latency'\?\)/],
    ['lost_updates:p(95)+0', /'p\(95\)' does not apply to lost_updates \(a counter\)/],
    ['lost_updates{action:x}:+0', /has no tag 'action'/],
    ['reply_latency:p(95)+ten%', /is not an aggregation followed by/],
  ])('rejects %j saying what is wrong', (text, why) => {
    expect(() => parseRegressionCheck(text)).toThrow(ThresholdError);
    expect(() => parseRegressionCheck(text)).toThrow(why);
  });

  it('uses the issue three checks when none is given', () => {
    expect(regressionChecks([]).map((c) => c.source)).toEqual([...REGRESSION_DEFAULTS.checks]);
    expect(regressionChecks(['lost_updates:+0']).map((c) => c.label)).toEqual(['lost_updates']);
  });

  it('parses --confidence in [0.5, 1)', () => {
    expect(parseConfidence('0.99')).toBe(0.99);
    for (const bad of ['1', '0.4', 'high', ''])
      expect(() => parseConfidence(bad)).toThrow(/must be a number in \[0.5, 1\)/);
  });
});
