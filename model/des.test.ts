import { describe, expect, it } from 'vitest';
import { createRng } from '../common/random.ts';
import { erlangC } from '../reports/analysis/erlang.ts';
import { Resource, Simulation, TokenBucket } from './des.ts';

/** An M/M/c queue on the kernel: Poisson arrivals, exponential service, c servers, FIFO. */
function mmc(arrivalRatePerS: number, serviceTimeS: number, servers: number, horizonS: number, seed: number) {
  const sim = new Simulation();
  const rng = createRng(seed);
  const exp = (meanMs: number) => -meanMs * Math.log(1 - rng());
  const station = new Resource(sim, 'servers', servers, { bucketMs: 60_000 });
  const arrive = () => {
    sim.after(exp(1000 / arrivalRatePerS), () => {
      station.acquire(() => {
        sim.after(exp(serviceTimeS * 1000), () => station.release());
      });
      arrive();
    });
  };
  arrive();
  sim.runUntil(horizonS * 1000);
  return { station, horizonMs: horizonS * 1000 };
}

describe('the simulation kernel', () => {
  it('reproduces the M/M/c mean wait of Erlang C (capacity-methods check: lambda 2/s, S 8 s, c 20)', () => {
    const { station } = mmc(2, 8, 20, 400_000, 11);
    const meanWaitS = station.waitTotalMs / station.granted / 1000;
    const theory = erlangC(2, 8, 20).meanWaitS!; // 0.51 s
    expect(Math.abs(meanWaitS - theory)).toBeLessThan(0.15 * theory);
  });

  it("obeys Little's law: mean queue length = arrival rate x mean wait", () => {
    const { station, horizonMs } = mmc(2, 8, 18, 200_000, 5);
    const meanWaitS = station.waitTotalMs / station.granted / 1000;
    const rate = station.granted / (horizonMs / 1000);
    expect(station.queue.mean(horizonMs)).toBeCloseTo(rate * meanWaitS, 0);
    // And busy servers = throughput x service time (the utilization law).
    expect(Math.abs(station.busy.mean(horizonMs) / (rate * 8) - 1)).toBeLessThan(0.03);
  });

  it('runs events at the same instant in the order they were scheduled', () => {
    const sim = new Simulation();
    const order: number[] = [];
    for (let i = 0; i < 5; i++) sim.at(100, () => order.push(i));
    sim.runUntil(100);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects beyond a bounded queue, as a bulkhead does', () => {
    const sim = new Simulation();
    const bulkhead = new Resource(sim, 'bulkhead', 1, { queueLimit: 2 });
    const admitted = [1, 2, 3, 4].map(() => bulkhead.acquire(() => undefined));
    expect(admitted).toEqual([true, true, true, false]);
    expect(bulkhead.rejected).toBe(1);
  });

  it('refills a token bucket continuously and says when enough will be there', () => {
    const rpm = new TokenBucket(60, 60 / 60_000);
    for (let i = 0; i < 60; i++) expect(rpm.take(0, 1).ok).toBe(true);
    const refused = rpm.take(0, 1);
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBeCloseTo(1000, 6);
    expect(rpm.take(1000, 1).ok).toBe(true);
  });
});
