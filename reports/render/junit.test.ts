import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { buildReport } from './build.ts';
import { renderJunit } from './junit.ts';
import { HOSTILE, hostileRunResult } from './testing/hostile.ts';
import { elementsNamed, parseXml } from './testing/xml.ts';

describe('JUnit XML', () => {
  it('has one testcase per threshold and a failure with the measured value for each failed one', () => {
    const xml = renderJunit(buildReport([hostileRunResult()]));
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '2', failures: '1' });
    const cases = elementsNamed(root, 'testcase');
    expect(cases).toHaveLength(2);
    const failed = cases.filter((c) => elementsNamed(c, 'failure').length > 0);
    expect(failed).toHaveLength(1);
    const failure = elementsNamed(failed[0]!, 'failure')[0]!;
    expect(failure.attributes.message).toContain('measured 3');
    expect(failure.text).toContain('measured: 3');
  });

  it('escapes hostile names and drops characters XML cannot carry', () => {
    const xml = renderJunit(buildReport([hostileRunResult()]));
    const root = parseXml(xml); // throws on a raw '<', a bad entity or a control character
    const suite = elementsNamed(root, 'testsuite')[0]!;
    expect(suite.attributes.name).toBe(HOSTILE.variant);
    const failedCase = elementsNamed(root, 'testcase')[0]!;
    expect(failedCase.attributes.name).toBe(`lost]]><x/>\u2028 count<1 && "x" <y>`);
    expect(xml).not.toContain('\u0001');
  });

  it('writes one suite per run of a comparison, with the scenario thresholds evaluated', () => {
    const runs = (['variant-polling-x1', 'variant-webhook-x1', 'variant-webhook-x3'] as const).map(loadFixture);
    const root = parseXml(renderJunit(buildReport(runs)));
    const suites = elementsNamed(root, 'testsuite');
    expect(suites.map((s) => s.attributes.name)).toEqual(['polling x1', 'webhook x1', 'webhook x3']);
    for (const suite of suites) {
      expect(elementsNamed(suite, 'testcase')).toHaveLength(2); // reply_latency, lost_updates
    }
    expect(Number(root.attributes.failures)).toBeGreaterThan(0); // polling x1 broke the latency budget
  });
});
