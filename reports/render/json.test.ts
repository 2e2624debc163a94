import { describe, expect, it } from 'vitest';
import { computeCost } from '../cost/compute.ts';
import { profileFromWhatIf, WHAT_IF_DEFAULTS } from '../cost/what-if.ts';
import { loadFixture } from '../fixtures/index.ts';
import { buildReport } from './build.ts';
import { REPORT_SCHEMA_VERSION } from './document.ts';
import { costReportSchema, renderJson, reportDocumentSchema } from './json.ts';
import { hostileRunResult } from './testing/hostile.ts';

describe('JSON report', () => {
  it('is the analysis itself, versioned, and matches its schema', () => {
    const json = renderJson(buildReport([loadFixture('ramp')]));
    const parsed = reportDocumentSchema.parse(JSON.parse(json));
    expect(parsed.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(parsed.kind).toBe('capacity');
    const run = parsed.runs[0]!;
    expect(run.knee?.kneeLoad).toBe(140);
    expect(run.usl).not.toBeNull();
    expect(run.cost?.perMonth.llmUsd).toBeGreaterThan(0);
  });

  it('matches its schema for a comparison and for hostile input, and round-trips strings unchanged', () => {
    const runs = (['variant-polling-x1', 'variant-webhook-x3'] as const).map(loadFixture);
    const comparison = reportDocumentSchema.parse(JSON.parse(renderJson(buildReport(runs))));
    expect(comparison.comparison?.winner).toBe('webhook x3');
    const hostile = hostileRunResult();
    const parsed = reportDocumentSchema.parse(JSON.parse(renderJson(buildReport([hostile]))));
    expect(parsed.runs[0]!.analysis.scenario).toBe(hostile.scenario.name);
    expect(parsed.runs[0]!.cost?.warnings.join(' ')).toContain('is not in the pricing data');
  });

  it('describes a stand-alone cost report too', () => {
    const cost = computeCost(profileFromWhatIf(WHAT_IF_DEFAULTS));
    expect(costReportSchema.parse(JSON.parse(JSON.stringify(cost)))).toEqual(cost);
  });
});
