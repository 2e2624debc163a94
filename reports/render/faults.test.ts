import { describe, expect, it } from 'vitest';
import type { FaultEvent, RunResult } from '../../contracts/run-result.ts';
import { loadFixture } from '../fixtures/index.ts';
import { buildReport } from './build.ts';
import { chartSpecs } from './charts.ts';
import { renderJunit } from './junit.ts';
import { elementsNamed, parseXml } from './testing/xml.ts';

/** The faults a run injected on purpose are on every report: JUnit properties and bands over the time charts. */

const FAULTS: FaultEvent[] = [
  { kind: 'claude-errors', target: 'claude', fromMs: 20_000, toMs: 40_000, detail: '529 for 100% of calls' },
  { kind: 'instance-killed', target: 'bot-2', fromMs: 60_000, toMs: 60_000, detail: 'SIGKILL' },
];

function withFaults(result: RunResult): RunResult {
  return { ...result, faults: FAULTS };
}

describe('fault events in reports', () => {
  it('JUnit lists each fault as a property of its suite', () => {
    const root = parseXml(renderJunit(buildReport([withFaults(loadFixture('ramp'))])));
    const faults = elementsNamed(root, 'property').filter((p) => p.attributes.name === 'fault');
    expect(faults.map((p) => p.attributes.value)).toEqual([
      'claude claude-errors 20-40 s (529 for 100% of calls)',
      'bot-2 instance-killed at 60 s (SIGKILL)',
    ]);
  });

  it('every time chart carries the faults as bands; a run without faults has none', () => {
    const specs = chartSpecs(buildReport([withFaults(loadFixture('ramp'))]));
    const timeCharts = specs.filter((s) => s.xLabel === 'simulated s');
    expect(timeCharts.length).toBeGreaterThan(3);
    for (const spec of timeCharts) {
      expect(spec.bands).toEqual([
        { fromS: 20, toS: 40, label: 'claude claude-errors (529 for 100% of calls)' },
        { fromS: 60, toS: 60, label: 'bot-2 instance-killed (SIGKILL)' },
      ]);
    }
    expect(chartSpecs(buildReport([loadFixture('ramp')])).some((s) => s.bands !== undefined)).toBe(false);
  });
});
