import { describe, expect, it } from 'vitest';
import { distortedMessage } from '../../reports/fidelity.ts';
import { chooseTimeScale, predictAt } from './auto-scale.ts';
import { fidelityBound, tightestLatencyBudget } from './bound.ts';
import { estimateFidelity, type FidelityInterval, intervalEstimate } from './estimate.ts';

/** An interval of one real second at `scale`, with `items` and the given per-process figures. */
function interval(
  index: number,
  scale: number,
  items: number,
  figures: {
    injectionLagMs?: number;
    genCpu?: number;
    genLag?: number;
    bots?: Array<[cpu: number, lag: number]>;
    pgCpu?: number;
  },
): FidelityInterval {
  return {
    startMs: index * 1000 * scale,
    endMs: (index + 1) * 1000 * scale,
    items,
    injectionLagMs: figures.injectionLagMs ?? 0,
    processes: [
      { name: 'loadgen', role: 'generator', cpuPercent: figures.genCpu ?? 0, loopLagMs: figures.genLag ?? 0 },
      ...(figures.bots ?? []).map(([cpu, lag], i) => ({
        name: `bot-${i + 1}`,
        role: 'bot' as const,
        cpuPercent: cpu,
        loopLagMs: lag,
      })),
      { name: 'postgres', role: 'other', cpuPercent: figures.pgCpu ?? 0 },
    ],
  };
}

describe('the distortion estimate', () => {
  it("turns a known delay and scale into S x the lab's real ms + (S - 1) x the system's", () => {
    // 100 items in one real second. The lab's: generator 5% of a core = 0.5 ms each, 0.5 ms lag, 0.5 ms
    // injection lag = 1.5 ms. The system's: bot 20% = 2 ms each, lag 1 ms; postgres 10% = 1 ms each = 4 ms.
    const e = intervalEstimate(
      interval(0, 20, 100, { injectionLagMs: 0.5, genCpu: 5, genLag: 0.5, bots: [[20, 1]], pgCpu: 10 }),
      20,
    );
    expect(e.labDelayMs).toBeCloseTo(1.5, 6);
    expect(e.systemDelayMs).toBeCloseTo(4, 6);
    expect(e.distortionMs).toBeCloseTo(20 * 1.5 + 19 * 4, 6);
    expect(e.limitingProcess).toBe('bot-1');
  });

  it("charges the lab with the bots' wait for the cores the generator holds on a busy machine", () => {
    // Generator 60% + bot 40% of 2 cores: the machine is half busy and the generator holds 60% of what is
    // busy, so 0.5 x 0.6 = 30% of the bot's 10 ms lag is the lab's.
    const busy = interval(0, 10, 100, { genCpu: 60, bots: [[40, 10]] });
    const e = intervalEstimate(busy, 10, { cores: 2 });
    expect(e.labDelayMs).toBeCloseTo(6 + 3, 6); // generator CPU 600 ms / 100 + 3 ms of the bot's lag
    expect(e.systemDelayMs).toBeCloseTo(4 + 7, 6);
    // Without the machine's cores the contention is not counted.
    expect(intervalEstimate(busy, 10).labDelayMs).toBeCloseTo(6, 6);
  });

  it('counts the bots as one visit: their CPU summed per item, their lags averaged', () => {
    const e = intervalEstimate(
      interval(0, 10, 100, {
        bots: [
          [10, 2],
          [30, 4],
        ],
      }),
      10,
    );
    // CPU (100 + 300 ms) / 100 items = 4 ms; lag mean 3 ms
    expect(e.realDelayMs).toBeCloseTo(7, 6);
  });

  it("adds the system's own delay nothing at 1x, and the lab's all of it", () => {
    // 10 items in a second: the generator's 900 ms of CPU is 90 ms each, + 50 ms lag; the bot's the same.
    const e = intervalEstimate(interval(0, 1, 10, { genCpu: 90, genLag: 50, bots: [[90, 50]] }), 1);
    expect(e.systemDelayMs).toBeCloseTo(140, 6);
    expect(e.distortionMs).toBeCloseTo(140, 6); // the generator's alone: production has no generator
  });

  it('judges the run on the item-weighted p95 and names the worst intervals and the limiting process', () => {
    const scale = 20;
    const quiet = Array.from({ length: 19 }, (_, i) => interval(i, scale, 100, { bots: [[10, 0]] })); // 1 ms
    const busy = interval(19, scale, 100, { genLag: 40, bots: [[10, 0]] }); // 41 ms
    const fidelity = estimateFidelity({
      timeScale: scale,
      timeScaleSource: 'scenario',
      boundMs: 150,
      intervals: [...quiet, busy],
    });
    // 95% of items saw 1 ms real = 19 ms simulated; the worst 5% is one interval.
    expect(fidelity.estimatedDistortionMs).toBeCloseTo(19, 1);
    expect(fidelity.status).toBe('ok');
    expect(fidelity.worstIntervals[0]).toMatchObject({ startMs: 19 * 20_000, limitingProcess: 'loadgen' });
    expect(fidelity.worstIntervals[0]!.distortionMs).toBeCloseTo(20 * 40 + 19 * 1, 0);
    expect(fidelity.maxFaithfulTimeScale).toBeCloseTo(151, 0);
  });

  it('is distorted when the lab delay times the scale passes the bound, and says which process and what scale was faithful', () => {
    const intervals = Array.from({ length: 10 }, (_, i) => interval(i, 60, 50, { genLag: 3, bots: [[95, 30]] }));
    const fidelity = estimateFidelity({ timeScale: 60, timeScaleSource: 'flag', boundMs: 150, intervals });
    expect(fidelity.status).toBe('distorted');
    expect(fidelity.limitingProcess).toBe('bot-1');
    // The lab's 3 ms, the system's 30 + 950/50 = 49 ms: faithful while 3 S + 49 (S - 1) <= 150, S <= 199 / 52.
    expect(fidelity.maxFaithfulTimeScale).toBeCloseTo(199 / 52, 1);
  });

  it('says when not even real time is faithful: the lab alone passes the bound', () => {
    const intervals = Array.from({ length: 5 }, (_, i) => interval(i, 1, 50, { genLag: 200, bots: [[5, 0]] }));
    const fidelity = estimateFidelity({ timeScale: 1, timeScaleSource: 'flag', boundMs: 150, intervals });
    expect(fidelity.status).toBe('distorted');
    expect(fidelity.limitingProcess).toBe('loadgen');
    expect(fidelity.maxFaithfulTimeScale).toBe(0.75); // S x 200 ms <= 150 ms
    expect(distortedMessage(fidelity)).toBe(
      'not judged: the lab itself added ~200 ms (bound 150 ms) at 1x, mostly loadgen; not even real time would have been faithful (at most 0.75x): the lab itself is too slow for this load on this machine: run fewer users, or on more cores, or pass --allow-distorted',
    );
  });

  it("charges each item its process's service demand, not the process's background work", () => {
    // 20 real seconds at 10x, 50-145 items each; the generator spends 100 ms a second anyway plus 0.2 ms an item.
    const intervals = Array.from({ length: 20 }, (_, i) => {
      const items = 50 + 5 * i;
      return interval(i, 10, items, { genCpu: (100 + 0.2 * items) / 10 });
    });
    const fidelity = estimateFidelity({ timeScale: 10, timeScaleSource: 'flag', boundMs: 150, intervals });
    // The slope, 0.2 ms an item, read 10 times; busy time / items would have said 0.9-2.2 ms.
    expect(fidelity.estimatedDistortionMs).toBeCloseTo(2, 1);
    // Too few intervals to fit a line: each interval's busy time over its items, background included.
    const few = estimateFidelity({
      timeScale: 10,
      timeScaleSource: 'flag',
      boundMs: 150,
      intervals: intervals.slice(0, 4),
    });
    expect(few.estimatedDistortionMs).toBeGreaterThan(10 * 1.5);
  });

  it('ignores intervals with no work items when weighting', () => {
    const idle = interval(0, 20, 0, { genLag: 100 });
    const fidelity = estimateFidelity({
      timeScale: 20,
      timeScaleSource: 'auto',
      boundMs: 150,
      intervals: [idle, interval(1, 20, 10, {})],
    });
    expect(fidelity.estimatedDistortionMs).toBe(0);
    expect(fidelity.status).toBe('ok');
  });
});

describe('the fidelity bound', () => {
  it('takes 5% of the tightest user-facing latency budget', () => {
    const thresholds = {
      reply_latency: ['p(95)<15000'],
      'reply_first_latency{action:question}': ['p(95)<3000'],
      lost_updates: ['count<1'],
    };
    expect(tightestLatencyBudget(thresholds)?.limitMs).toBe(3000);
    expect(fidelityBound(thresholds)).toEqual({
      boundMs: 150,
      basis: 'reply_first_latency{action:question} p(95)<3000',
    });
  });

  it('uses the default budget without one, a floor under tiny budgets, and the scenario setting over both', () => {
    expect(fidelityBound({}).boundMs).toBe(150);
    expect(fidelityBound({ reply_first_latency: ['p(95)<200'] }).boundMs).toBe(50);
    expect(fidelityBound({ reply_latency: ['p(95)<3000'] }, { boundMs: 400 }).boundMs).toBe(400);
    expect(fidelityBound({ reply_latency: ['p(95)<10000'] }, { boundShare: 0.1 }).boundMs).toBe(1000);
  });

  it('ignores lower bounds and metrics that are not latencies', () => {
    expect(tightestLatencyBudget({ reply_latency: ['p(95)>10'], pg_pool_wait: ['p(95)<5'] })).toBeUndefined();
  });
});

describe('--time-scale auto', () => {
  const base = { baseDelayMs: { labMs: 0.5, systemMs: 0 }, cores: 2, boundMs: 150 };

  it('predicts M/M/1 queueing in each event loop', () => {
    const p = predictAt(
      { ...base, processes: [{ name: 'bot-1', cpuMsPerItem: 1, singleThreaded: true }], peakItemsPerSimulatedS: 10 },
      50,
    );
    // rho = 50 x 10 / 1000 x 1 = 0.5: wait 1 ms; the system's delay 1 + 1, the lab's its base 0.5
    expect(p.systemDelayMs).toBeCloseTo(2, 6);
    expect(p.labDelayMs).toBeCloseTo(0.5, 6);
    expect(p.machineUtilization).toBeCloseTo(0.25, 6);
  });

  it('charges the lab with the wait for a core its generator causes the bot', () => {
    const processes = [
      { name: 'loadgen', cpuMsPerItem: 1, singleThreaded: true, lab: true },
      { name: 'bot-1', cpuMsPerItem: 1, singleThreaded: true },
    ];
    // 500 items per real second: each loop 50% busy alone, the 2 cores 50% busy together.
    const p = predictAt({ ...base, baseDelayMs: { labMs: 0, systemMs: 0 }, processes, peakItemsPerSimulatedS: 50 }, 10);
    expect(p.systemDelayMs).toBeCloseTo(2, 6); // the bot alone: rho 0.5 (its own loop), 1 + 1
    expect(p.labDelayMs).toBeCloseTo(2, 6); // the generator: the same; the machine adds the bot no more than its loop
    const crowded = predictAt(
      { ...base, cores: 1, baseDelayMs: { labMs: 0, systemMs: 0 }, processes, peakItemsPerSimulatedS: 40 },
      10,
    );
    // One core, 80% busy with both, 40% with the bot alone: the bot's wait 4 ms, of which 4 - 0.67 is the lab's.
    expect(crowded.systemDelayMs).toBeCloseTo(1 + 0.4 / 0.6, 6);
    expect(crowded.labDelayMs).toBeCloseTo(5 + (5 - (1 + 0.4 / 0.6)), 6);
  });

  it('picks the largest candidate within headroom x bound and says what refused the next one', () => {
    const choice = chooseTimeScale({
      ...base,
      processes: [{ name: 'bot-1', cpuMsPerItem: 1, singleThreaded: true }],
      peakItemsPerSimulatedS: 10,
      headroom: 0.5,
    });
    expect(choice.timeScale).toBe(30);
    expect(choice.distortionMs).toBeLessThanOrEqual(75);
    expect(choice.refused).toMatchObject({ timeScale: 40, cause: 'distortion' });
    expect(choice.refused!.distortionMs).toBeGreaterThan(75);
  });

  it("refuses a scale that would stretch the users' think times by the generator's reply lag", () => {
    const cheap = {
      ...base,
      boundMs: 1e9,
      processes: [{ name: 'bot-1', cpuMsPerItem: 0.1, singleThreaded: true }],
      peakItemsPerSimulatedS: 1,
      headroom: 0.5,
    };
    expect(chooseTimeScale(cheap).timeScale).toBe(100);
    // 5 ms real per reply against a 2 s cycle: S x 5 <= 0.5 x 5% x 2,000 = 50 ms allows 10x.
    const choice = chooseTimeScale({ ...cheap, cycle: { replyLagRealMs: 5, cycleMs: 2_000, boundShare: 0.05 } });
    expect(choice.timeScale).toBe(10);
    expect(choice.refused).toMatchObject({ timeScale: 12, cause: 'cycle' });
  });

  it('backs off when the machine would be too busy, and never goes below real time', () => {
    const heavy = {
      ...base,
      boundMs: 1e9,
      processes: [
        { name: 'postgres', cpuMsPerItem: 10, singleThreaded: false },
        { name: 'bot-1', cpuMsPerItem: 2, singleThreaded: true },
      ],
      peakItemsPerSimulatedS: 20,
    };
    const choice = chooseTimeScale(heavy);
    // 20 items/s x 12 ms = 240 ms of CPU per simulated second: 0.7 x 2 cores allows 5.8x
    expect(choice.timeScale).toBe(5);
    expect(choice.refused?.cause).toBe('machine');
    expect(chooseTimeScale({ ...heavy, peakItemsPerSimulatedS: 2000 }).timeScale).toBe(1);
  });

  it('splits a fleet of bots across their instances', () => {
    const one = chooseTimeScale({
      ...base,
      boundMs: 1e9,
      maxMachineUtilization: 1,
      cores: 8,
      peakItemsPerSimulatedS: 100,
      processes: [{ name: 'bot', cpuMsPerItem: 2, singleThreaded: true }],
    });
    const three = chooseTimeScale({
      ...base,
      boundMs: 1e9,
      maxMachineUtilization: 1,
      cores: 8,
      peakItemsPerSimulatedS: 100,
      processes: [{ name: 'bot', cpuMsPerItem: 2, singleThreaded: true, instances: 3 }],
    });
    expect(three.timeScale).toBeGreaterThan(one.timeScale);
  });
});
