import { describe, expect, it } from 'vitest';
import type { FaultEvent, TimeSeries } from '../contracts/run-result.ts';
import { describeFault } from '../reports/faults.ts';
import { withFaultCosts } from './fault-cost.ts';

/** A per-second rate series with one point per 10 s bucket (a run at 10x), from counts per bucket. */
const rate = (name: string, counts: number[]): TimeSeries => ({
  name,
  unit: '1/s',
  source: 'loadgen',
  points: counts.map((c, i) => [(i + 1) * 10_000, c / 10] as [number, number]),
});

// Ten buckets of 10 s: 20 updates each; the bot lost 5 a bucket in 30-60 s and fell back on 2 a bucket in 30-50 s.
const SERIES = [
  rate('updates_per_s', [20, 20, 20, 20, 20, 20, 20, 20, 20, 20]),
  rate('lost_per_s', [0, 0, 0, 5, 5, 5, 0, 0, 0, 0]),
  rate('fallbacks_per_s', [0, 0, 0, 2, 2, 0, 0, 0, 0, 0]),
];

describe('what a fault cost the users', () => {
  it('counts the updates sent from its start until a reply deadline after its end, and the lost and fallbacks among them', () => {
    const storm: FaultEvent = { kind: 'claude-errors', target: 'claude', fromMs: 30_000, toMs: 40_000, detail: '529' };
    const [costed] = withFaultCosts([storm], SERIES, 20_000);
    expect(costed!.cost).toEqual({ untilMs: 60_000, updatesSent: 60, lost: 15, fallbacks: 4 });
    expect(describeFault(costed!)).toBe(
      'claude claude-errors 30-40 s (529; to 60 s: 60 updates sent, 15 lost, 4 fallbacks)',
    );
  });

  it('gives an instant fault (a kill) the reply deadline after it, and counts a partly covered bucket in proportion', () => {
    const kill: FaultEvent = {
      kind: 'instance-killed',
      target: 'bot-2',
      fromMs: 55_000,
      toMs: 55_000,
      detail: 'SIGKILL',
    };
    const [costed] = withFaultCosts([kill], SERIES, 10_000);
    // 55-65 s: half of the 50-60 s bucket (10 sent, 2.5 lost) and half of 60-70 s (10 sent, 0 lost).
    expect(costed!.cost).toEqual({ untilMs: 65_000, updatesSent: 20, lost: 3, fallbacks: 0 });
  });

  it('leaves faults as they were when the run has no update series (a result from an older botcap)', () => {
    const kill: FaultEvent = {
      kind: 'instance-killed',
      target: 'bot-2',
      fromMs: 1_000,
      toMs: 1_000,
      detail: 'SIGKILL',
    };
    expect(withFaultCosts([kill], [], 10_000)).toEqual([kill]);
  });
});
