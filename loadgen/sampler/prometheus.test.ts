import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PrometheusParseError, parsePrometheusText, sumOf } from './prometheus.ts';

describe('parsePrometheusText', () => {
  it('reads what prom-client serves: counters, gauges, histograms and summaries with their families', async () => {
    const registry = new Registry();
    const updates = new Counter({
      name: 'bot_updates_total',
      help: 'h',
      labelNames: ['transport'],
      registers: [registry],
    });
    updates.inc({ transport: 'polling' }, 3);
    updates.inc({ transport: 'webhook' }, 2);
    new Gauge({ name: 'bot_db_pool_waiting', help: 'waiting', registers: [registry] }).set(4);
    const latency = new Histogram({ name: 'bot_reply_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
    latency.observe(0.05);
    latency.observe(2);
    new Summary({ name: 'bot_claude_seconds', help: 'h', percentiles: [0.5], registers: [registry] }).observe(1.5);

    const samples = parsePrometheusText(await registry.metrics());
    expect(sumOf(samples, 'bot_updates_total')).toBe(5);
    expect(sumOf(samples, 'bot_updates_total', { transport: 'webhook' })).toBe(2);
    expect(samples.find((s) => s.name === 'bot_db_pool_waiting')).toMatchObject({ type: 'gauge', value: 4 });
    const inf = samples.find((s) => s.name === 'bot_reply_seconds_bucket' && s.labels.le === '+Inf');
    expect(inf).toMatchObject({ family: 'bot_reply_seconds', type: 'histogram', value: 2 });
    expect(samples.find((s) => s.name === 'bot_reply_seconds_sum')?.value).toBeCloseTo(2.05);
    expect(samples.find((s) => s.name === 'bot_claude_seconds' && s.labels.quantile === '0.5')).toMatchObject({
      family: 'bot_claude_seconds',
      type: 'summary',
      value: 1.5,
    });
    expect(samples.find((s) => s.name === 'bot_claude_seconds_count')).toMatchObject({ type: 'summary', value: 1 });
  });

  it('round-trips any label value prom-client can escape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.double({ noNaN: true }), async (labelValue, value) => {
        const registry = new Registry();
        new Gauge({ name: 'g', help: 'h', labelNames: ['v'], registers: [registry] }).set({ v: labelValue }, value);
        const [sample] = parsePrometheusText(await registry.metrics());
        expect(sample?.labels).toEqual({ v: labelValue });
        expect(sample?.value).toBe(value === 0 ? 0 : value);
      }),
      { numRuns: 200 },
    );
  });

  it('handles special values, timestamps, spaces, comments and OpenMetrics exemplars', () => {
    const samples = parsePrometheusText(
      [
        '# a comment',
        '# HELP x something',
        'x NaN',
        'y{a="1",} +Inf 1700000000000',
        'z { a = "}" , b="x,y" } -Inf',
        'w{trace="1"} 7 # {trace_id="abc"} 1.0',
        '',
      ].join('\n'),
    );
    expect(samples[0]!.value).toBeNaN();
    expect(samples[1]).toMatchObject({ labels: { a: '1' }, value: Number.POSITIVE_INFINITY, timestampMs: 1.7e12 });
    expect(samples[2]).toMatchObject({ type: 'untyped', labels: { a: '}', b: 'x,y' } });
    expect(samples[3]).toMatchObject({ name: 'w', value: 7 });
  });

  it('parses label sets with braces and commas inside quoted values', () => {
    const [sample] = parsePrometheusText('m{path="/a{b},c",q="say \\"hi\\"\\n"} 1');
    expect(sample!.labels).toEqual({ path: '/a{b},c', q: 'say "hi"\n' });
  });

  it('names the line of malformed input', () => {
    expect(() => parsePrometheusText('ok 1\nbad{a=1} 2')).toThrow(PrometheusParseError);
    expect(() => parsePrometheusText('ok 1\nbad{a=1} 2')).toThrow(/line 2/);
    expect(() => parsePrometheusText('novalue')).toThrow(/expected a value/);
    expect(() => parsePrometheusText('m{a="x} 1')).toThrow(/unterminated/);
  });

  it('sumOf tells "absent" from zero', () => {
    expect(sumOf(parsePrometheusText('a 0'), 'a')).toBe(0);
    expect(sumOf(parsePrometheusText('a 0'), 'b')).toBeUndefined();
  });
});
