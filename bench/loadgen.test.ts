import { describe, expect, it } from 'vitest';
import { type CeilingFigures, deliverySentence, LOADGEN_TARGETS } from './loadgen.ts';
import { judge, type MachineQuiet, type Spread } from './proc.ts';

const QUIET: MachineQuiet = { judged: true, loadBefore1m: 0.3, thresholdLoad1m: 1 };
const BUSY: MachineQuiet = { judged: false, loadBefore1m: 3.1, thresholdLoad1m: 1 };
const spread = (median: number, min = median, max = median): Spread => ({ median, min, max, n: 7 });

/** A webhook-reply ceiling whose figures the sentences read; the rest of the row is beside the point. */
function ceiling(overrides: Partial<CeilingFigures>): CeilingFigures {
  return {
    botReply: 'webhook-reply',
    autocannonRequestsPerS: 16_000,
    autocannonNon2xx: 0,
    autocannonErrors: 0,
    runnerInjectedPerS: 13_000,
    runnerCorrelatedPerS: 13_000,
    runnerLost: 0,
    runnerDuplicates: 0,
    ratio: 0.81,
    capacityRatio: 0.63,
    capacityRatioSpread: spread(0.63),
    runnerCpuUsPerUpdate: 56,
    runnerMeasureCpuSpread: spread(4),
    autocannonCpuUsPerRequest: 35,
    runnerCorrelatedSpread: spread(13_000),
    autocannonSpread: spread(16_000),
    runnerCpuSpread: spread(56),
    autocannonCpuSpread: spread(35),
    deliveryCpuUsPerUpdate: 48,
    deliveryCpuSpread: spread(48),
    deliverySpread: spread(15_000),
    deliveryRatio: 0.72,
    runnerToDelivery: spread(0.86, 0.81, 0.9),
    undiciCpuUsPerUpdate: 36,
    undiciCpuSpread: spread(36),
    undiciSpread: spread(16_000),
    undiciRatio: 0.97,
    ...overrides,
  };
}

const quietly = (met: boolean) => judge(met, QUIET);

describe('deliverySentence', () => {
  it("says autocannon's target is out of reach when the fake's delivery alone reads below it", () => {
    const sentence = deliverySentence(ceiling({ deliveryRatio: 0.72 }), quietly);
    expect(sentence).toContain('48 µs per update, 0.72x autocannon, below the 0.8x target');
    expect(sentence).toContain('no runner on this fake and reader meets that target on this machine');
  });

  it("names the delivery's ratio as the runner's ceiling when the target is within it", () => {
    const sentence = deliverySentence(ceiling({ deliveryRatio: 0.91 }), quietly);
    expect(sentence).toContain('so no runner on this fake and reader can pass 0.91x');
    expect(sentence).not.toContain('below the 0.8x target');
  });

  it("judges the runner against the delivery with webhook replies, by the median of the rounds' ratios", () => {
    expect(LOADGEN_TARGETS.runnerRatioToDelivery).toBe(0.8);
    const met = deliverySentence(ceiling({ runnerToDelivery: spread(0.86, 0.81, 0.9) }), quietly);
    expect(met).toContain('**0.86x**, 0.86 (0.81-0.90) (target >= 0.8: **met**; every round at or above it)');
    expect(met).toContain("the runner's VUs, scenario and records add 8 µs above it");
    const missed = deliverySentence(
      ceiling({ runnerToDelivery: spread(0.74, 0.7, 0.83), runnerCpuUsPerUpdate: 65 }),
      quietly,
    );
    expect(missed).toContain('target >= 0.8: **NOT met**; rounds on both sides of it');
    expect(missed).toContain('add 17 µs above it');
  });

  it('leaves the runner unjudged with sendMessage calls and on a busy machine', () => {
    const apiCall = deliverySentence(ceiling({ botReply: 'api-call', deliveryRatio: 0.9 }), quietly);
    expect(apiCall).toContain(
      "not judged: issue 16 judges it with webhook replies, where the generator's own cost shows",
    );
    expect(apiCall).not.toContain('**met**');
    const busy = deliverySentence(ceiling({}), (met) => judge(met, BUSY));
    expect(busy).toContain('not judged: machine busy, load avg 3.10');
  });
});
