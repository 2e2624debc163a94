import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenarios/index.ts';
import { loadScenario } from '../../scenarios/registry.ts';
import { generateK6Script, k6Executor, k6Thresholds } from './generate.ts';

describe('export to k6', () => {
  it('keeps the arrival model in k6 executor terms, durations and rates in real time at the chosen scale', async () => {
    const concurrent = await loadScenario('500-concurrent');
    expect(k6Executor(concurrent, 1)).toEqual({
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '1m', target: 500 },
        { duration: '5m', target: 500 },
        { duration: '1m', target: 0 },
      ],
      gracefulRampDown: '30s',
    });
    const open = parseScenario({
      name: 'open',
      load: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '10m', preAllocatedVUs: 50 },
    });
    expect(k6Executor(open, 10)).toEqual({
      executor: 'constant-arrival-rate',
      rate: 20,
      timeUnit: '100ms',
      duration: '1m',
      preAllocatedVUs: 50,
      maxVUs: 50,
    });
  });

  it('exports the thresholds on metrics the script records and names the ones only a botcap run measures', async () => {
    const { kept, dropped } = k6Thresholds(await loadScenario('peak-10am'));
    expect(kept).toEqual({ reply_latency: ['p(95)<5000'], lost_updates: ['count==0'] });
    expect(dropped).toEqual(['digests_missing', 'digests_duplicated', 'digest_lateness']);
  });

  it('writes a script that drives the fake through its control API, in JS or TypeScript', async () => {
    const smoke = await loadScenario('smoke');
    const js = generateK6Script(smoke);
    expect(js).toContain("import http from 'k6/http'");
    expect(js).toContain('/control/updates');
    expect(js).toContain('/control/wait-reply');
    expect(js).toContain('"p(95)<10000"');
    expect(js).not.toMatch(/: number|as Envelope|reference types/);
    const ts = generateK6Script(smoke, { language: 'ts' });
    expect(ts).toMatch(/^\/\/\/ <reference types="k6" \/>/);
    expect(ts).toContain('as Envelope<T>');
  });
});
